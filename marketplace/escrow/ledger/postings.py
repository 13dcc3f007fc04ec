"""Posting to the double-entry ledger: accounts, posted and pending transfers (holds), their resolution.

Every function flushes but never commits. Transfer ids are deterministic, so calling the same
operation twice (a retried job, a double click) inserts nothing the second time; a replay with
different figures is refused loudly, because it means two code paths disagree about money.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ...database import utcnow
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


_COLUMNS = ("id", "kind", "debit_account_id", "credit_account_id", "amount", "currency", "pending_id", "deal_id",
            "milestone_id", "code", "meta", "created_at")
_TRANSFERS = LedgerTransfer.__table__


def _execute(stmt, transfer_id: str, pending_id: str | None, savepoint: bool, params: dict | None = None) -> str | None:
    """Run one transfer INSERT (``RETURNING id``: None when nothing was inserted), turning the database's
    refusals into :class:`LedgerError`. With ``savepoint`` a refusal leaves the caller's transaction usable;
    without, it aborts it (for callers that roll back on any refusal: one round trip less per transfer)."""
    try:
        if not savepoint:
            return db.session.execute(stmt, params).scalar_one_or_none()
        with db.session.begin_nested():
            return db.session.execute(stmt, params).scalar_one_or_none()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "no_overdraft" in message:
            raise LedgerError(f"transfer {transfer_id} would overdraw an account", code="insufficient_funds") from None
        if "uq_ledger_transfers_pending_id" in message:
            raise LedgerError(f"hold {pending_id} is already resolved", code="hold_resolved") from None
        raise


def _insert_from(source):
    """One statement: insert the transfer ``source`` selects (its accounts read in the same statement). It inserts
    nothing when the source found nothing (an account or the hold is missing) or the id exists already: the caller
    then takes the careful path, which tells these apart."""
    return (insert(_TRANSFERS).from_select(_COLUMNS, source)
            .on_conflict_do_nothing(index_elements=["id"]).returning(_TRANSFERS.c.id))


def _param(name: str):
    """A bound parameter typed as column ``name`` of the transfers table, for an ``INSERT ... SELECT``."""
    return bindparam(name, type_=_TRANSFERS.c[name].type)


def _params(transfer_id, kind, deal_id, milestone_id, code, meta, **more) -> dict:
    return {"id": transfer_id, "kind": kind, "deal_id": deal_id, "milestone_id": milestone_id, "code": code,
            "meta": meta or {}, "created_at": utcnow(), **more}


@functools.cache
def _by_codes_insert():
    """The fast path's INSERT between two accounts given by code: built once (Core, bound parameters), so a
    transfer costs its round trip and not the statement's construction and cache key."""
    d, c = LedgerAccount.__table__.alias("d"), LedgerAccount.__table__.alias("c")
    return _insert_from(select(_param("id"), _param("kind"), d.c.id, c.c.id, _param("amount"), _param("currency"),
                  _param("pending_id"), _param("deal_id"), _param("milestone_id"), _param("code"), _param("meta"),
                  _param("created_at")).select_from(d).join(c, c.c.currency == d.c.currency).where(
        d.c.code == bindparam("debit"), d.c.currency == _param("currency"), c.c.code == bindparam("credit")))


@functools.cache
def _by_id_insert(whole: bool):
    """The fast path's INSERT resolving a hold (``whole``: all of it, else ``amount`` of it); built once."""
    p = _TRANSFERS.alias("p")
    return _insert_from(select(_param("id"), _param("kind"), p.c.debit_account_id, p.c.credit_account_id,
                  p.c.amount if whole else _param("amount"), p.c.currency, p.c.id, _param("deal_id"),
                  _param("milestone_id"), _param("code"), _param("meta"), _param("created_at")).where(
        p.c.id == bindparam("pending"), p.c.kind == TransferKind.PENDING,
        *(() if whole else (p.c.amount >= _param("amount"),))))


def _insert_by_codes(transfer_id: str, kind: str, debit: str, credit: str, amount: int, currency: str, *, code: str,
                     deal_id, milestone_id, meta, savepoint: bool) -> bool:
    """Fast path of :func:`_insert` for a transfer between two existing accounts: one INSERT ... SELECT."""
    params = _params(transfer_id, kind, deal_id, milestone_id, code, meta, amount=amount, currency=currency,
                     pending_id=None, debit=debit, credit=credit)
    return _execute(_by_codes_insert(), transfer_id, None, savepoint, params) is not None


def _resolve_by_id(transfer_id: str, kind: str, pending_id: str, amount: int | None, *, code: str, deal_id,
                   milestone_id, meta, savepoint: bool) -> bool:
    """Fast path of :func:`post_hold` / :func:`void_hold`: one INSERT ... SELECT from the hold itself
    (``amount`` None: all of it), which must exist, be pending and hold at least ``amount``."""
    params = _params(transfer_id, kind, deal_id, milestone_id, code, meta, pending=pending_id,
                     **({} if amount is None else {"amount": amount}))
    return _execute(_by_id_insert(amount is None), transfer_id, pending_id, savepoint, params) is not None


def _insert(transfer_id: str, kind: str, debit: str | None, credit: str | None, amount: int, currency: str, *,
            code: str, pending: LedgerTransfer | None = None, deal_id=None, milestone_id=None, meta=None,
            savepoint: bool = True) -> bool:
    """The careful path: accounts created when missing, a replay compared with what is booked."""
    if pending is not None:
        debit_id, credit_id = pending.debit_account_id, pending.credit_account_id
    else:
        debit_id, credit_id = account(debit, currency).id, account(credit, currency).id
    values = {"id": transfer_id, "kind": kind, "debit_account_id": debit_id, "credit_account_id": credit_id,
              "amount": amount, "currency": currency, "pending_id": pending.id if pending is not None else None,
              "deal_id": deal_id, "milestone_id": milestone_id, "code": code, "meta": meta or {}}
    inserted = _execute(insert(LedgerTransfer).values(**values).on_conflict_do_nothing(index_elements=["id"])
                        .returning(LedgerTransfer.id), transfer_id, values["pending_id"], savepoint)
    if inserted is None:  # replay: must be the very same transfer
        existing = db.session.get(LedgerTransfer, transfer_id)
        same = (existing.kind, existing.debit_account_id, existing.credit_account_id, existing.amount, existing.currency) == (
            kind, debit_id, credit_id, amount, currency)
        if not same:
            raise LedgerError(f"transfer {transfer_id} exists with other figures", code="transfer_mismatch")
        return False
    return True


def _fast(kw: dict) -> dict:
    return {"deal_id": kw.get("deal_id"), "milestone_id": kw.get("milestone_id"), "meta": kw.get("meta"),
            "savepoint": kw.get("savepoint", True)}


def _book(transfer_id: str, kind: str, debit: str, credit: str, amount: int, currency: str, *, code: str,
          **kw) -> bool:
    """Insert a posted or pending transfer between accounts ``debit`` and ``credit``: one statement when both
    exist and the id is new (the common case), else the careful path (create the accounts, compare a replay)."""
    if _insert_by_codes(transfer_id, kind, debit, credit, amount, currency, code=code, **_fast(kw)):
        return True
    return _insert(transfer_id, kind, debit, credit, amount, currency, code=code, **kw)


def transfer(transfer_id: str, debit: str, credit: str, amount: int, currency: str, *, code: str, **kw) -> bool:
    """Post ``amount`` from ``debit`` to ``credit`` now; False when it was already posted.

    :raises LedgerError: an account would be overdrawn, or the id exists with other figures.
    """
    if amount <= 0:
        raise LedgerError("transfers move a positive amount")
    return _book(transfer_id, TransferKind.POSTED, debit, credit, amount, currency, code=code, **kw)


def hold(transfer_id: str, debit: str, credit: str, amount: int, currency: str, *, code: str = PostingCode.HOLD,
         **kw) -> bool:
    """Reserve ``amount`` from ``debit`` for ``credit`` (a pending transfer); False when it was already held.

    :raises LedgerError: ``amount`` is not positive, an account would be overdrawn (counting what is
        already reserved), or the id exists with other figures.
    """
    if amount <= 0:
        raise LedgerError("holds reserve a positive amount")
    return _book(transfer_id, TransferKind.PENDING, debit, credit, amount, currency, code=code, **kw)


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
    if amount is not None and amount <= 0:
        raise LedgerError("a hold posts between 1 and its own amount")
    if _resolve_by_id(transfer_id, TransferKind.POST_PENDING, pending_id, amount, code=code, **_fast(kw)):
        return True
    pending = _pending(pending_id)
    amount = pending.amount if amount is None else amount
    if not 0 < amount <= pending.amount:
        raise LedgerError("a hold posts between 1 and its own amount")
    return _insert(transfer_id, TransferKind.POST_PENDING, None, None, amount, pending.currency, code=code,
                   pending=pending, **kw)


def void_hold(transfer_id: str, pending_id: str, *, code: str = PostingCode.VOID, **kw) -> bool:
    """Cancel a hold; its amount is available again on the debit side."""
    if _resolve_by_id(transfer_id, TransferKind.VOID_PENDING, pending_id, None, code=code, **_fast(kw)):
        return True
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
