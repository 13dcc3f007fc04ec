"""Bank statement import and matching: every incoming credit ends in exactly one state, with its transfers.

Lines are unique per (bank account, bank transaction id): importing the same file again adds nothing.
Ledger, all through the bank clearing asset ``platform:gateway_clearing:bank_transfer`` (``C``):

- exact amount: the deal records the payment (``escrow.payment_received``): ``m<id>.fund`` (C ->
  escrow), held for the vendor.
- under-payment: ``bsl<id>.partial`` C -> ``buyer:<id>:unapplied``; when a top-up brings the credits
  to the amount, the milestone is funded and ``bsl<id>.apply`` returns the earlier credits
  (unapplied -> C), so the milestone is funded once, from the credits received.
- over-payment: the milestone is funded and ``bsl<id>.excess`` C -> ``buyer:<id>:refund_payable``.
- duplicate (the milestone was already paid, or its deal cancelled): ``bsl<id>.duplicate`` C -> buyer
  refund payable, all of it.
- unmatched: ``bsl<id>.suspense`` C -> ``platform:bank_suspense``; an admin assignment books the
  milestone as above and ``bsl<id>.unsuspense`` (suspense -> C) empties the suspense.
- a line for a milestone an admin already confirmed by hand claims that confirmation's
  ``m<id>.fund`` instead of moving money again.

So each line's transfers move exactly its amount into C, net (checked by reconciliation). Deals are
locked through the ``escrow.lock_owner`` hook, always before the lines, in id order.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ....actors import Actor
from ....database import utcnow
from ....errors import ConflictError, InvalidInputError, NotFoundError
from ....extensions import db
from ....http.pagination import paginate
from ....http.uploads import safe_filename
from ... import ledger
from ... import services as escrow
from ...ledger import MilestoneStep, StatementLineStep
from ...models import LedgerTransfer, Milestone, MilestoneStatus
from .gateway import GATEWAY
from .models import BankStatementImport, BankStatementLine, LineState, UnmatchedReason
from .parsing import parse_statement, reference_candidates


def _find_milestone(memo: str) -> tuple[Milestone | None, str | None, str | None]:
    """(milestone, its reference, reason when none) for a memo."""
    candidates, reason = reference_candidates(memo)
    if not candidates:
        return None, None, reason
    rows = list(db.session.execute(select(Milestone).where(Milestone.payment_reference.in_(candidates))).scalars())
    if len(rows) > 1:
        return None, None, UnmatchedReason.AMBIGUOUS_REFERENCE
    if not rows:
        return None, None, UnmatchedReason.UNKNOWN_REFERENCE
    return rows[0], rows[0].payment_reference, None


# --- booking ------------------------------------------------------------------------------------


def _claimed_by(transfer_id: str) -> BankStatementLine | None:
    return db.session.execute(
        select(BankStatementLine).where(BankStatementLine.transfer_ids.contains([transfer_id])).limit(1)
    ).scalar_one_or_none()


def _unclaimed_confirmation(m: Milestone, amount: int) -> str | None:
    """The id of ``m``'s fund transfer when an admin confirmed it by hand and no line backs it yet."""
    fund_id = ledger.milestone_transfer(m.id, MilestoneStep.FUND)
    fund = db.session.get(LedgerTransfer, fund_id)
    if fund is None or "confirmed_by" not in (fund.meta or {}) or fund.amount != amount:
        return None
    return None if _claimed_by(fund_id) else fund_id


def _prior_credits(m: Milestone) -> int:
    return int(db.session.execute(
        select(func.coalesce(func.sum(BankStatementLine.applied_amount), 0)).where(BankStatementLine.milestone_id == m.id)
    ).scalar_one())


def _post(line: BankStatementLine, step: StatementLineStep, debit: str, credit: str, amount: int, deal) -> None:
    transfer_id = ledger.statement_line_transfer(line.id, step)
    ledger.transfer(transfer_id, debit, credit, amount, line.currency, code=ledger.STATEMENT_LINE_CODES[step],
                    deal_id=deal.id if deal else None, milestone_id=line.milestone_id,
                    meta={"statement_line_id": line.id, "bank_transaction_id": line.bank_transaction_id})
    line.transfer_ids = [*line.transfer_ids, transfer_id]


def _why_not_payable(deal, m: Milestone, currency: str) -> UnmatchedReason | None:
    if currency != deal.currency:
        return UnmatchedReason.CURRENCY_MISMATCH
    if deal.gateway != GATEWAY:
        return UnmatchedReason.WRONG_GATEWAY
    if m.takes_payment() and deal.accepts_payment(m):
        return None
    if m.status in (MilestoneStatus.AWAITING_PAYMENT, MilestoneStatus.CANCELLED):
        return UnmatchedReason.DEAL_NOT_PAYABLE  # cancelled or refunded: this milestone will never take money
    return UnmatchedReason.MILESTONE_NOT_PAYABLE


def _allocate(line: BankStatementLine, deal, m: Milestone) -> str:
    """Credit ``line`` to an awaiting milestone: partial, exact or over. The deal is locked. Returns the state."""
    clearing = ledger.clearing_account(GATEWAY)
    unapplied = ledger.unapplied_account(deal.buyer_id)
    prior = _prior_credits(m)
    total = prior + line.amount
    line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
    if total < m.amount:
        _post(line, StatementLineStep.PARTIAL, clearing, unapplied, line.amount, deal)
        line.applied_amount = line.amount
        return LineState.PARTIAL
    # fund first: it debits the clearing asset, so the credits below never dip it
    escrow.report_payment(deal.id, m.id, m.amount, line.currency, GATEWAY,
                          {"reference": m.payment_reference, "statement_line_id": line.id})
    line.transfer_ids = [*line.transfer_ids, ledger.milestone_transfer(m.id, MilestoneStep.FUND)]
    if prior:
        _post(line, StatementLineStep.APPLY, unapplied, clearing, prior, deal)
    excess = total - m.amount
    line.applied_amount = line.amount - excess
    if excess:
        _post(line, StatementLineStep.EXCESS, clearing, ledger.buyer_refund_payable(deal.buyer_id), excess, deal)
        line.excess_amount = excess
        return LineState.EXCESS
    return LineState.MATCHED


def _book(line: BankStatementLine, m: Milestone | None, reason: str | None, deal) -> None:
    """Decide and book one new line. ``deal`` (the milestone's, if any) is already locked."""
    clearing = ledger.clearing_account(GATEWAY)
    if m is not None:
        db.session.refresh(m)  # its deal is locked now: read the status no one else can change
        reason = _why_not_payable(deal, m, line.currency)
        if (reason in (UnmatchedReason.MILESTONE_NOT_PAYABLE, UnmatchedReason.DEAL_NOT_PAYABLE)
                and m.status != MilestoneStatus.PENDING):
            # the buyer is known and owes nothing more here: the money is theirs to get back
            confirmation = (_unclaimed_confirmation(m, line.amount)
                            if reason == UnmatchedReason.MILESTONE_NOT_PAYABLE else None)
            line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
            if confirmation:  # the admin confirmed this very payment by hand: back it, move nothing
                line.transfer_ids = [confirmation]
                line.applied_amount = line.amount
                line.state = LineState.MATCHED
                return
            line.reason = reason
            _post(line, StatementLineStep.DUPLICATE, clearing, ledger.buyer_refund_payable(deal.buyer_id), line.amount,
                  deal)
            line.excess_amount = line.amount
            line.state = LineState.DUPLICATE
            return
        if reason is None:
            line.state = _allocate(line, deal, m)
            return
    line.reason = reason
    _post(line, StatementLineStep.SUSPENSE, clearing, ledger.SUSPENSE, line.amount, None)
    line.state = LineState.UNMATCHED


def _lock_deals(deal_ids) -> dict:
    """Lock the deals, in id order (concurrent imports never deadlock); returns them by id."""
    return {deal_id: escrow.lock_owner(deal_id) for deal_id in sorted(set(deal_ids))}


def import_statement(actor: Actor, raw: bytes, filename: str | None, bank_account: str | None = None):
    """Import a statement file: store its new lines and book each of them. Returns (import, new lines).

    :raises InvalidInputError: the file is malformed, or re-uses a bank transaction id with other figures.
    :raises ConflictError: a deal refused a payment (nothing is booked then).
    """
    parsed = parse_statement(raw)
    bank_account = (bank_account or current_app.config["BANK_ACCOUNT_NUMBER"]).strip()
    ids = [p.transaction_id for p in parsed]
    known = {
        row.bank_transaction_id: (row.amount, row.currency, row.booked_on) for row in db.session.execute(
            select(BankStatementLine).where(BankStatementLine.bank_account == bank_account,
                                            BankStatementLine.bank_transaction_id.in_(ids))
        ).scalars()
    } if ids else {}
    clashes = {str(p.row): {"transaction_id": ["already imported with other figures"]} for p in parsed
               if known.get(p.transaction_id, (p.amount, p.currency, p.booked_on)) != (p.amount, p.currency, p.booked_on)}
    if clashes:
        raise InvalidInputError("the statement contradicts lines imported before; nothing was imported",
                                fields={"rows": clashes})
    record = BankStatementImport(bank_account=bank_account, filename=safe_filename(filename, "statement.csv"),
                                 sha256=hashlib.sha256(raw).hexdigest(), imported_by=actor.user_id,
                                 lines_total=len(parsed), lines_new=0)
    db.session.add(record)
    db.session.flush()
    new_ids = []
    for p in parsed:
        new_id = db.session.execute(
            insert(BankStatementLine).values(
                import_id=record.id, bank_account=bank_account, bank_transaction_id=p.transaction_id,
                booked_on=p.booked_on, amount=p.amount, currency=p.currency, description=p.description,
                state=LineState.UNMATCHED, applied_amount=0, excess_amount=0, transfer_ids=[],
                created_at=utcnow(), updated_at=utcnow(),
            ).on_conflict_do_nothing(index_elements=["bank_account", "bank_transaction_id"]).returning(BankStatementLine.id)
        ).scalar_one_or_none()
        if new_id is not None:  # None: seen in an earlier import, already booked
            new_ids.append(new_id)
    record.lines_new = len(new_ids)
    lines = list(db.session.execute(
        select(BankStatementLine).where(BankStatementLine.id.in_(new_ids))
        .order_by(BankStatementLine.booked_on, BankStatementLine.id)
    ).scalars()) if new_ids else []
    found = [(line, *_find_milestone(line.description)) for line in lines]
    deals = _lock_deals(m.deal_id for _, m, _, _ in found if m is not None)
    for line, m, reference, reason in found:
        line.reference = reference
        _book(line, m, reason, deals.get(m.deal_id) if m is not None else None)
    db.session.flush()
    return {"statement": record, "lines": lines}


def get_line(line_id: int, lock: bool = False) -> BankStatementLine:
    """One statement line (``lock``: FOR UPDATE).

    :raises NotFoundError: no such line.
    """
    stmt = select(BankStatementLine).where(BankStatementLine.id == line_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    line = db.session.execute(stmt).scalar_one_or_none()
    if line is None:
        raise NotFoundError("no such statement line")
    return line


def list_lines(params: dict) -> dict:
    """One page of statement lines, oldest first, optionally in one ``state``."""
    stmt = select(BankStatementLine)
    if params.get("state"):
        stmt = stmt.where(BankStatementLine.state == params["state"])
    return paginate(stmt, params, BankStatementLine.id)


def assign_line(actor: Actor, line_id: int, milestone_id: int | None = None,
                reference: str | None = None) -> BankStatementLine:
    """An admin assigns an unmatched line to a milestone: the suspense money funds it (or tops it up).

    Assigning the same line to the same milestone again is a no-op.

    :raises NotFoundError: unknown line or milestone.
    :raises ConflictError: the line is not unmatched, or the milestone cannot take this payment.
    """
    line = get_line(line_id)
    m = escrow.find_milestone(milestone_id, reference)
    deal = escrow.lock_owner(m.deal_id)  # deal before line: the same order as the import
    line = get_line(line_id, lock=True)
    db.session.refresh(m)
    if line.state == LineState.ASSIGNED and line.milestone_id == m.id:
        return line
    if line.state != LineState.UNMATCHED:
        raise ConflictError(f"the line is {line.state}; only unmatched lines can be assigned", code="line_not_unmatched")
    clearing = ledger.clearing_account(GATEWAY)
    reason = _why_not_payable(deal, m, line.currency)
    confirmation = _unclaimed_confirmation(m, line.amount) if reason == UnmatchedReason.MILESTONE_NOT_PAYABLE else None
    if reason and not confirmation:
        raise ConflictError(f"this milestone cannot take the payment ({reason})", code=reason)
    if confirmation:
        line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
        line.transfer_ids = [*line.transfer_ids, confirmation]
        line.applied_amount = line.amount
    else:
        _allocate(line, deal, m)
    # the suspense is emptied last, after the allocation debited the clearing asset
    _post(line, StatementLineStep.UNSUSPENSE, ledger.SUSPENSE, clearing, line.amount, deal)
    line.reference = m.payment_reference
    line.state = LineState.ASSIGNED
    line.assigned_by = actor.user_id
    line.assigned_at = utcnow()
    db.session.flush()
    return line
