"""What ``shipping`` declares to the registry: its tables, its carrier adapters, its sweep steps, and the hook it
needs."""

from ..registry import Registration
from . import models, notices, polling, webhooks
from .carriers import ManualCarrier
from .carriers.ghn import GhnCarrier
from .carriers.ghtk import GhtkCarrier
from .carriers.vtp import VtpCarrier
from .documents import DEAL_OF
from .services import SHIPMENT_STATUS_CHANGED

registration = Registration(
    name="shipping", models=(models, webhooks),
    carriers={c.code: c for c in (ManualCarrier(), GhnCarrier(), GhtkCarrier(), VtpCarrier())},
    # stored carrier events whose job was lost are queued again; shipments of carriers without push are polled
    sweep_steps=(webhooks.redrive_carrier_events, polling.poll_due_shipments),
    listeners={SHIPMENT_STATUS_CHANGED: notices.on_status_changed},
    requires=(DEAL_OF,))  # documents read their deal through it (``deals`` provides it)
