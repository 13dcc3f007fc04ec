"""What the deal pages read: a searchable deal list, the viewer's next step and permitted actions, the
timeline with names, the latest dispute, and where the money went. Reads only: the verbs are elsewhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from ...accounts.models import MemberRole, Organization, User
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...disputes.models import Dispute, DisputeStatus
from ...disputes.states import dispute_machine
from ...escrow.models import MilestoneStatus
from ...extensions import db
from ...http.pagination import paginate
from ...shipping.models import Shipment
from ...statemachine import Deadline, Event, NextStep
from ..models import Deal, DealLine, DealStatus
from ..states import PAYMENT_DUE, deal_machine
from .deals import APPROVER_ROLES, cancellable_from, deals_for, get_deal
from .delivery import delivery_confirm_deadline, shipping_plan
from .payments import PAYER_ROLES

#: vendor members who may ship and report tracking (as the API's shipment endpoint allows)
SHIPPER_ROLES = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.FULFILMENT, MemberRole.SALES)
#: a dispute the parties can still talk in
TALKING = (DisputeStatus.OPEN, DisputeStatus.NEGOTIATING, DisputeStatus.ESCALATED, DisputeStatus.UNDER_REVIEW)


def search_deals(actor: Actor, params: dict) -> dict:
    """One page of the deals ``actor`` may see, newest first, optionally in one ``status`` and matching
    ``q``: a deal number (``12`` or ``#12``: that deal only), or text found in a line's description or
    either party's name."""
    stmt = deals_for(actor)
    if params.get("status"):
        stmt = stmt.where(Deal.status == params["status"])
    q = (params.get("q") or "").strip()
    number = q.lstrip("#")
    if number.isdigit() and len(number) < 18:  # a deal number: that deal only
        stmt = stmt.where(Deal.id == int(number))
    elif q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        buyer, vendor = aliased(Organization), aliased(Organization)
        stmt = stmt.where(or_(
            exists().where(DealLine.deal_id == Deal.id, DealLine.description.ilike(pattern)),
            exists().where(buyer.id == Deal.buyer_id, buyer.name.ilike(pattern)),
            exists().where(vendor.id == Deal.vendor_id, vendor.name.ilike(pattern)),
        ))
    return paginate(stmt, params, Deal.id, order="id_desc", descending=True)


def org_names(ids) -> dict[int, str]:
    """Organisation id -> name (for showing the parties of deals the caller may already see)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def user_names(ids) -> dict[int, str]:
    """User id -> name (authors of events and messages the caller may already see)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def side_of(actor: Actor, deal: Deal) -> str:
    """Which side of ``deal`` the actor is on: ``buyer``, ``vendor`` or ``admin`` (the platform)."""
    if actor.role == ActorRole.ADMIN:
        return ActorRole.ADMIN
    return ActorRole.BUYER if actor.org_id == deal.buyer_id else ActorRole.VENDOR


def latest_dispute(actor: Actor, deal: Deal) -> Dispute | None:
    """The deal's newest dispute (live or over) as ``actor`` may see it."""
    return db.session.execute(
        Dispute.visible_to(actor).where(Dispute.deal_id == deal.id).order_by(Dispute.id.desc()).limit(1)
    ).scalar_one_or_none()


def inspection_deadline(deal: Deal) -> datetime | None:
    """When a delivered deal is accepted on its own (the pending inspection timer), if it runs."""
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == deal_machine.subject, Deadline.subject_id == deal.id,
                                      Deadline.expected_state == DealStatus.DELIVERED, Deadline.fired_at.is_(None),
                                      Deadline.cancelled_at.is_(None)).order_by(Deadline.due_at).limit(1)
    ).scalar_one_or_none()


def payment_deadline(deal: Deal) -> datetime | None:
    """When a deal awaiting payment is cancelled unless paid (the pending payment-due timer), if it runs."""
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == deal_machine.subject, Deadline.subject_id == deal.id,
                                      Deadline.kind == PAYMENT_DUE, Deadline.fired_at.is_(None),
                                      Deadline.cancelled_at.is_(None)).order_by(Deadline.due_at).limit(1)
    ).scalar_one_or_none()


def _unshipped_cancellable(deal: Deal) -> bool:
    since = cancellable_from(deal) if deal.status == DealStatus.FUNDED else None
    return since is not None and utcnow() >= since


def _manual_shipment(deal: Deal) -> Shipment | None:
    return db.session.execute(
        select(Shipment).where(Shipment.deal_id == deal.id).order_by(Shipment.id.desc()).limit(1)
    ).scalar_one_or_none()


def allowed_actions(actor: Actor, deal: Deal, dispute: Dispute | None = None) -> frozenset[str]:
    """The deal verbs ``actor`` may take now, from the transition table, the side and the membership role:
    ``approve``, ``cancel``, ``pay``, ``ship``, ``track`` (report tracking of a manual shipment),
    ``confirm_delivery``, ``accept``, ``open_dispute``, ``withdraw_dispute``, ``message``."""
    side = side_of(actor, deal)
    allowed = set(deal_machine.allowed(deal.status, actor.role))
    out: set[str] = set()
    if side == ActorRole.BUYER:
        if "approve" in allowed and actor.member_role in APPROVER_ROLES:
            out.add("approve")
        if deal.status == DealStatus.AWAITING_PAYMENT and actor.member_role in PAYER_ROLES and (
                not deal.gateway or any(m.status == MilestoneStatus.PENDING and not m.is_after_delivery()
                                        for m in deal.milestones)):
            out.add("pay")
        out |= allowed & {"confirm_delivery", "accept", "open_dispute"}
    elif side == ActorRole.VENDOR:
        if "ship" in allowed and actor.member_role in SHIPPER_ROLES:
            out.add("ship")
        if deal.status in (DealStatus.SHIPPED, DealStatus.DELIVERED, DealStatus.DISPUTED) \
                and actor.member_role in SHIPPER_ROLES:
            shipment = _manual_shipment(deal)
            if shipment is not None and not shipment.is_terminal() and shipment.carrier == "manual":
                out.add("track")
    if "cancel" in allowed and not any(m.status == MilestoneStatus.FUNDED for m in deal.milestones):
        out.add("cancel")
    if side == ActorRole.BUYER and _unshipped_cancellable(deal):  # unshipped past ship-by + grace: refunded in full
        out.add("cancel")
    if dispute is not None and dispute.status in TALKING:
        out.add("message")
        if side == ActorRole.BUYER and dispute.status in (DisputeStatus.OPEN, DisputeStatus.NEGOTIATING,
                                                         DisputeStatus.ESCALATED):
            out.add("withdraw_dispute")
    return frozenset(out)


def next_step(actor: Actor, deal: Deal, dispute: Dispute | None = None) -> NextStep:
    """What ``actor`` should do next on ``deal``, by when and what happens if not (codes; pages word them).

    Action codes: ``approve``, ``pay``, ``transfer`` (wire the money with the reference), ``ship``,
    ``confirm_delivery``, ``confirm_delivery_partial`` (part of the goods shipped, the vendor still has the rest
    to ship: confirm once everything has arrived; the page says what shipped and what is left), ``ship_rest`` (the
    vendor's side of the same: book the rest from the booking page), ``accept``,
    ``reply_dispute``, ``confirm_transfer`` and ``decide`` (admins),
    ``cancel_unshipped`` (the buyer may now cancel an unshipped deal with a full refund).
    Lapse codes: ``auto_cancel`` (the payment deadline ends: the unpaid deal is cancelled), ``buyer_may_cancel``
    (the ship-by grace ends: the buyer may cancel the unshipped deal, fully refunded), ``auto_accept`` (the
    inspection window ends: accepted, money released), ``late_shipment``
    (the shipment counts as late in the vendor's record), ``assume_delivered`` (the buyer did not answer the
    vendor's report of delivery: it counts as delivered and the inspection window starts). ``waiting_for``:
    ``buyer``, ``approver``, ``vendor``, ``admin``, ``platform`` (the platform moves the money).
    """
    side = side_of(actor, deal)
    status = deal.status
    if status == DealStatus.AWAITING_APPROVAL:
        if side == ActorRole.BUYER and actor.member_role in APPROVER_ROLES:
            return NextStep("approve")
        return NextStep(None, waiting_for="approver")
    if status == DealStatus.AWAITING_PAYMENT:
        due = payment_deadline(deal)
        lapse = "auto_cancel" if due is not None else None
        if side == ActorRole.BUYER and actor.member_role in PAYER_ROLES:
            return NextStep("transfer" if deal.gateway else "pay", due, lapse)
        if side == ActorRole.ADMIN and deal.gateway:
            return NextStep("confirm_transfer", due, lapse)
        return NextStep(None, due, lapse, waiting_for="buyer")
    if status == DealStatus.FUNDED:
        # before the ship-by date the shipment is on time; then the grace runs, after which the buyer may cancel
        due, lapse = deal.ship_by_at, "late_shipment"
        if due is not None and utcnow() >= due:
            due, lapse = cancellable_from(deal), "buyer_may_cancel"
        if side == ActorRole.VENDOR:
            return NextStep("ship", due, lapse)
        if side == ActorRole.BUYER and _unshipped_cancellable(deal):
            return NextStep("cancel_unshipped")
        return NextStep(None, due, lapse, waiting_for="vendor")
    if status == DealStatus.SHIPPED:
        due = delivery_confirm_deadline(deal)  # the vendor reported delivery: the buyer's word is awaited
        lapse = "assume_delivered" if due is not None else None
        partial = side in (ActorRole.BUYER, ActorRole.VENDOR) and any(p["remaining"] for p in shipping_plan(deal))
        if side == ActorRole.BUYER:
            return NextStep("confirm_delivery_partial" if partial else "confirm_delivery", due, lapse)
        if partial:  # the vendor still has goods of this deal to ship
            return NextStep("ship_rest", deal.ship_by_at, "late_shipment" if deal.ship_by_at else None)
        return NextStep(None, due, lapse, waiting_for="buyer")
    if status == DealStatus.DELIVERED:
        due = inspection_deadline(deal)
        if side == ActorRole.BUYER:
            return NextStep("accept", due, "auto_accept")
        return NextStep(None, due, "auto_accept", waiting_for="buyer")
    if status == DealStatus.ACCEPTED:
        return NextStep(None, waiting_for="platform")
    if status == DealStatus.DISPUTED:
        case = dispute.status if dispute is not None else None
        if case in (DisputeStatus.DECIDED, DisputeStatus.SETTLING):
            return NextStep(None, waiting_for="platform")
        if side == ActorRole.ADMIN:
            return NextStep("decide")
        if case == DisputeStatus.OPEN:
            return NextStep("reply_dispute") if side == ActorRole.VENDOR else NextStep(None, waiting_for="vendor")
        if case == DisputeStatus.NEGOTIATING:
            return NextStep("reply_dispute")
        return NextStep(None, waiting_for="admin")
    if status in (DealStatus.RELEASED, DealStatus.CLOSED):
        owed = [m for m in deal.milestones if m.is_after_delivery() and m.status == MilestoneStatus.AWAITING_PAYMENT]
        if owed:  # a balance due after delivery is still to be paid
            due = min((m.due_at for m in owed if m.due_at is not None), default=None)
            if side == ActorRole.BUYER:
                return NextStep("pay_balance", due, "balance_overdue")
            return NextStep(None, due, "balance_overdue", waiting_for="buyer")
    return NextStep(None)  # released, resolved, refunded, closed, cancelled: nothing is asked


def deal_timeline(actor: Actor, deal_id: int) -> list[dict]:
    """The deal's events and its disputes' events, oldest first, each with the actor's name and organisation.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    deal = get_deal(actor, deal_id)
    dispute_ids = select(Dispute.id).where(Dispute.deal_id == deal.id).scalar_subquery()
    events = list(db.session.execute(
        select(Event).where(or_(
            (Event.subject_type == deal_machine.subject) & (Event.subject_id == deal.id),
            (Event.subject_type == dispute_machine.subject) & (Event.subject_id.in_(dispute_ids)),
        )).order_by(Event.at, Event.id)
    ).scalars())
    users = user_names(e.actor_user_id for e in events)
    orgs = org_names(e.actor_org_id for e in events)
    return [{"at": e.at, "subject": e.subject_type, "name": e.name, "from_state": e.from_state, "to_state": e.to_state,
             "role": e.actor_role, "user": users.get(e.actor_user_id), "organization": orgs.get(e.actor_org_id),
             "payload": e.payload or {}} for e in events]


def money_summary(deal: Deal) -> dict:
    """Where the deal's money is, in minor units of ``currency``: awaited before shipment, held in escrow,
    released to the vendor (net of commission), the platform's commission, refunded to the buyer, and owed
    on terms due after delivery (overdue part and next due date)."""
    ms = deal.milestones
    awaiting = (MilestoneStatus.PENDING, MilestoneStatus.AWAITING_PAYMENT)
    return {
        "currency": deal.currency,
        "total": deal.total,
        # due before shipment and not yet paid (terms due after delivery are ``owed`` below)
        "awaiting": sum(m.amount for m in ms if m.status in awaiting and not m.is_after_delivery()),
        "held": sum(m.held_amount for m in ms),  # less any part a partial acceptance released
        "released_gross": sum(m.released_amount for m in ms),
        "released": sum(m.released_amount - m.commission_amount for m in ms),
        "commission": sum(m.commission_amount for m in ms),
        "refunded": sum(m.refunded_amount for m in ms),
        "settled": any(m.is_settled() or m.is_partly_released() for m in ms),
        # payment terms due on or after delivery: what the buyer still owes outside escrow, and what is late
        "owed": sum(m.amount for m in ms if m.is_after_delivery() and m.is_owed()),
        "overdue": sum(m.amount for m in ms if m.is_overdue()),
        "next_due_at": min((m.due_at for m in ms if m.is_owed() and m.due_at is not None), default=None),
    }
