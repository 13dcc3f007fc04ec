"""Shipping background jobs: take ids, reload, re-check state."""

from datetime import datetime

from ..jobs import job
from . import polling, webhooks


@job
def process_carrier_webhook(event_id: int) -> str:
    """Process one stored carrier webhook event (a no-op once it was processed, ignored or failed)."""
    return webhooks.process_event(event_id)


@job
def poll_shipment(shipment_id: int, due: str) -> str:
    """Ask the carrier about one shipment whose ask was due at ``due`` (a no-op when it was asked meanwhile)."""
    return polling.poll(shipment_id, datetime.fromisoformat(due), webhooks.store_event)
