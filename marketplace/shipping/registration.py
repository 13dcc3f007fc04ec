"""What ``shipping`` declares to the registry: its tables, its carrier adapters, and the hook it needs."""

from ..registry import Registration
from . import models
from .carriers import ManualCarrier
from .documents import DEAL_OF

registration = Registration(name="shipping", models=(models,), carriers={ManualCarrier.code: ManualCarrier()},
                            requires=(DEAL_OF,))  # documents read their deal through it (``deals`` provides it)
