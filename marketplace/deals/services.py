"""Deal verbs: create from an award, approve, pay, ship, deliver, accept, release, refund, cancel.

``deals`` orchestrates ``escrow``, ``shipping`` and ``disputes``. Every verb locks the deal row
(``SELECT ... FOR UPDATE``) before touching its money, then applies its transition.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from ..database import utcnow
from ..errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ..escrow import services as escrow
from ..escrow.commission import rate_for as commission_rate_for
from ..escrow.gateways import GATEWAYS, get_gateway, payment_reference
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit
from ..money import allocate
from ..statemachine import SYSTEM, Actor
from .models import Deal, DealLine, DealStatus, Milestone, MilestoneStatus
from .states import deal_machine

APPROVER_ROLES = ("owner", "admin", "approver")
PAYER_ROLES = ("owner", "admin", "finance", "approver", "requester")


def _dominant_category(rfq_lines: dict, qlines) -> int | None:
    """The category of the awarded line worth the most (the deal's commission follows it)."""
    best = max(qlines, key=lambda l: l.unit_price * l.quantity, default=None)
    return rfq_lines[best.rfq_line_id].category_id if best is not None else None


def create_deal(rfq, quote, qlines, freight: int, actor: Actor) -> Deal:
    """One deal for one winning vendor, with frozen terms and a milestone schedule from the quote."""
    from ..accounts.models import Organization

    subtotal = sum(l.unit_price * l.quantity for l in qlines)
    total = subtotal + freight
    buyer = db.session.get(Organization, rfq.buyer_id)
    # above the threshold an approver must agree; an award made by an approver is that agreement
    needs_approval = (buyer.approval_threshold is not None and total > buyer.approval_threshold
                      and actor.member_role not in APPROVER_ROLES)
    rfq_lines = {l.id: l for l in rfq.lines}
    deal = Deal(
        rfq_id=rfq.id, quote_id=quote.id, buyer_id=rfq.buyer_id, vendor_id=quote.vendor_id,
        status=DealStatus.AWAITING_APPROVAL if needs_approval else DealStatus.AWAITING_PAYMENT,
        currency=rfq.currency, subtotal=subtotal, freight=freight, total=total,
        commission_bps=commission_rate_for(quote.vendor, _dominant_category(rfq_lines, qlines)),
        terms={"incoterm": quote.incoterm, "named_place": rfq.named_place, "lead_time_days": quote.lead_time_days,
               "payment_terms": quote.payment_terms, "quote_revision": quote.revision,
               "delivery_region": rfq.delivery_region, "delivery_address": rfq.delivery_address},
    )
    deal.lines = [DealLine(rfq_line_id=l.rfq_line_id, description=rfq_lines[l.rfq_line_id].description,
                           quantity=l.quantity, unit=rfq_lines[l.rfq_line_id].unit, unit_price=l.unit_price,
                           amount=l.unit_price * l.quantity) for l in qlines]
    terms = quote.payment_terms
    amounts = allocate(total, [t["percent"] for t in terms])
    deal.milestones = [Milestone(seq=i + 1, name=t["name"], percent=t["percent"], due=t["due"], amount=a)
                       for i, (t, a) in enumerate(zip(terms, amounts)) if a > 0]
    db.session.add(deal)
    deal_machine.start(deal, actor, {"total": total, "currency": deal.currency,
                                     "approved_by": actor.user_id if not needs_approval and buyer.approval_threshold
                                     is not None and total > buyer.approval_threshold else None})
    from ..notifications.services import notify_org

    notify_org(deal.vendor_id, "deal_awarded", {"deal_id": deal.id, "rfq_id": rfq.id}, key=f"deal-{deal.id}-awarded")
    return deal


def deals_for(actor: Actor):
    stmt = select(Deal)
    if actor.role != "admin":
        stmt = stmt.where(or_(Deal.buyer_id == actor.org_id, Deal.vendor_id == actor.org_id))
    return stmt


def get_deal(actor: Actor, deal_id: int) -> Deal:
    """A deal as ``actor`` may see it: its buyer, its vendor, or a platform admin.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    deal = db.session.execute(deals_for(actor).where(Deal.id == deal_id)).scalar_one_or_none()
    if deal is None:
        raise NotFoundError("no such deal")
    return deal


def _require_side(deal: Deal, actor: Actor, side: str) -> None:
    if actor.role == "admin":
        return
    org = deal.buyer_id if side == "buyer" else deal.vendor_id
    if actor.org_id != org:
        raise ForbiddenError(f"only the {side} may do this")


def approve_deal(actor: Actor, deal_id: int) -> Deal:
    """An approver of the buyer organisation lets a deal above the threshold go ahead."""
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "buyer")
    if actor.member_role not in APPROVER_ROLES:
        raise ForbiddenError("only approvers, admins or owners approve deals")
    deal_machine.apply(deal, "approve", actor)
    return deal


def cancel_deal(actor: Actor, deal_id: int, reason: str | None = None) -> Deal:
    """Either party cancels before any money is held.

    :raises ConflictError: some milestone is already funded.
    """
    deal = get_deal(actor, deal_id)
    if deal_machine.apply(deal, "cancel", actor, {"reason": reason},
                          guard=lambda d: "money is already held; ask for a refund instead"
                          if any(m.status == MilestoneStatus.FUNDED for m in d.milestones) else None):
        _cancel_unpaid_milestones(deal)
    return deal


def _cancel_unpaid_milestones(deal: Deal) -> None:
    """Milestones never paid stop accepting money: a late transfer is then kept for the buyer instead."""
    for m in deal.milestones:
        if m.status in (MilestoneStatus.PENDING, MilestoneStatus.AWAITING_PAYMENT):
            m.status = MilestoneStatus.CANCELLED


def start_payment(actor: Actor, deal_id: int, gateway: str) -> Deal:
    """The buyer picks a gateway; every milestone gets payment instructions. Repeating is harmless.

    :raises ConflictError: the deal is not awaiting payment, or another gateway was chosen already.
    """
    if gateway not in GATEWAYS:
        raise InvalidInputError("unknown payment method", fields={"gateway": [f"one of {', '.join(GATEWAYS)}"]})
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "buyer")
    if actor.member_role not in PAYER_ROLES:
        raise ForbiddenError("your role may not pay")
    deal = deal_machine.lock(deal.id)
    if deal.status != DealStatus.AWAITING_PAYMENT:
        raise ConflictError(f"cannot pay a deal that is {deal.status}", code="illegal_transition")
    if deal.gateway and deal.gateway != gateway:
        raise ConflictError(f"this deal is being paid by {deal.gateway}", code="gateway_chosen")
    deal.gateway = gateway
    for m in deal.milestones:
        if m.status == MilestoneStatus.PENDING:
            m.status = MilestoneStatus.AWAITING_PAYMENT
            m.payment_reference = payment_reference(deal.id, m.seq)
    get_gateway(gateway).start(deal)  # e.g. stripe: one PaymentIntent command per milestone
    return deal


def payment_instructions(deal: Deal) -> list[dict]:
    gateway = get_gateway(deal.gateway) if deal.gateway else None
    out = []
    for m in deal.milestones:
        row = {"milestone_id": m.id, "seq": m.seq, "name": m.name, "due": m.due, "status": m.status}
        if gateway and m.status == MilestoneStatus.AWAITING_PAYMENT:
            row["instructions"] = gateway.instructions(m, deal.currency)
        out.append(row)
    return out


def record_payment(deal_id: int, milestone_id: int, amount: int, currency: str, gateway: str, meta: dict) -> Deal:
    """Money for one milestone arrived through ``gateway``: hold it; fund the deal once all are held.

    :raises ConflictError: wrong amount or currency, or the milestone is not awaiting payment.
    """
    deal = deal_machine.lock(deal_id)
    milestone = next((m for m in deal.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFoundError("no such milestone")
    if currency != deal.currency or amount != milestone.amount:
        raise ConflictError("the amount received does not match the milestone", code="amount_mismatch",
                            fields={"expected": milestone.amount, "currency": deal.currency})
    if deal.gateway != gateway:
        raise ConflictError("this milestone is not being paid through this gateway", code="wrong_gateway")
    if milestone.status == MilestoneStatus.CANCELLED:
        raise ConflictError(f"the deal is {deal.status}; this milestone takes no more money", code="milestone_cancelled")
    if escrow.fund_milestone(deal, milestone, gateway, meta):
        from ..statemachine import record_event

        record_event("deal", deal.id, "milestone_funded", deal.status, deal.status, SYSTEM,
                     {"milestone": milestone.seq, "amount": amount, **meta})
    if deal.status == DealStatus.AWAITING_PAYMENT and deal.is_fully_funded():
        deal_machine.apply(deal, "fund", SYSTEM)
        deal.ship_by_at = utcnow() + timedelta(days=current_app.config["SHIP_BY_DAYS"])
        from ..notifications.services import notify_org

        notify_org(deal.vendor_id, "deal_funded", {"deal_id": deal.id}, key=f"deal-{deal.id}-funded")
    return deal


def confirm_bank_transfer(actor: Actor, reference: str, amount: int, currency: str) -> Deal:
    """An admin confirms a bank transfer by its reference.

    :raises NotFoundError: no milestone has this reference.
    """
    milestone = db.session.execute(
        select(Milestone).where(Milestone.payment_reference == reference.strip().upper())
    ).scalar_one_or_none()
    if milestone is None:
        raise NotFoundError("no milestone has this payment reference")
    return record_payment(milestone.deal_id, milestone.id, amount, currency, "bank_transfer",
                          {"reference": milestone.payment_reference, "confirmed_by": actor.user_id})


def confirm_delivery(actor: Actor, deal_id: int) -> Deal:
    """The buyer (or a carrier's delivered event) confirms arrival; the inspection window starts."""
    deal = get_deal(actor, deal_id) if actor.role != "system" else db.session.get(Deal, deal_id)
    if actor.role != "system":
        _require_side(deal, actor, "buyer")
    if deal_machine.apply(deal, "confirm_delivery", actor):
        deal.delivered_at = utcnow()
    return deal


def accept_deal(actor: Actor, deal_id: int) -> Deal:
    """The buyer accepts the goods; release is queued."""
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "buyer")
    if deal_machine.apply(deal, "accept", actor):
        queue_release(deal)
    return deal


def queue_release(deal: Deal) -> None:
    enqueue_after_commit("marketplace.deals.jobs.release_deal", deal.id, queue="money", job_id=f"release-deal-{deal.id}")


def release_deal(deal_id: int) -> bool:
    """Release every held milestone of an accepted deal to the vendor, less commission.

    Safe to run twice: a released deal is left alone and each ledger transfer has a fixed id.
    """
    try:
        deal = deal_machine.lock(deal_id)
    except ConflictError:  # the deal vanished: nothing to release
        return False
    if deal.status != DealStatus.ACCEPTED:
        return False
    for m in deal.held_milestones():
        escrow.settle_milestone(deal, m, m.amount)
    deal_machine.apply(deal, "release", SYSTEM)
    from ..notifications.services import notify_org

    notify_org(deal.vendor_id, "deal_released", {"deal_id": deal.id}, key=f"deal-{deal.id}-released")
    return True


def refund_deal(actor: Actor, deal_id: int, reason: str) -> Deal:
    """An admin refunds a funded deal that will not ship (every held milestone back to the buyer)."""
    deal = deal_machine.lock(deal_id)
    if deal_machine.apply(deal, "refund", actor, {"reason": reason}):
        for m in deal.held_milestones():
            escrow.settle_milestone(deal, m, 0)
        _cancel_unpaid_milestones(deal)
    return deal


def ship_deal(actor: Actor, deal_id: int, data: dict):
    """The vendor hands the goods to a carrier; a shipment with tracking is created."""
    from ..shipping.services import create_shipment

    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "vendor")
    deal = deal_machine.lock(deal.id)
    if deal.status == DealStatus.SHIPPED:
        shipment = deal_shipments(deal)[-1]
        return deal, shipment
    if deal.status != DealStatus.FUNDED:
        deal_machine.apply(deal, "ship", actor)  # raises the 409 with the allowed transitions
    shipment = create_shipment(deal, data)
    deal_machine.apply(deal, "ship", actor, {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number})
    return deal, shipment


def deal_shipments(deal: Deal):
    from ..shipping.models import Shipment

    return list(db.session.execute(select(Shipment).where(Shipment.deal_id == deal.id).order_by(Shipment.id)).scalars())


def redrive_settlements(now=None) -> int:
    """Sweeper step: accepted deals whose release job was lost get it again (the job is idempotent)."""
    stale = (now or utcnow()) - timedelta(minutes=2)
    ids = db.session.execute(
        select(Deal.id).where(Deal.status == DealStatus.ACCEPTED, Deal.updated_at < stale).limit(1000)
    ).scalars().all()
    for deal_id in ids:
        enqueue("marketplace.deals.jobs.release_deal", deal_id, queue="money", job_id=f"release-deal-{deal_id}-redrive")
    from ..disputes.services import redrive_dispute_settlements

    return len(ids) + redrive_dispute_settlements(now)
