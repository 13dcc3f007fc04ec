"""Deal background jobs: take ids, reload, re-check state."""

from ..jobs import job
from . import services


@job
def release_deal(deal_id: int) -> bool:
    """Release an accepted deal's escrow; a no-op for a deal in any other state."""
    return services.release_deal(deal_id)


@job
def settle_dispute(dispute_id: int) -> bool:
    """Settle a decided dispute's money and resolve the deal; a no-op once settled."""
    return services.settle_dispute(dispute_id)
