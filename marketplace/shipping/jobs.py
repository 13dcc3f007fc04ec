"""Shipping background jobs: take ids, reload, re-check state."""

from ..jobs import job
from . import webhooks


@job
def process_carrier_webhook(event_id: int) -> str:
    """Process one stored carrier webhook event (a no-op once it was processed, ignored or failed)."""
    return webhooks.process_event(event_id)
