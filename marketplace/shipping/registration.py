"""What ``shipping`` declares to the registry: its tables and its carrier adapters."""

from ..registry import Registration
from . import models
from .carriers import ManualCarrier

registration = Registration(name="shipping", models=(models,), carriers={ManualCarrier.code: ManualCarrier()})
