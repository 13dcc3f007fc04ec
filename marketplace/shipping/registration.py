"""What ``shipping`` declares to the registry: its tables, its carrier adapters, and the hook it needs."""

from ..registry import Registration
from . import models, webhooks
from .carriers import ManualCarrier
from .carriers.ghn import GhnCarrier
from .documents import DEAL_OF

registration = Registration(name="shipping", models=(models, webhooks),
                            carriers={ManualCarrier.code: ManualCarrier(), GhnCarrier.code: GhnCarrier()},
                            requires=(DEAL_OF,))  # documents read their deal through it (``deals`` provides it)
