"""Disputes of a deal, orchestrated: the deal's transitions and money around the case kept by ``disputes``.

Lock order everywhere: the deal, then the dispute (then the ledger rows ``escrow`` locks).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ...actors import SYSTEM, Actor
from ...database import utcnow
from ...disputes import services as cases
from ...disputes.models import Dispute, DisputeOutcome
from ...errors import InvalidInputError, NotFoundError
from ...escrow import services as escrow
from ...escrow.models import MilestoneStatus
from ...http.fields import to_minor
from ...jobs import enqueue, enqueue_after_commit
from ...money import allocate, format_amount
from ..states import deal_machine
from .deals import get_deal

SETTLE_JOB = "marketplace.deals.jobs.settle_dispute"
#: milestones a decision covers: held when it was made (funded), or already settled by it
_SETTLED_BY_DECISION = (MilestoneStatus.FUNDED, MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED,
                        MilestoneStatus.SPLIT)


def open_dispute(actor: Actor, deal_id: int, data: dict) -> Dispute:
    """The buyer disputes a shipped or delivered deal: the inspection timer stops and release freezes.

    :raises NotFoundError: unknown, or not the actor's deal as its buyer.
    :raises IllegalTransitionError: the deal is not shipped or delivered.
    """
    deal = get_deal(actor, deal_id)
    if actor.org_id != deal.buyer_id:
        raise NotFoundError("no such deal")
    deal_machine.apply(deal, "open_dispute", actor, {"reason": data["reason"]})
    return cases.create_dispute(actor, deal, data)


def withdraw_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """The buyer withdraws the case: that is acceptance of the deal, and release is queued.

    :raises NotFoundError: unknown, or not the actor's dispute as the buyer.
    :raises ConflictError: the case is decided (``already_decided``, with the recorded decision).
    :raises IllegalTransitionError: the case is under review or over.
    """
    dispute = cases.get_buyers_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    dispute = cases.lock_dispute(dispute.id)  # lock order: the deal, then the dispute
    cases.refuse_if_decided(dispute)  # a decided case stays decided, settled or not
    if cases.withdraw(actor, dispute):
        deal_machine.apply(deal, "withdraw_dispute", SYSTEM, {"dispute_id": dispute.id})  # accepted: release queued
    return dispute


def decide_dispute(actor: Actor, dispute_id: int, data: dict) -> Dispute:
    """An admin decides: release to the vendor, refund the buyer, or split what is held; settlement is queued.

    The decision's allocations sum exactly to the money held for the deal. It is final once recorded:
    concurrent decisions serialise on the deal's row lock and only the first is recorded (an identical
    retry with the same ``Idempotency-Key`` replays its answer).

    :raises NotFoundError: unknown dispute.
    :raises ConflictError: the case is decided already (``already_decided``, with the recorded decision),
        before or after its settlement.
    :raises InvalidInputError: a split amount that is malformed or does not fit the held money.
    :raises IllegalTransitionError: the case is withdrawn.
    """
    dispute = cases.get_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    # lock order: the deal, then the dispute; the re-read row says whether another admin decided first
    dispute = cases.lock_dispute(dispute.id)
    cases.refuse_if_decided(dispute)  # final the moment it is recorded, whatever the settlement job has done
    held = sum(m.amount for m in deal.held_milestones())
    outcome = data["outcome"]
    if outcome == DisputeOutcome.RELEASE:
        vendor_share = held
    elif outcome == DisputeOutcome.REFUND:
        vendor_share = 0
    else:
        vendor_share = to_minor(data["vendor_amount"], deal.currency, ("vendor_amount",))
        if vendor_share > held:
            raise InvalidInputError("the vendor's share must be between 0 and the held amount",
                                    fields=InvalidInputError.nest(("vendor_amount",),
                                                                  f"between 0 and {format_amount(held, deal.currency)}"))
    if cases.record_decision(actor, dispute, outcome, vendor_share, held, data.get("note", "")):
        enqueue_after_commit(SETTLE_JOB, dispute.id, queue="money", job_id=f"settle-dispute-{dispute.id}")
    return dispute


def settle_dispute(dispute_id: int) -> bool:
    """Move the decided money: per held milestone, the vendor's share (pro rata) and the buyer's rest;
    then the deal and the case are resolved. False when there is nothing (left) to settle.

    Idempotent: each milestone settles once under fixed transfer ids; a settled case is left alone.

    :raises LedgerError: the ledger refuses a transfer (the job rolls back and is retried).
    """
    dispute = cases.find_dispute(dispute_id)
    if dispute is None:
        return False
    deal = deal_machine.lock(dispute.deal_id)  # lock order everywhere: deal, then dispute
    dispute = cases.begin_settlement(dispute_id)
    if dispute is None:
        return False
    covered = [m for m in deal.milestones if m.status in _SETTLED_BY_DECISION]
    total = sum(m.amount for m in covered)
    shares = allocate(dispute.vendor_share(), [m.amount for m in covered]) if total else []
    for milestone, share in zip(covered, shares):
        if milestone.status == MilestoneStatus.FUNDED:
            escrow.settle_milestone(deal, milestone, share)
    deal_machine.apply(deal, "resolve", SYSTEM, {"dispute_id": dispute.id, "outcome": dispute.decision["outcome"]})
    cases.finish_settlement(dispute)
    return True


def redrive_dispute_settlements(now=None) -> int:
    """Sweeper step: decided disputes whose settlement job was lost get it again (the job is idempotent)."""
    stale = (now or utcnow()) - timedelta(seconds=current_app.config["REDRIVE_AFTER_SECONDS"])
    ids = cases.unsettled_dispute_ids(stale)
    for dispute_id in ids:
        enqueue(SETTLE_JOB, dispute_id, queue="money", job_id=f"settle-dispute-{dispute_id}-redrive")
    return len(ids)
