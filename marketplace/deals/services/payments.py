"""Paying into escrow and getting the money out: gateways, payments, release, refund, re-drives.

``deals`` provides escrow's two upward hooks here: :func:`lock_owner` (``escrow.lock_owner``) and
:func:`record_payment` (``escrow.payment_received``), so flows that start in escrow (a bank
statement, a Stripe webhook) lock and move the deal without escrow importing ``deals``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ...accounts.models import MemberRole, Organization
from ...actors import SYSTEM, Actor, ActorRole
from ...database import call_after_commit_batched, utcnow
from ...errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ...escrow import ledger
from ...escrow import services as escrow
from ...escrow.gateways import get_gateway, offered_gateways, payment_reference
from ...escrow.gateways.bank.gateway import GATEWAY as BANK_TRANSFER
from ...extensions import db
from ...http.fields import to_minor
from ...jobs import enqueue
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org, notify_orgs
from ...statemachine import record_event
from ..models import Deal, DealStatus, MilestoneStatus
from ..states import deal_machine
from . import terms
from .deals import _require_side, get_deal, notice_data

PAYER_ROLES = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.FINANCE, MemberRole.APPROVER, MemberRole.REQUESTER)


def start_payment(actor: Actor, deal_id: int, gateway: str) -> Deal:
    """The buyer picks a gateway; every milestone gets payment instructions. Repeating is harmless.

    :raises InvalidInputError: the gateway is not offered.
    :raises ConflictError: the deal is not awaiting payment, or another gateway was chosen already.
    """
    offered = offered_gateways()
    if gateway not in offered:
        raise InvalidInputError("unknown payment method",
                                fields=InvalidInputError.nest(("gateway",), f"one of {', '.join(offered)}"))
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    if actor.member_role not in PAYER_ROLES:
        raise ForbiddenError("your role may not pay")
    deal = deal_machine.lock(deal.id)
    if not deal.accepts_payment():
        raise ConflictError(f"cannot pay a deal that is {deal.status}", code="illegal_transition")
    if deal.gateway and deal.gateway != gateway:
        raise ConflictError(f"this deal is being paid by {deal.gateway}", code="gateway_chosen")
    deal.gateway = gateway
    for m in deal.milestones:  # terms due after delivery get their instructions at delivery (terms.py)
        if m.status == MilestoneStatus.PENDING and not m.is_after_delivery():
            m.status = MilestoneStatus.AWAITING_PAYMENT
            m.payment_reference = payment_reference(deal.id, m.seq)
    get_gateway(gateway).start(deal)  # e.g. stripe: one PaymentIntent command per milestone
    return deal


def payment_instructions(deal: Deal) -> dict:
    """The deal's gateway and, per milestone, its status and (while awaiting payment) how to pay it."""
    gateway = get_gateway(deal.gateway) if deal.gateway else None
    milestones = []
    for m in deal.milestones:
        row = {"milestone_id": m.id, "seq": m.seq, "name": m.name, "due": m.due, "status": m.status,
               "due_at": m.due_at, "overdue": m.is_overdue()}
        if gateway and m.status == MilestoneStatus.AWAITING_PAYMENT:
            row["instructions"] = gateway.instructions(m, deal.currency)
        milestones.append(row)
    return {"gateway": deal.gateway, "milestones": milestones}


def deal_payments(actor: Actor, deal_id: int) -> dict:
    """Payment instructions of a deal the caller may see.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    return payment_instructions(get_deal(actor, deal_id))


def pay_deal(actor: Actor, deal_id: int, gateway: str) -> dict:
    """:func:`start_payment`, then the instructions per milestone.

    :raises ConflictError: see :func:`start_payment`.
    """
    return payment_instructions(start_payment(actor, deal_id, gateway))


def lock_owner(deal_id: int) -> Deal:
    """Hook ``escrow.lock_owner``: lock a milestone's deal (the deal row first, as every deal verb does).

    :raises ConflictError: no such deal.
    """
    return deal_machine.lock(deal_id)


def record_payment(deal_id: int, milestone_id: int, amount: int, currency: str, gateway: str, meta: dict) -> Deal:
    """Money for one milestone arrived through ``gateway``: hold it; fund the deal once every milestone due
    before shipment is held. A term due after delivery is held until the release, or released at once when the
    deal was released already (:func:`.terms.after_delivery_paid`).

    Hook ``escrow.payment_received``.

    :raises ConflictError: wrong amount or currency (``amount_mismatch``), another gateway
        (``wrong_gateway``), a cancelled milestone (``milestone_cancelled``), a term due after delivery
        while the deal's money is frozen (``milestone_not_payable``), or the milestone is not awaiting payment.
    :raises NotFoundError: the milestone is not the deal's.
    """
    deal = deal_machine.lock(deal_id)
    milestone = next((m for m in deal.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFoundError("no such milestone")
    if currency != deal.currency or amount != milestone.amount:
        raise ConflictError("the amount received does not match the milestone", code="amount_mismatch",
                            details={"expected": format_amount(milestone.amount, deal.currency),
                                     "currency": deal.currency})
    if deal.gateway != gateway:
        raise ConflictError("this milestone is not being paid through this gateway", code="wrong_gateway")
    if milestone.status == MilestoneStatus.CANCELLED:
        raise ConflictError(f"the deal is {deal.status}; this milestone takes no more money", code="milestone_cancelled")
    if milestone.takes_payment() and not deal.accepts_payment(milestone):  # e.g. a dispute froze the deal's money
        raise ConflictError(f"the deal is {deal.status}; this milestone takes no money now", code="milestone_not_payable")
    funded = escrow.fund_milestone(deal, milestone, gateway, meta)
    if funded:
        record_event("deal", deal.id, "milestone_funded", deal.status, deal.status, SYSTEM,
                     {"milestone": milestone.seq, "amount": format_amount(amount, currency), "currency": currency, **meta})
    if milestone.is_after_delivery():  # credit paid back: held until the release, or released now (terms.py)
        if funded:
            terms.after_delivery_paid(deal, milestone)
        return deal
    if deal.accepts_payment() and deal.is_ready_to_ship():
        deal_machine.apply(deal, "fund", SYSTEM)
        deal.ship_by_at = utcnow() + timedelta(days=current_app.config["SHIP_BY_DAYS"])
        data = notice_data(deal, ship_by_at=deal.ship_by_at.isoformat())
        notify_org(deal.vendor_id, NotificationKind.DEAL_FUNDED, data, key=f"deal-{deal.id}-funded")
        notify_org(deal.buyer_id, NotificationKind.PAYMENT_RECEIVED, data, key=f"deal-{deal.id}-payment-received")
    return deal


def confirm_bank_transfer(actor: Actor, reference: str, amount: int | str, currency: str) -> Deal:
    """An admin confirms a bank transfer by its reference (``amount``: minor units, or a decimal string).

    :raises InvalidInputError: the amount has too many decimals for ``currency``.
    :raises NotFoundError: no milestone has this reference.
    :raises ConflictError: see :func:`record_payment`.
    """
    if isinstance(amount, str):
        amount = to_minor(amount, currency, ("amount",))
    milestone = escrow.milestone_by_reference(reference)
    if milestone is None:
        raise NotFoundError("no milestone has this payment reference")
    return record_payment(milestone.deal_id, milestone.id, amount, currency, BANK_TRANSFER,
                          {"reference": milestone.payment_reference, "confirmed_by": actor.user_id})


def deal_ledger(actor: Actor, deal_id: int) -> dict:
    """A deal's ledger transfers and money summary (for platform admins).

    :raises NotFoundError: unknown deal.
    """
    return ledger.deal_report(get_deal(actor, deal_id))


#: accepted deals one release job settles at most, in one transaction (deals accepted together, e.g. by one sweep)
RELEASE_BATCH = 50


def queue_release(deal: Deal) -> None:
    """Entering ``accepted`` (the buyer, its silence, a withdrawn dispute): queue the release job once the
    caller commits, and tell the vendor the goods were accepted. Accepting goods that never passed ``delivered``
    (a dispute opened in transit, then withdrawn) is their delivery: terms due after delivery fall due now.
    Deals accepted in one transaction (a sweep's lapsed inspections) share their jobs: :func:`enqueue_releases`."""
    terms.open_after_delivery_terms(deal)
    call_after_commit_batched(db.session(), enqueue_releases, deal.id)
    notify_org(deal.vendor_id, NotificationKind.DEAL_ACCEPTED, notice_data(deal), key=f"deal-{deal.id}-accepted")


def enqueue_releases(deal_ids: list[int]) -> list[str]:
    """Queue the release of accepted deals: one ``release_deal`` job for a deal alone, else ``release_deals``
    jobs of up to :data:`RELEASE_BATCH` deals (a job's fixed cost, its transaction and the parties' reads and
    notices shared; benchmarks/escrow/REPORT.md). Returns the jobs' ids."""
    ids = sorted(set(deal_ids))
    if len(ids) == 1:
        return [enqueue("marketplace.deals.jobs.release_deal", ids[0], queue="money",
                        job_id=f"release-deal-{ids[0]}").id]
    batches = [ids[start:start + RELEASE_BATCH] for start in range(0, len(ids), RELEASE_BATCH)]
    return [enqueue("marketplace.deals.jobs.release_deals", batch, queue="money",
                    job_id=f"release-deals-{batch[0]}-{batch[-1]}-{len(batch)}").id for batch in batches]


def release_deal(deal_id: int) -> bool:
    """Release every held milestone of an accepted deal to the vendor, less commission.

    Safe to run twice: a released deal is left alone and each ledger transfer has a fixed id.

    :raises LedgerError: the ledger refuses a transfer (nothing is released then).
    """
    return release_deals([deal_id]) == 1


def release_deals(deal_ids: list[int]) -> int:
    """:func:`release_deal` for several deals in the caller's transaction, with the reads and notices shared: one
    statement locks them all (in id order) with their milestones, one reads the parties, one set of notices.
    Deals not (or no longer) accepted, or gone, are left alone. Returns how many were released.

    :raises LedgerError: the ledger refuses a transfer (the caller rolls back: nothing is released then).
    """
    # their lines are not needed to settle them: read on access only (one query less)
    deals = [d for d in deal_machine.lock_many(deal_ids, lazyload(Deal.lines)) if d.can_release()]
    if not deals:
        return 0
    # the parties in one query, referenced until the end: the notices below read them from the session
    parties = db.session.execute(  # noqa: F841 (kept alive: the session's identity map holds objects weakly)
        select(Organization).where(Organization.id.in_({o for d in deals for o in (d.buyer_id, d.vendor_id)}))
    ).scalars().all()
    notices = []
    for deal in deals:
        for m in deal.held_milestones():
            escrow.settle_milestone(deal, m, m.held_amount)  # all of it, less any part released before
        deal_machine.apply(deal, "release", SYSTEM)
        released = sum(m.released_amount for m in deal.milestones)
        commission = sum(m.commission_amount for m in deal.milestones)
        data = notice_data(deal, released=format_amount(released, deal.currency),
                           commission=format_amount(commission, deal.currency),
                           payout=format_amount(released - commission, deal.currency))
        notices += [(deal.vendor_id, NotificationKind.DEAL_RELEASED, data, f"deal-{deal.id}-released"),
                    (deal.buyer_id, NotificationKind.DEAL_COMPLETED, data, f"deal-{deal.id}-completed")]
    notify_orgs(notices)
    return len(deals)


def refund_deal(actor: Actor, deal_id: int, reason: str) -> Deal:
    """An admin refunds a funded deal that will not ship (every held milestone back to the buyer).

    :raises NotFoundError: unknown deal.
    :raises IllegalTransitionError: the deal is neither awaiting payment nor funded.
    """
    get_deal(actor, deal_id)
    deal = deal_machine.lock(deal_id)
    if deal_machine.apply(deal, "refund", actor, {"reason": reason}):
        for m in deal.held_milestones():
            escrow.settle_milestone(deal, m, 0)
        escrow.cancel_unpaid_milestones(deal)
        data = notice_data(deal, reason=reason or "",
                           refunded=format_amount(sum(m.refunded_amount for m in deal.milestones), deal.currency))
        notify_org(deal.buyer_id, NotificationKind.DEAL_REFUNDED, data, key=f"deal-{deal.id}-refunded")
        notify_org(deal.vendor_id, NotificationKind.DEAL_REFUNDED_VENDOR, data, key=f"deal-{deal.id}-refunded-vendor")
    return deal


def redrive_settlements(now=None) -> int:
    """Sweeper step: accepted deals whose release job was lost get it again (the job is idempotent)."""
    stale = (now or utcnow()) - timedelta(seconds=current_app.config["REDRIVE_AFTER_SECONDS"])
    ids = db.session.execute(
        select(Deal.id).where(Deal.status == DealStatus.ACCEPTED, Deal.updated_at < stale).limit(1000)
    ).scalars().all()
    for deal_id in ids:
        enqueue("marketplace.deals.jobs.release_deal", deal_id, queue="money", job_id=f"release-deal-{deal_id}-redrive")
    return len(ids)  # decided disputes: services.disputes.redrive_dispute_settlements, its own sweep step
