"""Escrow verbs on one milestone: fund (hold), release, refund, split. Idempotent by construction.

Each milestone's money moves through deterministic transfer ids (see :mod:`.ledger.accounts`):
``m<id>.fund`` (gateway clearing -> deal escrow), ``m<id>.hold`` (pending: escrow -> vendor payable),
``m<id>.release`` (posts the hold, fully or partly), ``m<id>.commission`` (vendor payable -> platform),
``m<id>.void`` (voids the hold) and ``m<id>.refund`` (escrow -> buyer refund payable).
A partial acceptance (:func:`release_part`) posts the hold partly and holds the rest again under
``m<id>.hold2``; the milestone's settlement then resolves that second hold (``release2``,
``commission2``, ``void2``, ``refund``), so it still settles exactly once.
Callers lock the deal row first, so the milestone's status and the ledger move together. Under that lock
a settlement's transfers cannot be refused (the hold is unresolved while the milestone is held, and each
debit follows a credit at least as large), so they are booked without a savepoint each; were the ledger to
refuse one anyway, the :class:`~.ledger.LedgerError` aborts the caller's transaction, which every caller
rolls back (a job, a request).

Deals arrive as plain objects (``.id .currency .gateway .buyer_id .vendor_id .commission_bps
.milestones``). Flows that start here (a bank statement, a Stripe webhook, an admin's confirmation)
report upward through two hooks that ``deals`` provides: :data:`LOCK_OWNER` and :data:`PAYMENT_RECEIVED`.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import registry
from ..database import utcnow
from ..errors import ConflictError, NotFoundError
from ..extensions import db
from ..money import commission_for
from . import ledger
from .ledger import MilestoneStep, PostingCode
from .models import Milestone, MilestoneStatus

#: hook ``fn(deal_id) -> deal``: lock the deal owning a milestone (``SELECT ... FOR UPDATE``; the deal
#: before its lines, as every deal verb does) and return it. :raises ConflictError: no such deal.
LOCK_OWNER = "escrow.lock_owner"
#: hook ``fn(deal_id, milestone_id, amount, currency, gateway, meta) -> deal``: money for one milestone
#: arrived; hold it and move the deal on. :raises ConflictError: amount_mismatch, wrong_gateway,
#: milestone_cancelled, ... (the same transaction: nothing is booked then).
PAYMENT_RECEIVED = "escrow.payment_received"


def lock_owner(deal_id: int):
    """The deal of a milestone, locked (through the :data:`LOCK_OWNER` hook)."""
    return registry.hook(LOCK_OWNER)(deal_id)


def report_payment(deal_id: int, milestone_id: int, amount: int, currency: str, gateway: str, meta: dict):
    """Tell the deal owning a milestone that its money arrived (the :data:`PAYMENT_RECEIVED` hook).

    :raises ConflictError: the deal refuses the payment (wrong amount, gateway, or state).
    """
    return registry.hook(PAYMENT_RECEIVED)(deal_id, milestone_id, amount, currency, gateway, meta)


def milestone_by_reference(reference: str | None) -> Milestone | None:
    """The milestone whose payment reference is ``reference`` (case and spaces ignored)."""
    return db.session.execute(
        select(Milestone).where(Milestone.payment_reference == (reference or "").strip().upper())
    ).scalar_one_or_none()


def find_milestone(milestone_id: int | None = None, reference: str | None = None) -> Milestone:
    """A milestone by id or by payment reference.

    :raises NotFoundError: no such milestone.
    """
    m = db.session.get(Milestone, milestone_id) if milestone_id is not None else milestone_by_reference(reference)
    if m is None:
        raise NotFoundError("no such milestone")
    return m


def fund_milestone(deal, m: Milestone, gateway: str, meta: dict | None = None) -> bool:
    """Money for ``m`` arrived: book it into the deal's escrow and hold it for the vendor.

    :raises ConflictError: the milestone is not awaiting payment.
    """
    ids = ledger.milestone_transfers(m.id)
    if m.status == MilestoneStatus.FUNDED or ledger.resolution_of(ids[MilestoneStep.HOLD]) is not None:
        return False
    if not m.takes_payment():
        raise ConflictError(f"milestone {m.seq} is {m.status}, not awaiting payment")
    ledger.transfer(ids[MilestoneStep.FUND], ledger.clearing_account(gateway), ledger.escrow_account(deal.id), m.amount,
                    deal.currency, code=PostingCode.FUND, deal_id=deal.id, milestone_id=m.id, meta=meta)
    ledger.hold(ids[MilestoneStep.HOLD], ledger.escrow_account(deal.id), ledger.vendor_payable(deal.vendor_id), m.amount,
                deal.currency, code=PostingCode.HOLD, deal_id=deal.id, milestone_id=m.id)
    m.status = MilestoneStatus.FUNDED
    m.funded_at = utcnow()
    return True


def release_part(deal, m: Milestone, vendor_gross: int) -> bool:
    """Release ``vendor_gross`` of a held milestone to the vendor now (less commission); the rest stays held.

    The hold posts for ``vendor_gross`` (what it does not post returns to the deal's escrow) and a second
    hold (``m<id>.hold2``) reserves the rest for the vendor until :func:`settle_milestone` settles it. All of
    it is released when ``vendor_gross`` is the whole held amount; ``0`` changes nothing. A milestone is
    released in part once: a second call is a no-op. The caller checks that the deal's gateway moves no
    money per settlement (its ``settled`` runs once per milestone, at the end).

    :raises ConflictError: the milestone is not held, or the amount is out of range.
    """
    if m.is_partly_released() or m.is_settled():
        return False
    if m.status != MilestoneStatus.FUNDED:
        raise ConflictError(f"milestone {m.seq} is {m.status}, not held")
    if not 0 <= vendor_gross <= m.amount:
        raise ConflictError("the vendor's share must be between 0 and the milestone amount")
    if vendor_gross == 0:
        return False
    if vendor_gross == m.amount:
        return settle_milestone(deal, m, vendor_gross)
    ids = ledger.milestone_transfers(m.id)
    commission = commission_for(vendor_gross, deal.commission_bps)
    ledger.post_hold(ids[MilestoneStep.RELEASE], ids[MilestoneStep.HOLD], vendor_gross, code=PostingCode.RELEASE,
                     deal_id=deal.id, milestone_id=m.id, savepoint=False, meta={"partial": True})
    if commission:
        ledger.transfer(ids[MilestoneStep.COMMISSION], ledger.vendor_payable(deal.vendor_id), ledger.COMMISSION,
                        commission, deal.currency, code=PostingCode.COMMISSION, deal_id=deal.id, milestone_id=m.id, savepoint=False,
                        meta={"bps": deal.commission_bps})
    # the rest came back to the deal's escrow with the post: reserve it again for the vendor
    ledger.hold(ids[MilestoneStep.HOLD_REST], ledger.escrow_account(deal.id), ledger.vendor_payable(deal.vendor_id),
                m.amount - vendor_gross, deal.currency, code=PostingCode.HOLD, deal_id=deal.id, milestone_id=m.id, savepoint=False)
    m.released_amount = vendor_gross
    m.commission_amount = commission
    return True


def settle_milestone(deal, m: Milestone, vendor_gross: int) -> bool:
    """Release ``vendor_gross`` of what a milestone still holds to the vendor (less commission) and refund the rest.

    ``vendor_gross == m.held_amount`` is a full release, ``0`` a full refund, anything between a split. A
    milestone partly released by :func:`release_part` settles its second hold. A milestone settles once: a
    second call (any split) is a no-op when the first already happened.

    :raises ConflictError: the milestone is not held, or the amount is out of range.
    """
    if m.is_settled():
        return False
    if m.status != MilestoneStatus.FUNDED:
        raise ConflictError(f"milestone {m.seq} is {m.status}, not held")
    held = m.held_amount
    if not 0 <= vendor_gross <= held:
        raise ConflictError("the vendor's share must be between 0 and the amount held")
    ids = ledger.milestone_transfers(m.id)
    if m.is_partly_released():
        hold_id, release_id, commission_id, void_id = (ids[MilestoneStep.HOLD_REST], ids[MilestoneStep.RELEASE_REST],
                                                       ids[MilestoneStep.COMMISSION_REST], ids[MilestoneStep.VOID_REST])
    else:
        hold_id, release_id, commission_id, void_id = (ids[MilestoneStep.HOLD], ids[MilestoneStep.RELEASE],
                                                       ids[MilestoneStep.COMMISSION], ids[MilestoneStep.VOID])
    escrow = ledger.escrow_account(deal.id)
    commission = commission_for(vendor_gross, deal.commission_bps)
    if vendor_gross > 0:
        ledger.post_hold(release_id, hold_id, vendor_gross, code=PostingCode.RELEASE, deal_id=deal.id,
                         milestone_id=m.id, savepoint=False)
        if commission:
            ledger.transfer(commission_id, ledger.vendor_payable(deal.vendor_id), ledger.COMMISSION, commission,
                            deal.currency, code=PostingCode.COMMISSION, deal_id=deal.id, milestone_id=m.id, savepoint=False,
                            meta={"bps": deal.commission_bps})
    else:
        ledger.void_hold(void_id, hold_id, code=PostingCode.VOID, deal_id=deal.id, milestone_id=m.id, savepoint=False)
    refund = held - vendor_gross
    if refund:
        ledger.transfer(ids[MilestoneStep.REFUND], escrow, ledger.buyer_refund_payable(deal.buyer_id), refund,
                        deal.currency, code=PostingCode.REFUND, deal_id=deal.id, milestone_id=m.id, savepoint=False)
    m.released_amount += vendor_gross
    m.commission_amount += commission if vendor_gross else 0
    m.refunded_amount += refund
    m.status = (MilestoneStatus.RELEASED if m.refunded_amount == 0 else
                MilestoneStatus.REFUNDED if m.released_amount == 0 else MilestoneStatus.SPLIT)
    if deal.gateway:  # e.g. stripe: the Transfer/Refund commands join this transaction (bank transfer: nothing)
        registry.current().gateways[deal.gateway].settled(deal, m)
    return True


def cancel_unpaid_milestones(deal) -> None:
    """Milestones never paid stop accepting money: a late transfer is then kept for the buyer instead.

    The caller holds the deal's lock; held or settled milestones are left alone.
    """
    for m in deal.milestones:
        if m.status in (MilestoneStatus.PENDING, MilestoneStatus.AWAITING_PAYMENT):
            m.status = MilestoneStatus.CANCELLED
