"""What ``vendors`` declares to the registry."""

from ..accounts.services import ORGANIZATION_CREATED
from ..registry import Registration
from . import jobs, models
from .services.profiles import create_vendor_profile
from .states import verification_machine

registration = Registration(
    name="vendors",
    models=(models,),
    machines=(verification_machine,),
    sweep_steps=(jobs.redrive_imports, jobs.schedule_hs_training),
    listeners={ORGANIZATION_CREATED: create_vendor_profile},  # a vendor organisation gets its profile
)
