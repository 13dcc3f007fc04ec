"""What ``disputes`` declares to the registry."""

from ..registry import Registration
from . import models
from .models import DisputeStatus
from .negotiation import on_state_entered
from .states import dispute_machine

registration = Registration(
    name="disputes", models=(models,), machines=(dispute_machine,),
    # every state change: the deadline shown, escalation and lapse records, both parties and the platform told
    # (entering ``decided`` is the deals package's: it also queues the settlement)
    on_enter={("dispute", state): on_state_entered for state in DisputeStatus if state != DisputeStatus.DECIDED},
)
