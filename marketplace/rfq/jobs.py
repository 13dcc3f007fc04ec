"""RFQ background jobs."""

from ..jobs import job
from .services.invitations import match_and_invite


@job
def match_rfq(rfq_id: int) -> int:
    """Match an open RFQ to vendors and invite them; a re-run invites nobody twice."""
    return match_and_invite(rfq_id)
