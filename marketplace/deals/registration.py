"""What ``deals`` declares to the registry."""

from ..registry import Registration
from . import models, services
from .states import deal_machine

registration = Registration(
    name="deals",
    models=(models,),
    machines=(deal_machine,),
    after_transition={("deal", "accept"): services.queue_release},  # silence in the inspection window
    sweep_steps=(services.redrive_settlements,),
)
