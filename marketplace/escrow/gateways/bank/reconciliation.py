"""Reconciling ``bank_transfer``: the bank clearing account vs the imported statement lines."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select

from ....extensions import db
from ....money import format_amount
from ... import ledger
from ...ledger import PostingCode
from ...models import (
    LedgerAccount,
    LedgerTransfer,
    Milestone,
    MilestoneStatus,
    MismatchKind,
    TransferKind,
)
from ...reconciliation import Mismatch
from .gateway import GATEWAY
from .models import BankStatementLine, LineState

_MOVES = (TransferKind.POSTED, TransferKind.POST_PENDING)
SUSPENSE = ledger.SUSPENSE


def reconcile_bank_transfer() -> tuple[dict, list[Mismatch]]:
    """Bank clearing account vs imported statement lines, line by line and in total, per currency.

    Returns (summary per currency, mismatches), as every reconciler does.
    """
    src = GATEWAY
    out: list[Mismatch] = []
    clearing = {a.id: a for a in db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code == ledger.clearing_account(GATEWAY))).scalars()}
    transfers = {t.id: t for t in db.session.execute(
        select(LedgerTransfer).where(LedgerTransfer.kind.in_(_MOVES), or_(
            LedgerTransfer.debit_account_id.in_(clearing), LedgerTransfer.credit_account_id.in_(clearing)))
    ).scalars()} if clearing else {}

    def into_clearing(t: LedgerTransfer) -> int:
        return t.amount if t.debit_account_id in clearing else -t.amount

    received = defaultdict(int)  # ledger: money in through the bank (payouts excluded)
    paid_out = defaultdict(int)
    for t in transfers.values():
        if t.code == PostingCode.PAYOUT:
            paid_out[t.currency] += t.amount
        else:
            received[t.currency] += into_clearing(t)

    lines = list(db.session.execute(select(BankStatementLine).order_by(BankStatementLine.id)).scalars())
    statement = defaultdict(int)
    claimed: set[str] = set()
    for line in lines:
        statement[line.currency] += line.amount
        claimed.update(line.transfer_ids)
        booked = [transfers.get(tid) for tid in line.transfer_ids]
        if not line.transfer_ids or any(t is None for t in booked):
            out.append(Mismatch(src, MismatchKind.LINE_WITHOUT_LEDGER, f"line:{line.id}",
                                f"statement line {line.bank_transaction_id} has no (or missing) ledger transfers",
                                line.currency, line.amount, sum(into_clearing(t) for t in booked if t)))
            continue
        net = sum(into_clearing(t) for t in booked)
        if net != line.amount:
            out.append(Mismatch(src, MismatchKind.LINE_AMOUNT_MISMATCH, f"line:{line.id}",
                                f"statement line {line.bank_transaction_id} moved {net} into the bank account, not {line.amount}",
                                line.currency, line.amount, net))
        if line.state == LineState.UNMATCHED:
            out.append(Mismatch(src, MismatchKind.UNASSIGNED_SUSPENSE, f"line:{line.id}",
                                f"statement line {line.bank_transaction_id} ({line.reason}) waits in suspense for an admin",
                                line.currency, line.amount, None))

    unbacked = defaultdict(int)
    for t in transfers.values():
        if t.code != PostingCode.FUND or t.debit_account_id not in clearing or t.id in claimed:
            continue
        if "confirmed_by" in (t.meta or {}):
            unbacked[t.currency] += t.amount
            out.append(Mismatch(src, MismatchKind.CONFIRMATION_WITHOUT_STATEMENT, f"transfer:{t.id}",
                                f"an admin confirmed {t.meta.get('reference')} but no statement line shows the money",
                                t.currency, None, t.amount))
        else:
            unbacked[t.currency] += t.amount
            out.append(Mismatch(src, MismatchKind.FUND_WITHOUT_SOURCE, f"transfer:{t.id}",
                                "a bank-transfer funding has neither a statement line nor an admin confirmation",
                                t.currency, None, t.amount))

    currencies = sorted(set(received) | set(statement) | set(paid_out))
    summary: dict[str, dict] = {}
    for cur in currencies:
        explained = received[cur] - unbacked[cur]
        if explained != statement[cur]:
            out.append(Mismatch(src, MismatchKind.CLEARING_TOTAL_MISMATCH, f"account:{ledger.clearing_account(GATEWAY)}",
                                "money received per the ledger (less unbacked confirmations) differs from the statements",
                                cur, statement[cur], explained))
        figures = {"statement_received": statement[cur], "ledger_received": received[cur],
                   "confirmed_without_statement": unbacked[cur], "paid_out": paid_out[cur],
                   "clearing_balance": ledger.balance(ledger.clearing_account(GATEWAY), cur),
                   "suspense": ledger.balance(SUSPENSE, cur)}
        summary[cur] = {k: format_amount(v, cur) for k, v in figures.items()}  # the API's decimal strings

    # suspense and unapplied credits must be explained by lines still waiting
    waiting_suspense = defaultdict(int)
    waiting_unapplied = defaultdict(int)
    milestone_status = dict(db.session.execute(
        select(Milestone.id, Milestone.status).where(Milestone.id.in_({l.milestone_id for l in lines if l.milestone_id}))
    ).all()) if lines else {}
    for line in lines:
        if line.state == LineState.UNMATCHED:
            waiting_suspense[line.currency] += line.amount
        elif line.applied_amount and milestone_status.get(line.milestone_id) == MilestoneStatus.AWAITING_PAYMENT:
            waiting_unapplied[(line.buyer_id, line.currency)] += line.applied_amount
    for cur in sorted(set(waiting_suspense) | set(currencies)):
        if ledger.balance(SUSPENSE, cur) != waiting_suspense[cur]:
            out.append(Mismatch(src, MismatchKind.SUSPENSE_BALANCE_MISMATCH, f"account:{SUSPENSE}",
                                "the suspense account does not equal the unmatched lines", cur,
                                waiting_suspense[cur], ledger.balance(SUSPENSE, cur)))
    unapplied = db.session.execute(
        select(LedgerAccount).where(LedgerAccount.code.like(ledger.UNAPPLIED_ACCOUNTS),
                                    LedgerAccount.credits_posted - LedgerAccount.debits_posted != 0)).scalars()
    seen = set()
    for acct in unapplied:
        buyer_id = ledger.payable_owner(acct.code)[1]
        seen.add((buyer_id, acct.currency))
        if acct.balance() != waiting_unapplied[(buyer_id, acct.currency)]:
            out.append(Mismatch(src, MismatchKind.STRANDED_PARTIAL_CREDIT, f"account:{acct.code}",
                                "partial payments are held for milestones that are no longer awaiting payment",
                                acct.currency, waiting_unapplied[(buyer_id, acct.currency)], acct.balance()))
    for (buyer_id, cur), amount in waiting_unapplied.items():
        if (buyer_id, cur) not in seen and amount:
            out.append(Mismatch(src, MismatchKind.STRANDED_PARTIAL_CREDIT, f"account:{ledger.unapplied_account(buyer_id)}",
                                "partial payments recorded on statement lines are missing from the ledger", cur, amount, 0))
    return summary, out
