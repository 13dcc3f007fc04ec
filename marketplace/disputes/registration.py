"""What ``disputes`` declares to the registry."""

from ..registry import Registration
from . import models
from .states import dispute_machine

registration = Registration(name="disputes", models=(models,), machines=(dispute_machine,))
