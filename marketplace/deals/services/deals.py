"""Deal verbs: create from an award, read as a party, approve, cancel."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ...accounts.models import MemberRole, Organization
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...errors import ConflictError, ForbiddenError
from ...escrow.commission import rate_for as commission_rate_for
from ...escrow.services import cancel_unpaid_milestones, settle_milestone
from ...extensions import db
from ...http.pagination import paginate
from ...money import allocate, format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_members, notify_org
from ...registry import publish
from ...statemachine import Deadline
from ...vendors.models import VendorProfile
from ..models import Deal, DealLine, DealSource, DealStatus, Milestone, MilestoneStatus
from ..states import PAYMENT_DUE, SHIP_WARNING, deal_machine, ship_grace

APPROVER_ROLES = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.APPROVER)
#: fact published when a deal is cancelled (by anyone), after its milestones are settled: ``fn(deal)``
DEAL_CANCELLED = "deals.cancelled"
#: payment terms of a deal whose vendor names none: everything into escrow before shipment
DEFAULT_PAYMENT_TERMS = ({"name": "full", "percent": 100, "due": "before_shipment"},)


def notice_data(deal: Deal, **extra) -> dict:
    """What a notification about ``deal`` carries: its number, total and parties' names (formatted per reader)."""
    return {"deal_id": deal.id, "total": format_amount(deal.total, deal.currency), "currency": deal.currency,
            "buyer_name": db.session.get(Organization, deal.buyer_id).name,
            "vendor_name": db.session.get(Organization, deal.vendor_id).name, **extra}


def pending_deadline(deal: Deal, kind: str) -> datetime | None:
    """When the deal's pending deadline of ``kind`` (e.g. ``payment_due``, ``inspection``) falls, if any."""
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == deal_machine.subject, Deadline.subject_id == deal.id,
                                      Deadline.kind == kind, Deadline.fired_at.is_(None),
                                      Deadline.cancelled_at.is_(None)).order_by(Deadline.due_at).limit(1)
    ).scalar_one_or_none()


def tell_payable(deal: Deal) -> None:
    """The buyer organisation is told the deal awaits its payment, and by when (else it is cancelled)."""
    due = pending_deadline(deal, PAYMENT_DUE)
    notify_org(deal.buyer_id, NotificationKind.DEAL_PAYABLE,
               notice_data(deal, pay_by_at=due.isoformat() if due else None), key=f"deal-{deal.id}-payable")


def _dominant_category(rfq_lines: dict, qlines) -> int | None:
    """The category of the awarded line worth the most (the deal's commission follows it)."""
    best = max(qlines, key=lambda l: l.unit_price * l.quantity, default=None)
    return rfq_lines[best.rfq_line_id].category_id if best is not None else None


def create_deal(rfq, quote, qlines, freight: int, actor: Actor) -> Deal:
    """One deal for one winning vendor, with frozen terms and a milestone schedule from the quote."""
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
    deal.milestones = [Milestone(seq=i + 1, name=t["name"], percent=t["percent"], due=t["due"], amount=a,
                                 net_days=t.get("net_days"))
                       for i, (t, a) in enumerate(zip(terms, amounts)) if a > 0]
    db.session.add(deal)
    deal_machine.start(deal, actor, {"total": format_amount(total, deal.currency), "currency": deal.currency,
                                     "approved_by": actor.user_id if not needs_approval and buyer.approval_threshold
                                     is not None and total > buyer.approval_threshold else None})
    notify_org(deal.vendor_id, NotificationKind.DEAL_AWARDED, notice_data(deal, rfq_id=rfq.id),
               key=f"deal-{deal.id}-awarded")
    if needs_approval:  # only the approvers are e-mailed; the organisation's feed shows it to all
        notify_members(deal.buyer_id, NotificationKind.DEAL_APPROVAL_REQUESTED, notice_data(deal, rfq_id=rfq.id),
                       key=f"deal-{deal.id}-approval-requested", roles=APPROVER_ROLES)
    else:
        tell_payable(deal)
    return deal


def create_deal_from_order(*, order_id: int | None, buyer_id: int, vendor_id: int, currency: str,
                           lines: list[dict], freight: int, terms: dict, actor: Actor, approved: bool,
                           payment_terms: list[dict] | None = None, category_id: int | None = None,
                           contract_id: int | None = None) -> Deal:
    """A deal from a catalog order the vendor confirmed (``order_id``) or a call-off against a signed contract
    (``contract_id``): its lines (``product_id``, ``description``, ``quantity``, ``unit``, ``unit_price``) and
    terms frozen, paid by ``payment_terms`` (else :data:`DEFAULT_PAYMENT_TERMS`). An order approved (or under
    the threshold) when it was placed, or a call-off within its contract's limits, is ``approved``: the deal is
    payable at once; otherwise the buyer's threshold applies as for awards."""
    subtotal = sum(l["unit_price"] * l["quantity"] for l in lines)
    total = subtotal + freight
    buyer = db.session.get(Organization, buyer_id)
    needs_approval = (not approved and buyer.approval_threshold is not None and total > buyer.approval_threshold)
    payment_terms = [dict(t) for t in (payment_terms or DEFAULT_PAYMENT_TERMS)]
    deal = Deal(
        order_id=order_id, contract_id=contract_id, buyer_id=buyer_id, vendor_id=vendor_id,
        source=DealSource.CONTRACT if contract_id is not None else DealSource.ORDER,
        status=DealStatus.AWAITING_APPROVAL if needs_approval else DealStatus.AWAITING_PAYMENT,
        currency=currency, subtotal=subtotal, freight=freight, total=total,
        commission_bps=commission_rate_for(db.session.get(VendorProfile, vendor_id), category_id),
        terms={**terms, "payment_terms": payment_terms,
               **({"order_id": order_id} if order_id is not None else {})},
    )
    deal.lines = [DealLine(product_id=l.get("product_id"), description=l["description"], quantity=l["quantity"],
                           unit=l["unit"], unit_price=l["unit_price"], amount=l["unit_price"] * l["quantity"])
                  for l in lines]
    amounts = allocate(total, [t["percent"] for t in payment_terms])
    deal.milestones = [Milestone(seq=i + 1, name=t["name"], percent=t["percent"], due=t["due"], amount=a,
                                 net_days=t.get("net_days"))
                       for i, (t, a) in enumerate(zip(payment_terms, amounts)) if a > 0]
    db.session.add(deal)
    origin = {"order_id": order_id} if order_id is not None else {"contract_id": contract_id}
    deal_machine.start(deal, actor, {"total": format_amount(total, deal.currency), "currency": deal.currency,
                                     **origin})
    if needs_approval:
        notify_members(deal.buyer_id, NotificationKind.DEAL_APPROVAL_REQUESTED, notice_data(deal, **origin),
                       key=f"deal-{deal.id}-approval-requested", roles=APPROVER_ROLES)
    else:
        tell_payable(deal)
    return deal


def deals_for(actor: Actor):
    """A SELECT of the deals ``actor`` may see: its organisation's as buyer or vendor; admins all."""
    return Deal.visible_to(actor)


def list_deals(actor: Actor, params: dict) -> dict:
    """One page of the deals ``actor`` may see, optionally in one status, oldest first."""
    stmt = deals_for(actor)
    if params.get("status"):
        stmt = stmt.where(Deal.status == params["status"])
    return paginate(stmt, params, Deal.id)


def get_deal(actor: Actor, deal_id: int) -> Deal:
    """A deal as ``actor`` may see it: its buyer, its vendor, or a platform admin.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    return Deal.get_visible(actor, deal_id)


def _require_side(deal: Deal, actor: Actor, side: str) -> None:
    if actor.role == ActorRole.ADMIN:
        return
    org = deal.buyer_id if side == ActorRole.BUYER else deal.vendor_id
    if actor.org_id != org:
        raise ForbiddenError(f"only the {side} may do this")


def approve_deal(actor: Actor, deal_id: int) -> Deal:
    """An approver of the buyer organisation lets a deal above the threshold go ahead."""
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    if actor.member_role not in APPROVER_ROLES:
        raise ForbiddenError("only approvers, admins or owners approve deals")
    if deal_machine.apply(deal, "approve", actor):
        tell_payable(deal)
    return deal


def cancellable_from(deal: Deal) -> datetime | None:
    """When the buyer may cancel a funded deal the vendor has not shipped: its ship-by date plus
    ``SHIP_GRACE_DAYS`` (None without a ship-by date)."""
    return deal.ship_by_at + ship_grace(current_app.config) if deal.ship_by_at is not None else None


def cancel_deal(actor: Actor, deal_id: int, reason: str | None = None) -> Deal:
    """Either party cancels before any money is held; the buyer also cancels a funded deal left unshipped
    past its ship-by date plus ``SHIP_GRACE_DAYS`` (every held milestone is refunded, :func:`on_cancelled`).

    :raises ConflictError: some milestone is already funded (``conflict``), or the unshipped deal's grace
        period has not ended (``ship_grace_pending``, details say from when the buyer may cancel).
    """
    deal = get_deal(actor, deal_id)
    if deal.status == DealStatus.FUNDED and actor.role == ActorRole.BUYER:
        _require_side(deal, actor, ActorRole.BUYER)
        deal = deal_machine.lock(deal.id)
        if deal.status == DealStatus.FUNDED:
            since = cancellable_from(deal)
            if since is None or utcnow() < since:
                raise ConflictError("the vendor may still ship this deal; you may cancel it once the ship-by date"
                                    " and its grace period have passed", code="ship_grace_pending",
                                    details={"ship_by_at": deal.ship_by_at.isoformat() if deal.ship_by_at else None,
                                             "cancellable_from": since.isoformat() if since else None})
            if deal_machine.apply(deal, "cancel_unshipped", actor, {"reason": reason}):
                notify_org(deal.vendor_id, NotificationKind.DEAL_CANCELLED_UNSHIPPED,
                           notice_data(deal, reason=reason or ""), key=f"deal-{deal.id}-cancelled-unshipped")
            return deal
    if deal_machine.apply(deal, "cancel", actor, {"reason": reason},
                          guard=lambda d: "money is already held; ask for a refund instead"
                          if any(m.status == MilestoneStatus.FUNDED for m in d.milestones) else None):
        tell_cancelled(deal, actor, reason)
    return deal


def tell_cancelled(deal: Deal, actor: Actor, reason: str | None) -> None:
    """The side that did not cancel an unpaid deal is told who did and why (both sides when an admin did)."""
    if actor.role not in (ActorRole.BUYER, ActorRole.VENDOR):  # an admin (or the system)
        by, by_org, told = "platform", actor.org_id, (deal.buyer_id, deal.vendor_id)
    elif actor.role == ActorRole.BUYER:
        by, by_org, told = ActorRole.BUYER.value, deal.buyer_id, (deal.vendor_id,)
    else:
        by, by_org, told = ActorRole.VENDOR.value, deal.vendor_id, (deal.buyer_id,)
    org = db.session.get(Organization, by_org) if by_org else None
    data = notice_data(deal, by=by, by_name=org.name if org else "Marketplace", reason=reason or "")
    for org_id in told:
        notify_org(org_id, NotificationKind.DEAL_CANCELLED, data, key=f"deal-{deal.id}-cancelled-{org_id}")


def on_cancelled(deal: Deal) -> None:
    """Entering ``cancelled`` (a party, the lapse of the payment deadline, or the buyer's cancel of an
    unshipped deal): unpaid milestones stop taking money (a late transfer becomes the buyer's refund
    payable) and every held milestone is refunded in full. When the payment deadline fired, both sides are told."""
    cancel_unpaid_milestones(deal)
    for m in deal.held_milestones():
        settle_milestone(deal, m, 0)
    lapsed = db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == deal_machine.subject, Deadline.subject_id == deal.id,
                                      Deadline.kind == PAYMENT_DUE, Deadline.fired_at.is_not(None)).limit(1)
    ).scalar_one_or_none()
    if lapsed is not None:
        data = notice_data(deal, due=lapsed.date().isoformat(), due_at=lapsed.isoformat())
        for org_id, side in ((deal.buyer_id, "buyer"), (deal.vendor_id, "vendor")):
            notify_org(org_id, NotificationKind.PAYMENT_LAPSED, data, key=f"deal-{deal.id}-payment-lapsed-{side}")
    publish(DEAL_CANCELLED, deal)  # e.g. a catalog order gives its reserved stock back


def warn_unshipped(now: datetime | None = None) -> int:
    """Sweeper step: vendors of funded deals still unshipped one day before their ship-by date are warned
    (once per deal), with the date from which the buyer may cancel."""
    now = now or utcnow()
    grace = ship_grace(current_app.config)
    deals = db.session.execute(
        select(Deal).where(Deal.status == DealStatus.FUNDED, Deal.ship_by_at.is_not(None),
                           Deal.ship_by_at <= now + SHIP_WARNING, Deal.ship_by_at + grace > now)
        .order_by(Deal.id).limit(1000)
    ).scalars().all()
    for deal in deals:
        since = cancellable_from(deal)
        notify_org(deal.vendor_id, NotificationKind.SHIP_BY_DUE,
                   notice_data(deal, ship_by=deal.ship_by_at.date().isoformat(), ship_by_at=deal.ship_by_at.isoformat(),
                               cancellable_from=since.date().isoformat(), cancellable_from_at=since.isoformat()),
                   key=f"deal-{deal.id}-ship-by-due")
    return len(deals)
