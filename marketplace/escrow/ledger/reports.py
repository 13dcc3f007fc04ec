"""Ledger reports and invariants: trial balance, money held, payables, one deal's transfers and summary."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...http.pagination import paginate
from ..models import LedgerAccount, LedgerTransfer, TransferKind
from .accounts import ESCROW_ACCOUNTS, VENDOR_PAYABLES, PostingCode, escrow_account


def trial_balance_report() -> dict[str, dict[str, dict]]:
    """``{"currencies": {code: row}}``: the trial balance, each row with its ``currency`` and ``balanced``."""
    return {"currencies": {cur: {**row, "currency": cur, "balanced": row["debits"] == row["credits"]}
                           for cur, row in trial_balance().items()}}


def held_report() -> dict[str, list[dict]]:
    """``{"held": rows}``: money held in escrow, one ``{"currency", "amount"}`` row per currency."""
    return {"held": [{"currency": c, "amount": v} for c, v in total_held().items()]}


def deal_report(deal) -> dict:
    """One deal's ledger: its summary and every transfer with its account codes (``deal``: id, currency)."""
    summary = {**deal_summary(deal.id, deal.currency), "currency": deal.currency}
    return {"deal_id": deal.id, "currency": deal.currency, "summary": summary,
            "transfers": deal_ledger_with_accounts(deal.id)}


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
    """A deal's transfers, oldest first."""
    return list(db.session.execute(
        select(LedgerTransfer).where(LedgerTransfer.deal_id == deal_id).order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    ).scalars())


def deal_ledger_with_accounts(deal_id: int) -> list:
    """A deal's transfers (rows with the transfer's columns and ``debit`` / ``credit`` account codes)."""
    debit, credit = aliased(LedgerAccount), aliased(LedgerAccount)
    return list(db.session.execute(
        select(LedgerTransfer.id, LedgerTransfer.kind, LedgerTransfer.code, LedgerTransfer.amount,
               LedgerTransfer.currency, LedgerTransfer.pending_id, LedgerTransfer.milestone_id,
               LedgerTransfer.created_at, debit.code.label("debit"), credit.code.label("credit"))
        .join(debit, debit.id == LedgerTransfer.debit_account_id)
        .join(credit, credit.id == LedgerTransfer.credit_account_id)
        .where(LedgerTransfer.deal_id == deal_id).order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    ).all())


def deal_summary(deal_id: int, currency: str) -> dict[str, int]:
    """funded, released (net to vendor), commission, refunded and held for one deal, from the ledger."""
    escrow = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == escrow_account(deal_id), LedgerAccount.currency == currency)
    ).scalar_one_or_none()
    sums = defaultdict(int)
    for t in deal_ledger(deal_id):
        if t.kind != TransferKind.VOID_PENDING and t.kind != TransferKind.PENDING:
            sums[t.code] += t.amount
    released_gross = sums[PostingCode.RELEASE]
    return {
        "funded": sums[PostingCode.FUND],
        "released": released_gross - sums[PostingCode.COMMISSION],
        "commission": sums[PostingCode.COMMISSION],
        "refunded": sums[PostingCode.REFUND],
        "held": escrow.balance() if escrow else 0,
    }


def total_held(currency: str | None = None) -> dict[str, int]:
    """Money held in escrow accounts, per currency."""
    stmt = select(LedgerAccount.currency, func.sum(LedgerAccount.credits_posted - LedgerAccount.debits_posted)).where(
        LedgerAccount.code.like(ESCROW_ACCOUNTS)).group_by(LedgerAccount.currency)
    if currency:
        stmt = stmt.where(LedgerAccount.currency == currency)
    return {c: int(v) for c, v in db.session.execute(stmt).all()}


def _payable(account: LedgerAccount) -> dict:
    return {"account": account.code, "currency": account.currency, "balance": account.balance()}


def list_payables(params: dict) -> dict:
    """One page of the vendors' payable balances (what the platform owes them), by account code.

    :raises InvalidInputError: a bad cursor.
    """
    stmt = select(LedgerAccount).where(LedgerAccount.code.like(VENDOR_PAYABLES))
    page = paginate(stmt, params, LedgerAccount.code, LedgerAccount.id, order="code")
    return {**page, "items": [_payable(a) for a in page["items"]]}
