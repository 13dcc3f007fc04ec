"""What ``rfq`` declares to the registry."""

from ..registry import Registration
from . import models
from .states import quote_machine, rfq_machine

registration = Registration(name="rfq", models=(models,), machines=(rfq_machine, quote_machine))
