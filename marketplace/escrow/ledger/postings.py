"""Posting to the double-entry ledger: accounts, posted and pending transfers (holds), their resolution.

Every function flushes but never commits. Transfer ids are deterministic, so calling the same
operation twice (a retried job, a double click) inserts nothing the second time; a replay with
different figures is refused loudly, because it means two code paths disagree about money.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ...errors import ConflictError
from ...extensions import db
from ..models import LedgerAccount, LedgerTransfer, TransferKind
from .accounts import PostingCode, kind_of


class LedgerError(ConflictError):
    code = "ledger_refused"


def account(code: str, currency: str) -> LedgerAccount:
    """Get or create the account ``code`` in ``currency``."""
    found = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    ).scalar_one_or_none()
    if found is not None:  # the common case: one query
        return found
    db.session.execute(
        insert(LedgerAccount).values(code=code, currency=currency, kind=kind_of(code))
        .on_conflict_do_nothing(index_elements=["code", "currency"])
    )
    return db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    ).scalar_one()


def _insert(transfer_id: str, kind: str, debit: str | None, credit: str | None, amount: int, currency: str, *,
            code: str, pending: LedgerTransfer | None = None, deal_id=None, milestone_id=None, meta=None) -> bool:
    if pending is not None:
        debit_id, credit_id = pending.debit_account_id, pending.credit_account_id
    else:
        debit_id, credit_id = account(debit, currency).id, account(credit, currency).id
    values = dict(id=transfer_id, kind=kind, debit_account_id=debit_id, credit_account_id=credit_id, amount=amount,
                  currency=currency, pending_id=pending.id if pending is not None else None, deal_id=deal_id,
                  milestone_id=milestone_id, code=code, meta=meta or {})
    try:
        with db.session.begin_nested():
            inserted = db.session.execute(
                insert(LedgerTransfer).values(**values).on_conflict_do_nothing(index_elements=["id"])
                .returning(LedgerTransfer.id)
            ).scalar_one_or_none()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "no_overdraft" in message:
            raise LedgerError(f"transfer {transfer_id} would overdraw an account", code="insufficient_funds") from None
        if "uq_ledger_transfers_pending_id" in message:
            raise LedgerError(f"hold {pending.id} is already resolved", code="hold_resolved") from None
        raise
    if inserted is None:  # replay: must be the very same transfer
        existing = db.session.get(LedgerTransfer, transfer_id)
        same = (existing.kind, existing.debit_account_id, existing.credit_account_id, existing.amount, existing.currency) == (
            kind, debit_id, credit_id, amount, currency)
        if not same:
            raise LedgerError(f"transfer {transfer_id} exists with other figures", code="transfer_mismatch")
        return False
    return True


def transfer(transfer_id: str, debit: str, credit: str, amount: int, currency: str, *, code: str, **kw) -> bool:
    """Post ``amount`` from ``debit`` to ``credit`` now; False when it was already posted.

    :raises LedgerError: an account would be overdrawn, or the id exists with other figures.
    """
    if amount <= 0:
        raise LedgerError("transfers move a positive amount")
    return _insert(transfer_id, TransferKind.POSTED, debit, credit, amount, currency, code=code, **kw)


def hold(transfer_id: str, debit: str, credit: str, amount: int, currency: str, *, code: str = PostingCode.HOLD,
         **kw) -> bool:
    """Reserve ``amount`` from ``debit`` for ``credit`` (a pending transfer); False when it was already held.

    :raises LedgerError: ``amount`` is not positive, an account would be overdrawn (counting what is
        already reserved), or the id exists with other figures.
    """
    if amount <= 0:
        raise LedgerError("holds reserve a positive amount")
    return _insert(transfer_id, TransferKind.PENDING, debit, credit, amount, currency, code=code, **kw)


def _pending(pending_id: str) -> LedgerTransfer:
    pending = db.session.get(LedgerTransfer, pending_id)
    if pending is None or pending.kind != TransferKind.PENDING:
        raise LedgerError(f"no hold {pending_id}")
    return pending


def post_hold(transfer_id: str, pending_id: str, amount: int | None = None, *, code: str = PostingCode.RELEASE,
              **kw) -> bool:
    """Complete a hold for ``amount`` (default: all of it); what is not posted returns to the debit side.

    :raises LedgerError: the hold is already resolved by another transfer, or ``amount`` exceeds it.
    """
    pending = _pending(pending_id)
    amount = pending.amount if amount is None else amount
    if not 0 < amount <= pending.amount:
        raise LedgerError("a hold posts between 1 and its own amount")
    return _insert(transfer_id, TransferKind.POST_PENDING, None, None, amount, pending.currency, code=code,
                   pending=pending, **kw)


def void_hold(transfer_id: str, pending_id: str, *, code: str = PostingCode.VOID, **kw) -> bool:
    """Cancel a hold; its amount is available again on the debit side."""
    pending = _pending(pending_id)
    return _insert(transfer_id, TransferKind.VOID_PENDING, None, None, pending.amount, pending.currency, code=code,
                   pending=pending, **kw)


def resolution_of(pending_id: str) -> LedgerTransfer | None:
    """The transfer that posted or voided hold ``pending_id``, if any."""
    return db.session.execute(select(LedgerTransfer).where(LedgerTransfer.pending_id == pending_id)).scalar_one_or_none()


def balance(code: str, currency: str) -> int:
    """Posted balance of account ``code`` in ``currency`` (0 when it does not exist)."""
    row = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    ).scalar_one_or_none()
    return row.balance() if row else 0
