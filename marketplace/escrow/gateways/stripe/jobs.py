"""Stripe background jobs: take ids, reload, re-check state."""

from ....jobs import job
from . import webhooks


@job
def process_stripe_event(event_row_id: int) -> str:
    """Process one stored Stripe event (a no-op once it was processed, ignored or failed)."""
    return webhooks.process_event(event_row_id)
