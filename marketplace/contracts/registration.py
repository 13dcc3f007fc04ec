"""What ``contracts`` declares to the registry."""

from ..registry import Registration
from . import models, services
from .models import ContractStatus, VersionStatus
from .states import contract_machine, version_machine

registration = Registration(
    name="contracts",
    models=(models,),
    machines=(contract_machine, version_machine),
    # a contract follows its first version; an amendment accepted by both takes force
    on_enter={("contract_version", VersionStatus.ACCEPTED): services.on_version_accepted,
              ("contract_version", VersionStatus.DECLINED): services.on_version_closed,
              ("contract_version", VersionStatus.WITHDRAWN): services.on_version_closed,
              ("contract_version", VersionStatus.LAPSED): services.on_version_closed,
              ("contract", ContractStatus.ACTIVE): services.on_signed,
              ("contract", ContractStatus.EXPIRED): services.on_ended,
              ("contract", ContractStatus.TERMINATED): services.on_ended},
    sweep_steps=(services.remind_expiring,),
)
