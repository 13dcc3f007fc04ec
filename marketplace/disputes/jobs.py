"""Dispute background jobs."""

from ..jobs import job
from . import services


@job
def settle_dispute(dispute_id: int) -> bool:
    """Settle a decided dispute's money; a no-op once settled."""
    return services.settle_dispute(dispute_id)
