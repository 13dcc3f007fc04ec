"""Payment terms due on or after delivery: when they fall due, reminders, the overdue state, and their money.

A deal ships once every milestone due before shipment (``on_award``, ``before_shipment``) is held. Terms due
after delivery are credit the vendor gives the buyer:

- at delivery (:func:`open_after_delivery_terms`, called on entering ``delivered``) each falls due: its due
  date is the delivery plus :data:`ON_DELIVERY_GRACE` (``on_delivery``) or plus ``net_days`` days
  (``net_days``); it gets its payment reference and the buyer's owners and finance members are told;
- the sweep step :func:`sweep_payment_terms` reminds the buyer :data:`DUE_REMINDER` before the due date,
  marks an unpaid term overdue once the date passed (telling both sides), and releases a term paid after
  the deal's release whose release was lost. Every step is stamped on the milestone and keyed on the
  notification, so a second run changes nothing. Overdue moves no money;
- the buyer pays it like any milestone (bank transfer with its reference, or the deal's gateway): held in
  escrow until the deal's release, or released to the vendor at once, less commission, when the deal was
  already released (:func:`after_delivery_paid`);
- a dispute freezes it (no payment, no reminder); the dispute's resolution cancels what is still unpaid
  (the decision settles the deal's money); a cancellation or refund cancels it as every unpaid milestone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from ...accounts.models import MemberRole
from ...actors import SYSTEM
from ...database import utcnow
from ...errors import DomainError
from ...escrow import services as escrow
from ...escrow.gateways import get_gateway, payment_reference
from ...escrow.models import AFTER_DELIVERY_DUES, MilestoneDue
from ...extensions import db
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...statemachine import record_event
from ..models import (
    PAYABLE_AFTER_DELIVERY,
    Deal,
    DealStatus,
    Milestone,
    MilestoneStatus,
)
from ..states import deal_machine
from .deals import notice_data

log = logging.getLogger(__name__)

#: an ``on_delivery`` term is payable within this grace after the delivery before it is overdue
ON_DELIVERY_GRACE = timedelta(days=5)
#: the buyer is reminded this long before a term's due date (once; at once when less is left)
DUE_REMINDER = timedelta(days=3)
#: the buyer's members e-mailed about money owed (the feed shows it to everyone)
BUYER_PAYER_ROLES = (MemberRole.OWNER, MemberRole.FINANCE)
#: deal states in which a held term is released at once when paid (the rest was released already)
RELEASED_STATES = (DealStatus.RELEASED, DealStatus.CLOSED)


def due_date(m: Milestone, delivered_at: datetime) -> datetime:
    """When a term due after delivery must be paid: delivery + ``net_days`` days, or + the on-delivery grace."""
    if m.due == MilestoneDue.NET_DAYS:
        return delivered_at + timedelta(days=m.net_days or 0)
    return delivered_at + ON_DELIVERY_GRACE


def term_data(deal: Deal, m: Milestone, **extra) -> dict:
    """What a notification about one term carries (money and times as the API speaks)."""
    return notice_data(deal, milestone_id=m.id, seq=m.seq, milestone=m.name,
                       amount=format_amount(m.amount, deal.currency),
                       due_at=m.due_at.isoformat() if m.due_at else None, reference=m.payment_reference, **extra)


def open_after_delivery_terms(deal: Deal) -> list[Milestone]:
    """Entering ``delivered``: every term due on or after delivery falls due (its date, its reference, the
    deal's gateway prepares it) and the buyer is told. Terms already open are left alone."""
    delivered = deal.delivered_at or utcnow()
    opened = []
    for m in deal.milestones:
        if not m.is_after_delivery() or m.status != MilestoneStatus.PENDING:
            continue
        m.due_at = due_date(m, delivered)
        m.status = MilestoneStatus.AWAITING_PAYMENT
        m.payment_reference = payment_reference(deal.id, m.seq)
        if m.due_at - DUE_REMINDER <= delivered:  # short terms: the notice that it fell due is the reminder
            m.reminded_at = delivered
        opened.append(m)
    if opened and deal.gateway:
        try:
            get_gateway(deal.gateway).start(deal)  # e.g. stripe: a PaymentIntent per term (bank: nothing)
        except DomainError as exc:  # the delivery stands; the term waits for the gateway (or a bank transfer)
            log.warning("deal %s: gateway %s could not prepare the terms due after delivery: %s",
                        deal.id, deal.gateway, exc)
    for m in opened:
        record_event(deal_machine.subject, deal.id, "milestone_due", deal.status, deal.status, SYSTEM,
                     {"milestone": m.seq, "due_at": m.due_at.isoformat()})
        notify_org(deal.buyer_id, NotificationKind.MILESTONE_DUE, term_data(deal, m), key=f"milestone-{m.id}-due",
                   roles=BUYER_PAYER_ROLES)
    return opened


def after_delivery_paid(deal: Deal, m: Milestone) -> None:
    """A term due after delivery was just funded (the deal is locked): released at once when the deal was
    released already (less commission), else held with the rest until the release; the vendor is told."""
    released = deal.status in RELEASED_STATES and escrow.settle_milestone(deal, m, m.held_amount)
    record_event(deal_machine.subject, deal.id, "milestone_released" if released else "milestone_held",
                 deal.status, deal.status, SYSTEM, {"milestone": m.seq})
    notify_org(deal.vendor_id, NotificationKind.MILESTONE_PAID, term_data(deal, m, released_now=bool(released)),
               key=f"milestone-{m.id}-paid")


def on_resolved(deal: Deal) -> None:
    """Entering ``resolved``: the dispute's decision settled the deal's money; terms still unpaid take no more
    (a later transfer becomes the buyer's refund payable)."""
    escrow.cancel_unpaid_milestones(deal)


def _remind_or_mark(deal: Deal, m: Milestone, now: datetime) -> bool:
    if m.due_at <= now and m.overdue_at is None:
        m.overdue_at = now
        m.reminded_at = m.reminded_at or now
        record_event(deal_machine.subject, deal.id, "milestone_overdue", deal.status, deal.status, SYSTEM,
                     {"milestone": m.seq, "due_at": m.due_at.isoformat()})
        data = term_data(deal, m)
        notify_org(deal.buyer_id, NotificationKind.MILESTONE_OVERDUE, data, key=f"milestone-{m.id}-overdue",
                   roles=BUYER_PAYER_ROLES)
        notify_org(deal.vendor_id, NotificationKind.MILESTONE_OVERDUE_VENDOR, data,
                   key=f"milestone-{m.id}-overdue-vendor")
        return True
    if m.reminded_at is None and m.due_at - DUE_REMINDER <= now < m.due_at:
        m.reminded_at = now
        notify_org(deal.buyer_id, NotificationKind.MILESTONE_DUE_SOON, term_data(deal, m),
                   key=f"milestone-{m.id}-due-soon", roles=BUYER_PAYER_ROLES)
        return True
    return False


def sweep_payment_terms(now: datetime | None = None) -> int:
    """Sweeper step: remind the buyer of terms due soon, mark unpaid terms overdue, and release terms paid
    after the deal's release whose release was lost. Each deal is locked; a second run changes nothing.

    :raises LedgerError: the ledger refuses a release (the sweep's transaction rolls back and runs again).
    """
    now = now or utcnow()
    awaiting = and_(Milestone.status == MilestoneStatus.AWAITING_PAYMENT, Milestone.due_at.is_not(None),
                    Deal.status.in_(PAYABLE_AFTER_DELIVERY),
                    or_(and_(Milestone.reminded_at.is_(None), Milestone.due_at - DUE_REMINDER <= now),
                        and_(Milestone.overdue_at.is_(None), Milestone.due_at <= now)))
    stranded = and_(Milestone.status == MilestoneStatus.FUNDED, Milestone.due.in_(tuple(AFTER_DELIVERY_DUES)),
                    Deal.status.in_(RELEASED_STATES))
    deal_ids = db.session.execute(
        select(Milestone.deal_id).join(Deal, Deal.id == Milestone.deal_id).where(or_(awaiting, stranded))
        .distinct().order_by(Milestone.deal_id).limit(1000)
    ).scalars().all()
    changed = 0
    for deal_id in deal_ids:  # one deal at a time, in id order (the lock order of every deal verb)
        deal = deal_machine.lock(deal_id)
        for m in deal.milestones:
            if not m.is_after_delivery():
                continue
            if m.status == MilestoneStatus.FUNDED and deal.status in RELEASED_STATES:
                changed += escrow.settle_milestone(deal, m, m.held_amount)
            elif m.takes_payment() and m.due_at is not None and deal.accepts_payment(m):
                changed += _remind_or_mark(deal, m, now)
    return changed


def payment_schedule(deal: Deal) -> list[dict]:
    """Each milestone as the deal page shows it: when it is due, whether its money is secured in escrow,
    released, refunded, still owed, or overdue (minor units of the deal's currency)."""
    rows = []
    for m in deal.milestones:
        rows.append({"seq": m.seq, "name": m.name, "percent": m.percent, "due": m.due, "net_days": m.net_days,
                     "due_at": m.due_at, "amount": m.amount, "status": m.status, "reference": m.payment_reference,
                     "after_delivery": m.is_after_delivery(), "held": m.held_amount, "owed": m.is_owed(),
                     "overdue": m.is_overdue()})
    return rows
