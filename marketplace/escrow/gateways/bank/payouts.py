"""Payout batches: what the platform owes vendors (payables) and buyers (refund payables), paid by bank.

Ledger design: creating a batch *reserves* each amount with a hold ``po<id>.hold`` from the payable
to the bank clearing asset (``platform:gateway_clearing:bank_transfer``). The hold counts against
both sides at once (the payable's and the bank cash's no-overdraft checks), so a second batch, made
before or after, concurrently or not, finds nothing left to pay. Marking the batch paid posts each
hold as ``po<id>.paid`` (code ``payout``): the liability and the bank cash go down together. No
in-transit account: between the two steps the money is visibly reserved, not moved.

Trust rule: a vendor is paid only to a verified payout account (:meth:`VendorProfile.payout_account_verified`):
a batch leaves out a vendor that is not verified, has no payout account or changed it since the admin's
verification (its payable stays owed), and marking a batch paid refuses while any of its vendors is so.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from ....actors import Actor
from ....database import utcnow
from ....errors import ConflictError, NotFoundError
from ....extensions import db
from ....http.pagination import paginate
from ....vendors.models import VendorProfile
from ... import ledger
from ...models import LedgerAccount
from .gateway import GATEWAY
from .models import Payout, PayoutBatch, PayoutBatchStatus, PayoutKind, PayoutStatus


def _owner(code: str) -> tuple[PayoutKind, int]:
    """(the kind of payout, the organisation paid) for a payable's account code."""
    side, org_id = ledger.payable_owner(code)
    return (PayoutKind.VENDOR if side == ledger.VENDOR_SIDE else PayoutKind.REFUND), org_id


def create_payout_batch(actor: Actor, org_ids: list[int] | None = None, currency: str | None = None,
                        include_refunds: bool = True) -> PayoutBatch:
    """Reserve every positive available payable (optionally only ``org_ids`` / ``currency``) in a new batch.

    An account that another batch reserved meanwhile is skipped, never paid twice; so is a vendor without a
    verified payout account (its payable stays owed for a later batch).

    :raises ConflictError: there is nothing to pay (``details.vendors_on_hold``: vendors left out for their account).
    """
    patterns = [LedgerAccount.code.like(ledger.VENDOR_PAYABLES)]
    if include_refunds:
        patterns.append(LedgerAccount.code.like(ledger.REFUND_PAYABLES))
    stmt = select(LedgerAccount).where(or_(*patterns)).order_by(LedgerAccount.id)  # fixed lock order
    if currency:
        stmt = stmt.where(LedgerAccount.currency == currency)
    wanted = set(org_ids or [])
    accounts = [a for a in db.session.execute(stmt.execution_options(populate_existing=True)).scalars()
                if a.available() > 0 and (not wanted or _owner(a.code)[1] in wanted)]
    on_hold = unpayable_vendors([_owner(a.code)[1] for a in accounts if _owner(a.code)[0] == PayoutKind.VENDOR])
    accounts = [a for a in accounts if _owner(a.code)[1] not in on_hold or _owner(a.code)[0] != PayoutKind.VENDOR]
    if not accounts and on_hold:
        raise ConflictError("nothing to pay: the vendors owed money have no verified payout account",
                            code="nothing_to_pay", details={"vendors_on_hold": sorted(on_hold)})
    if not accounts:
        raise ConflictError("nothing to pay: no payable has an available balance", code="nothing_to_pay")
    batch = PayoutBatch(gateway=GATEWAY, status=PayoutBatchStatus.CREATED, created_by=actor.user_id)
    db.session.add(batch)
    db.session.flush()
    clearing = ledger.clearing_account(GATEWAY)
    for acct in accounts:
        kind, org_id = _owner(acct.code)
        try:
            with db.session.begin_nested():
                payout = Payout(batch_id=batch.id, org_id=org_id, kind=kind, account=acct.code, amount=acct.available(),
                                currency=acct.currency, status=PayoutStatus.CREATED)
                db.session.add(payout)
                db.session.flush()
                ledger.hold(payout.hold_id, acct.code, clearing, payout.amount, acct.currency, code=ledger.PostingCode.PAYOUT_HOLD,
                            meta={"batch_id": batch.id, "payout_id": payout.id})
        except ledger.LedgerError:  # reserved by a concurrent batch, or the bank cash is short: leave it
            continue
    db.session.flush()
    db.session.refresh(batch)
    if not batch.payouts:
        raise ConflictError("nothing to pay: every payable is already reserved", code="nothing_to_pay")
    return batch


def unpayable_vendors(org_ids: list[int], lock: bool = False) -> set[int]:
    """Those of the vendors ``org_ids`` that may not be paid now: no verified payout account (``lock``: FOR SHARE)."""
    if not org_ids:
        return set()
    stmt = select(VendorProfile).where(VendorProfile.id.in_(set(org_ids))).order_by(VendorProfile.id)
    if lock:
        stmt = stmt.with_for_update(read=True, of=VendorProfile).execution_options(populate_existing=True)
    payable = {v.id for v in db.session.execute(stmt).scalars() if v.payout_account_verified()}
    return set(org_ids) - payable


def get_batch(batch_id: int, lock: bool = False) -> PayoutBatch:
    """One payout batch (``lock``: FOR UPDATE).

    :raises NotFoundError: no such batch.
    """
    stmt = select(PayoutBatch).where(PayoutBatch.id == batch_id)
    if lock:
        stmt = stmt.with_for_update(of=PayoutBatch).execution_options(populate_existing=True)
    batch = db.session.execute(stmt).scalar_one_or_none()
    if batch is None:
        raise NotFoundError("no such payout batch")
    return batch


def mark_batch_paid(actor: Actor, batch_id: int, bank_reference: str) -> PayoutBatch:
    """The admin sent the transfers: post every reserved payout. Marking a paid batch again is a no-op.

    :raises NotFoundError: unknown batch.
    :raises ConflictError: ``payout_account_unverified``: a vendor of the batch is not verified, has no payout
        account or changed it since its verification (nothing is posted; mark the batch paid once re-verified).
    """
    batch = get_batch(batch_id, lock=True)
    if batch.status == PayoutBatchStatus.PAID:
        return batch
    # FOR SHARE: a concurrent profile change waits for this transaction, so the accounts checked are those paid
    on_hold = unpayable_vendors([p.org_id for p in batch.payouts if p.kind == PayoutKind.VENDOR], lock=True)
    if on_hold:
        raise ConflictError("some vendors in this batch have no verified payout account; pay them after an admin "
                            "verifies their account", code="payout_account_unverified",
                            details={"vendors_on_hold": sorted(on_hold)})
    now = utcnow()
    for payout in batch.payouts:
        ledger.post_hold(payout.paid_id, payout.hold_id, code=ledger.PostingCode.PAYOUT,
                         meta={"batch_id": batch.id, "payout_id": payout.id, "bank_reference": bank_reference})
        payout.status = PayoutStatus.PAID
        payout.paid_at = now
    batch.status = PayoutBatchStatus.PAID
    batch.paid_at = now
    batch.paid_by = actor.user_id
    batch.bank_reference = bank_reference
    db.session.flush()
    return batch


def list_batches(params: dict) -> dict:
    """One page of payout batches, oldest first."""
    return paginate(select(PayoutBatch), params, PayoutBatch.id)


def list_payouts(actor: Actor, params: dict) -> dict:
    """One page of the payouts ``actor`` may see (its organisation's; platform admins: all), oldest first."""
    return paginate(Payout.visible_to(actor), params, Payout.id)


def get_payout(actor: Actor, payout_id: int) -> Payout:
    """One payout as ``actor`` may see it.

    :raises NotFoundError: unknown, or another organisation's payout.
    """
    return Payout.get_visible(actor, payout_id)
