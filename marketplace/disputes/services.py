"""Dispute verbs: open (freezes release), message, withdraw, decide, settle the decision's money."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..database import utcnow
from ..deals.models import Deal
from ..deals.states import deal_machine
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..escrow import services as escrow
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit
from ..money import MoneyError, allocate, format_amount, parse_amount
from ..statemachine import SYSTEM, Actor
from .models import Dispute, DisputeMessage
from .states import dispute_machine


def open_dispute(actor: Actor, deal_id: int, data: dict) -> Dispute:
    """The buyer disputes a shipped or delivered deal; the inspection timer stops and release freezes.

    :raises IllegalTransitionError: the deal is not shipped or delivered.
    """
    from ..deals.services import get_deal

    deal = get_deal(actor, deal_id)
    if actor.org_id != deal.buyer_id:
        raise NotFoundError("no such deal")
    deal_machine.apply(deal, "open_dispute", actor, {"reason": data["reason"]})
    dispute = db.session.execute(select(Dispute).where(Dispute.deal_id == deal.id, Dispute.status.notin_(["resolved", "withdrawn"]))).scalar_one_or_none()
    if dispute is not None:
        return dispute  # a repeated request returns the live case
    dispute = Dispute(deal_id=deal.id, opened_by=actor.user_id, reason=data["reason"], description=data["description"])
    db.session.add(dispute)
    dispute_machine.start(dispute, actor, {"reason": data["reason"]})
    from ..notifications.services import notify_org

    notify_org(deal.vendor_id, "dispute_opened", {"deal_id": deal.id, "dispute_id": dispute.id},
               key=f"dispute-{dispute.id}-opened")
    return dispute


def get_dispute(actor: Actor, dispute_id: int) -> Dispute:
    from ..deals.services import get_deal

    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFoundError("no such dispute")
    get_deal(actor, dispute.deal_id)  # parties and admins only
    return dispute


def list_messages(actor: Actor, dispute_id: int) -> list[DisputeMessage]:
    """The conversation of a dispute (parties and admins)."""
    dispute = get_dispute(actor, dispute_id)
    return list(db.session.execute(select(DisputeMessage).where(DisputeMessage.dispute_id == dispute.id)
                                   .order_by(DisputeMessage.id)).scalars())


def add_message(actor: Actor, dispute_id: int, body: str) -> DisputeMessage:
    dispute = get_dispute(actor, dispute_id)
    if dispute.status in ("resolved", "withdrawn"):
        raise ConflictError(f"the dispute is {dispute.status}")
    message = DisputeMessage(dispute_id=dispute.id, author_id=actor.user_id, author_org_id=actor.org_id, body=body)
    db.session.add(message)
    deal = db.session.get(Deal, dispute.deal_id)
    if dispute.status == "open" and actor.org_id == deal.vendor_id:
        dispute_machine.apply(dispute, "respond", actor)
    db.session.flush()
    return message


def withdraw_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """The buyer withdraws: that is acceptance, and release is queued."""
    from ..deals.services import queue_release

    dispute = get_dispute(actor, dispute_id)
    deal = db.session.get(Deal, dispute.deal_id)
    if actor.org_id != deal.buyer_id:
        raise NotFoundError("no such dispute")
    if dispute_machine.apply(dispute, "withdraw", actor):
        deal_machine.apply(deal, "withdraw_dispute", SYSTEM, {"dispute_id": dispute.id})
        queue_release(deal)
    return dispute


def decide_dispute(actor: Actor, dispute_id: int, data: dict) -> Dispute:
    """An admin decides: release to the vendor, refund the buyer, or split the held money.

    The decision is a list of allocation lines that sum exactly to what is held; settlement runs
    in a job.

    :raises InvalidInputError: a split amount that does not fit the held money.
    """
    dispute = get_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    held = sum(m.amount for m in deal.held_milestones())
    outcome = data["outcome"]
    if outcome == "release":
        vendor_share = held
    elif outcome == "refund":
        vendor_share = 0
    else:
        try:
            vendor_share = parse_amount(data.get("vendor_amount", ""), deal.currency)
        except MoneyError as exc:
            raise InvalidInputError(str(exc), fields={"vendor_amount": [str(exc)]}) from None
        if not 0 <= vendor_share <= held:
            raise InvalidInputError("the vendor's share must be between 0 and the held amount",
                                    fields={"vendor_amount": [f"between 0 and {format_amount(held, deal.currency)}"]})
    allocations = [{"party": "vendor", "amount": vendor_share}, {"party": "buyer", "amount": held - vendor_share}]
    if dispute_machine.apply(dispute, "decide", actor, {"outcome": outcome, "allocations": allocations}):
        dispute = db.session.get(Dispute, dispute_id)
        dispute.decision = {"outcome": outcome, "allocations": allocations, "held": held, "note": data.get("note", "")}
        dispute.decided_by = actor.user_id
        dispute.decided_at = utcnow()
        enqueue_after_commit("marketplace.disputes.jobs.settle_dispute", dispute.id, queue="money",
                             job_id=f"settle-dispute-{dispute.id}")
    return dispute


def settle_dispute(dispute_id: int) -> bool:
    """Move the decided money: per held milestone, the vendor's share (pro rata) and the buyer's rest.

    Idempotent: each milestone settles once under fixed transfer ids; a settled dispute is left alone.
    """
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        return False
    deal = deal_machine.lock(dispute.deal_id)  # lock order everywhere: deal, then dispute
    dispute = dispute_machine.lock(dispute_id)
    if dispute.status not in ("decided", "settling"):
        return False
    dispute_machine.apply(dispute, "settle", SYSTEM)
    held = [m for m in deal.milestones if m.status in ("funded", "released", "refunded", "split")]
    vendor_total = dispute.decision["allocations"][0]["amount"]
    shares = allocate(vendor_total, [m.amount for m in held]) if held and sum(m.amount for m in held) else []
    for m, share in zip(held, shares):
        if m.status == "funded":
            escrow.settle_milestone(deal, m, share)
    deal_machine.apply(deal, "resolve", SYSTEM, {"dispute_id": dispute.id, "outcome": dispute.decision["outcome"]})
    dispute_machine.apply(dispute, "resolve", SYSTEM)
    db.session.get(Dispute, dispute.id).resolved_at = utcnow()
    return True


def redrive_dispute_settlements(now=None) -> int:
    """Sweeper step: decided disputes whose settlement job was lost get it again."""
    stale = (now or utcnow()) - timedelta(minutes=2)
    ids = db.session.execute(
        select(Dispute.id).where(Dispute.status.in_(["decided", "settling"]), Dispute.updated_at < stale).limit(1000)
    ).scalars().all()
    for dispute_id in ids:
        enqueue("marketplace.disputes.jobs.settle_dispute", dispute_id, queue="money", job_id=f"settle-dispute-{dispute_id}-redrive")
    return len(ids)
