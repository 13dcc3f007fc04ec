"""The double-entry ledger: accounts, posted and pending transfers, balances and invariants.

Every function flushes but never commits. Transfer ids are deterministic, so calling the same
operation twice (a retried job, a double click) inserts nothing the second time; a replay with
different figures is refused loudly, because it means two code paths disagree about money.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..errors import ConflictError
from ..extensions import db
from .models import AccountKind, LedgerAccount, LedgerTransfer, TransferKind

#: account-code prefixes and their kind
_KINDS = (
    ("platform:gateway_clearing", AccountKind.ASSET),
    ("platform:commission", AccountKind.REVENUE),
)


class LedgerError(ConflictError):
    code = "ledger_refused"


def kind_of(code: str) -> str:
    for prefix, kind in _KINDS:
        if code.startswith(prefix):
            return kind
    return AccountKind.LIABILITY


def escrow_account(deal_id: int) -> str:
    return f"escrow:deal:{deal_id}"


def vendor_payable(vendor_id: int) -> str:
    return f"vendor:{vendor_id}:payable"


def buyer_refund_payable(buyer_id: int) -> str:
    return f"buyer:{buyer_id}:refund_payable"


def clearing_account(gateway: str) -> str:
    return f"platform:gateway_clearing:{gateway}"


COMMISSION = "platform:commission"


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


def hold(transfer_id: str, debit: str, credit: str, amount: int, currency: str, *, code: str = "hold", **kw) -> bool:
    """Reserve ``amount`` from ``debit`` for ``credit`` (a pending transfer)."""
    if amount <= 0:
        raise LedgerError("holds reserve a positive amount")
    return _insert(transfer_id, TransferKind.PENDING, debit, credit, amount, currency, code=code, **kw)


def _pending(pending_id: str) -> LedgerTransfer:
    pending = db.session.get(LedgerTransfer, pending_id)
    if pending is None or pending.kind != TransferKind.PENDING:
        raise LedgerError(f"no hold {pending_id}")
    return pending


def post_hold(transfer_id: str, pending_id: str, amount: int | None = None, *, code: str = "release", **kw) -> bool:
    """Complete a hold for ``amount`` (default: all of it); what is not posted returns to the debit side.

    :raises LedgerError: the hold is already resolved by another transfer, or ``amount`` exceeds it.
    """
    pending = _pending(pending_id)
    amount = pending.amount if amount is None else amount
    if not 0 < amount <= pending.amount:
        raise LedgerError("a hold posts between 1 and its own amount")
    return _insert(transfer_id, TransferKind.POST_PENDING, None, None, amount, pending.currency, code=code,
                   pending=pending, **kw)


def void_hold(transfer_id: str, pending_id: str, *, code: str = "void", **kw) -> bool:
    """Cancel a hold; its amount is available again on the debit side."""
    pending = _pending(pending_id)
    return _insert(transfer_id, TransferKind.VOID_PENDING, None, None, pending.amount, pending.currency, code=code,
                   pending=pending, **kw)


def resolution_of(pending_id: str) -> LedgerTransfer | None:
    return db.session.execute(select(LedgerTransfer).where(LedgerTransfer.pending_id == pending_id)).scalar_one_or_none()


def balance(code: str, currency: str) -> int:
    row = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    ).scalar_one_or_none()
    return row.balance() if row else 0


# --- reports and invariants ---------------------------------------------------------------------


def trial_balance() -> dict[str, dict[str, int]]:
    """Per currency: total debits and credits posted (equal in a sound ledger) and pending."""
    rows = db.session.execute(
        select(LedgerAccount.currency, func.sum(LedgerAccount.debits_posted), func.sum(LedgerAccount.credits_posted),
               func.sum(LedgerAccount.debits_pending), func.sum(LedgerAccount.credits_pending))
        .group_by(LedgerAccount.currency)
    ).all()
    return {c: {"debits": int(d), "credits": int(cr), "debits_pending": int(dp), "credits_pending": int(cp)}
            for c, d, cr, dp, cp in rows}


def recomputed_balances() -> dict[int, dict[str, int]]:
    """Account balances recomputed from the transfers alone (to check the trigger's running totals)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"dp": 0, "cp": 0, "dpe": 0, "cpe": 0})
    transfers = {t.id: t for t in db.session.execute(select(LedgerTransfer)).scalars()}
    for t in transfers.values():
        if t.kind == TransferKind.POSTED:
            out[t.debit_account_id]["dp"] += t.amount
            out[t.credit_account_id]["cp"] += t.amount
        elif t.kind == TransferKind.PENDING:
            out[t.debit_account_id]["dpe"] += t.amount
            out[t.credit_account_id]["cpe"] += t.amount
        else:
            p = transfers[t.pending_id]
            out[p.debit_account_id]["dpe"] -= p.amount
            out[p.credit_account_id]["cpe"] -= p.amount
            if t.kind == TransferKind.POST_PENDING:
                out[p.debit_account_id]["dp"] += t.amount
                out[p.credit_account_id]["cp"] += t.amount
    return out


def deal_ledger(deal_id: int) -> list[LedgerTransfer]:
    return list(db.session.execute(
        select(LedgerTransfer).where(LedgerTransfer.deal_id == deal_id).order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    ).scalars())


def deal_ledger_with_accounts(deal_id: int) -> list[tuple[LedgerTransfer, str, str]]:
    """A deal's transfers with the codes of their debit and credit accounts."""
    debit, credit = aliased(LedgerAccount), aliased(LedgerAccount)
    return [tuple(row) for row in db.session.execute(
        select(LedgerTransfer, debit.code, credit.code)
        .join(debit, debit.id == LedgerTransfer.debit_account_id)
        .join(credit, credit.id == LedgerTransfer.credit_account_id)
        .where(LedgerTransfer.deal_id == deal_id).order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    ).all()]


def deal_summary(deal_id: int, currency: str) -> dict[str, int]:
    """funded, released (net to vendor), commission, refunded and held for one deal, from the ledger."""
    escrow = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == escrow_account(deal_id), LedgerAccount.currency == currency)
    ).scalar_one_or_none()
    sums = defaultdict(int)
    for t in deal_ledger(deal_id):
        if t.kind != TransferKind.VOID_PENDING and t.kind != TransferKind.PENDING:
            sums[t.code] += t.amount
    released_gross = sums["release"]
    return {
        "funded": sums["fund"],
        "released": released_gross - sums["commission"],
        "commission": sums["commission"],
        "refunded": sums["refund"],
        "held": escrow.balance() if escrow else 0,
    }


def total_held(currency: str | None = None) -> dict[str, int]:
    stmt = select(LedgerAccount.currency, func.sum(LedgerAccount.credits_posted - LedgerAccount.debits_posted)).where(
        LedgerAccount.code.like("escrow:%")).group_by(LedgerAccount.currency)
    if currency:
        stmt = stmt.where(LedgerAccount.currency == currency)
    return {c: int(v) for c, v in db.session.execute(stmt).all()}


def payable_balances(prefix: str = "vendor:") -> list[dict]:
    rows = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code.like(f"{prefix}%")).order_by(LedgerAccount.code)
    ).scalars()
    return [{"account": a.code, "currency": a.currency, "balance": a.balance()} for a in rows]


def accounts_matching(*codes: str) -> list[LedgerAccount]:
    return list(db.session.execute(select(LedgerAccount).where(or_(*(LedgerAccount.code == c for c in codes)))).scalars())
