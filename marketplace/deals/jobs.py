"""Deal background jobs: take ids, reload, re-check state."""

import logging

from ..jobs import enqueue, job
from . import services

log = logging.getLogger(__name__)


@job
def release_deal(deal_id: int) -> bool:
    """Release an accepted deal's escrow; a no-op for a deal in any other state."""
    return services.release_deal(deal_id)


def release_deals(deal_ids: list[int]) -> int:
    """Release several accepted deals in one transaction (deals accepted together); returns how many moved.

    If the batch fails (the ledger refuses one deal's transfer), nothing of it is kept and each deal gets its own
    ``release_deal`` job, so one deal's refusal fails alone and the others are released.
    """
    try:
        return _release_batch(deal_ids)
    except Exception:
        log.exception("releasing deals %s together failed; each gets its own job", deal_ids)
        for deal_id in deal_ids:
            enqueue("marketplace.deals.jobs.release_deal", deal_id, queue="money", job_id=f"release-deal-{deal_id}")
        return 0


_release_batch = job(services.release_deals)


@job
def settle_dispute(dispute_id: int) -> bool:
    """Settle a decided dispute's money and resolve the deal; a no-op once settled."""
    return services.settle_dispute(dispute_id)
