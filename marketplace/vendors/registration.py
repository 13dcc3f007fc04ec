"""What ``vendors`` declares to the registry."""

from ..registry import Registration
from . import jobs, models
from .states import verification_machine

registration = Registration(
    name="vendors",
    models=(models,),
    machines=(verification_machine,),
    sweep_steps=(jobs.redrive_imports,),
)
