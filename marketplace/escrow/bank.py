"""Bank statement import and matching: every incoming credit ends in exactly one state, with its transfers.

CSV layout accepted by :func:`parse_statement` (and ``POST /admin/bank-statements``):

- UTF-8 text (a byte-order mark is fine), comma- or semicolon-separated, one header row; header
  names are case-insensitive and extra columns are ignored.
- ``date``: booking date, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (aliases ``booking_date``, ``value_date``).
- ``amount``: a plain decimal with ``.`` as decimal point and no thousands separators, greater
  than zero (the import takes incoming credits only; payouts are booked by marking them paid), with
  at most the currency's decimals (VND none, USD two, KWD three).
- ``currency``: an ISO 4217 code known to :mod:`marketplace.money`.
- ``description``: the transfer memo (aliases ``memo``, ``narrative``, ``details``, ``remarks``).
- ``transaction_id``: the bank's unique id of the line (aliases ``bank_transaction_id``, ``txn_id``, ``id``).

A file with any bad row is refused whole (422, nothing imported). Lines are unique per (bank account,
bank transaction id): importing the same file again adds nothing.

Ledger, all through the bank clearing asset ``platform:gateway_clearing:bank_transfer`` (``C``):

- exact amount: ``record_payment`` books ``m<id>.fund`` (C -> escrow) and holds it for the vendor.
- under-payment: ``bsl<id>.partial`` C -> ``buyer:<id>:unapplied``; when a top-up brings the credits
  to the amount, ``record_payment`` funds the milestone and ``bsl<id>.apply`` returns the earlier
  credits (unapplied -> C), so the milestone is funded once, from the credits received.
- over-payment: the milestone is funded and ``bsl<id>.excess`` C -> ``buyer:<id>:refund_payable``.
- duplicate (the milestone was already paid, or its deal cancelled): ``bsl<id>.duplicate`` C -> buyer
  refund payable, all of it.
- unmatched: ``bsl<id>.suspense`` C -> ``platform:bank_suspense``; an admin assignment books the
  milestone as above and ``bsl<id>.unsuspense`` (suspense -> C) empties the suspense.
- a line for a milestone an admin already confirmed by hand claims that confirmation's
  ``m<id>.fund`` instead of moving money again.

So each line's transfers move exactly its amount into C, net (checked by reconciliation).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ..database import utcnow
from ..deals.models import Deal, DealStatus, Milestone, MilestoneStatus
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..money import MoneyError, exponent, parse_amount
from ..statemachine import Actor
from . import ledger
from .bank_models import BankStatementImport, BankStatementLine, LineState
from .gateways import reference_is_valid
from .models import LedgerTransfer

GATEWAY = "bank_transfer"
SUSPENSE = "platform:bank_suspense"
MAX_ROWS = 20_000

#: canonical column -> accepted header names
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "booking_date", "value_date", "transaction_date"),
    "amount": ("amount", "credit"),
    "currency": ("currency", "ccy"),
    "description": ("description", "memo", "narrative", "details", "remarks"),
    "transaction_id": ("transaction_id", "bank_transaction_id", "txn_id", "id"),
}


def unapplied_account(buyer_id: int) -> str:
    return f"buyer:{buyer_id}:unapplied"


@dataclass(frozen=True)
class ParsedLine:
    row: int  #: line number in the file (the header is line 1)
    booked_on: date
    amount: int  #: minor units
    currency: str
    description: str
    transaction_id: str


# --- parsing ------------------------------------------------------------------------------------


def _parse_date(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%d/%m/%Y").date()


def parse_statement(raw: bytes) -> list[ParsedLine]:
    """Parse and validate a whole statement file; nothing is written.

    :raises InvalidInputError: wrong encoding, missing columns, or any bad row (all rows are reported).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("the statement must be UTF-8 text", fields={"file": ["not UTF-8 encoded"]}) from None
    if "\x00" in text:
        raise InvalidInputError("the statement must be CSV text", fields={"file": ["binary content"]})
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InvalidInputError("the statement is not valid CSV", fields={"file": [str(exc)]}) from None
    if not rows:
        raise InvalidInputError("the statement is empty", fields={"file": ["no header row"]})
    header = [h.strip().lower() for h in rows[0]]
    index: dict[str, int] = {}
    for column, names in COLUMNS.items():
        found = next((header.index(n) for n in names if n in header), None)
        if found is not None:
            index[column] = found
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise InvalidInputError(f"the statement lacks the columns: {', '.join(missing)}",
                                fields={"file": [f"missing columns: {', '.join(missing)}"]})
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidInputError(f"at most {MAX_ROWS} rows per file", fields={"file": ["too many rows"]})
    errors: dict[str, dict[str, list[str]]] = {}
    parsed: list[ParsedLine] = []
    seen: set[str] = set()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row_errors: dict[str, list[str]] = {}
        if len(cells) < len(header):
            errors[str(number)] = {"_row": [f"{len(cells)} cells, the header has {len(header)}"]}
            continue
        value = {c: cells[i].strip() for c, i in index.items()}
        currency = value["currency"].upper()
        try:
            exponent(currency)
        except MoneyError:
            row_errors["currency"] = [f"unknown currency {value['currency']!r}"]
        amount = None
        if "currency" not in row_errors:
            try:
                amount = parse_amount(value["amount"], currency)
                if amount <= 0:
                    row_errors["amount"] = ["only incoming credits (amount > 0) are imported"]
            except MoneyError as exc:
                row_errors["amount"] = [str(exc)]
        try:
            booked_on = _parse_date(value["date"])
        except ValueError:
            row_errors["date"] = ["use YYYY-MM-DD or DD/MM/YYYY"]
        txn = value["transaction_id"]
        if not txn or len(txn) > 128:
            row_errors["transaction_id"] = ["required, at most 128 characters"]
        elif txn in seen:
            row_errors["transaction_id"] = ["appears twice in this file"]
        seen.add(txn)
        if row_errors:
            errors[str(number)] = row_errors
            continue
        parsed.append(ParsedLine(number, booked_on, amount, currency, value["description"], txn))
    if errors:
        raise InvalidInputError(f"{len(errors)} row(s) of the statement are invalid; nothing was imported",
                                fields={"rows": errors})
    return parsed


# --- references ---------------------------------------------------------------------------------


def reference_candidates(memo: str) -> tuple[list[str], str | None]:
    """Payment references with valid check digits found in a memo, tolerant of what banks do to it.

    Banks upper- or lower-case memos, insert spaces, dashes and dots, and glue on their own digits;
    so the memo is reduced to letters and digits and every split of the digits after ``M`` whose
    check digits hold is a candidate. Returns (candidates, reason when there are none).
    """
    compact = re.sub(r"[^A-Z0-9]", "", (memo or "").upper())
    if "MKP" not in compact:
        return [], "no_reference"
    found: list[str] = []
    for match in re.finditer(r"MKP(\d+)M(\d+)", compact):
        deal, tail = match.group(1), match.group(2)
        if deal.startswith("0"):
            continue
        for i in range(1, len(tail) - 1):
            seq = tail[:i]
            candidate = f"MKP{deal}M{seq}{tail[i:i + 2]}"
            if not seq.startswith("0") and reference_is_valid(candidate) and candidate not in found:
                found.append(candidate)
    return found, (None if found else "bad_check_digits")


def _find_milestone(memo: str) -> tuple[Milestone | None, str | None, str | None]:
    """(milestone, its reference, reason when none) for a memo."""
    candidates, reason = reference_candidates(memo)
    if not candidates:
        return None, None, reason
    rows = list(db.session.execute(select(Milestone).where(Milestone.payment_reference.in_(candidates))).scalars())
    if len(rows) > 1:
        return None, None, "ambiguous_reference"
    if not rows:
        return None, None, "unknown_reference"
    return rows[0], rows[0].payment_reference, None


# --- booking ------------------------------------------------------------------------------------


def _claimed_by(transfer_id: str) -> BankStatementLine | None:
    return db.session.execute(
        select(BankStatementLine).where(BankStatementLine.transfer_ids.contains([transfer_id])).limit(1)
    ).scalar_one_or_none()


def _unclaimed_confirmation(m: Milestone, amount: int) -> str | None:
    """The id of ``m``'s fund transfer when an admin confirmed it by hand and no line backs it yet."""
    fund_id = f"m{m.id}.fund"
    fund = db.session.get(LedgerTransfer, fund_id)
    if fund is None or "confirmed_by" not in (fund.meta or {}) or fund.amount != amount:
        return None
    return None if _claimed_by(fund_id) else fund_id


def _prior_credits(m: Milestone) -> int:
    return int(db.session.execute(
        select(func.coalesce(func.sum(BankStatementLine.applied_amount), 0)).where(BankStatementLine.milestone_id == m.id)
    ).scalar_one())


def _post(line: BankStatementLine, name: str, debit: str, credit: str, amount: int, code: str,
          deal: Deal | None) -> None:
    transfer_id = f"bsl{line.id}.{name}"
    ledger.transfer(transfer_id, debit, credit, amount, line.currency, code=code,
                    deal_id=deal.id if deal else None, milestone_id=line.milestone_id,
                    meta={"statement_line_id": line.id, "bank_transaction_id": line.bank_transaction_id})
    line.transfer_ids = [*line.transfer_ids, transfer_id]


def _why_not_payable(deal: Deal, m: Milestone, currency: str) -> str | None:
    if currency != deal.currency:
        return "currency_mismatch"
    if deal.gateway != GATEWAY:
        return "wrong_gateway"
    if m.status == MilestoneStatus.AWAITING_PAYMENT and deal.status == DealStatus.AWAITING_PAYMENT:
        return None
    if m.status in (MilestoneStatus.AWAITING_PAYMENT, MilestoneStatus.CANCELLED):
        return "deal_not_payable"  # cancelled or refunded: this milestone will never take money
    return "milestone_not_payable"


def _allocate(line: BankStatementLine, deal: Deal, m: Milestone) -> str:
    """Credit ``line`` to an awaiting milestone: partial, exact or over. The deal is locked. Returns the state."""
    from ..deals.services import record_payment

    clearing = ledger.clearing_account(GATEWAY)
    prior = _prior_credits(m)
    total = prior + line.amount
    line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
    if total < m.amount:
        _post(line, "partial", clearing, unapplied_account(deal.buyer_id), line.amount, "bank_partial", deal)
        line.applied_amount = line.amount
        return LineState.PARTIAL
    # fund first: it debits the clearing asset, so the credits below never dip it
    record_payment(deal.id, m.id, m.amount, line.currency, GATEWAY,
                   {"reference": m.payment_reference, "statement_line_id": line.id})
    line.transfer_ids = [*line.transfer_ids, f"m{m.id}.fund"]
    if prior:
        _post(line, "apply", unapplied_account(deal.buyer_id), clearing, prior, "bank_apply", deal)
    excess = total - m.amount
    line.applied_amount = line.amount - excess
    if excess:
        _post(line, "excess", clearing, ledger.buyer_refund_payable(deal.buyer_id), excess, "bank_excess", deal)
        line.excess_amount = excess
        return LineState.EXCESS
    return LineState.MATCHED


def _book(line: BankStatementLine, m: Milestone | None, reason: str | None) -> None:
    """Decide and book one new line. The milestone's deal (if any) is already locked."""
    clearing = ledger.clearing_account(GATEWAY)
    deal = db.session.get(Deal, m.deal_id) if m is not None else None
    if m is not None:
        db.session.refresh(m)  # its deal is locked now: read the status no one else can change
        reason = _why_not_payable(deal, m, line.currency)
        if reason in ("milestone_not_payable", "deal_not_payable") and m.status != MilestoneStatus.PENDING:
            # the buyer is known and owes nothing more here: the money is theirs to get back
            confirmation = _unclaimed_confirmation(m, line.amount) if reason == "milestone_not_payable" else None
            line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
            if confirmation:  # the admin confirmed this very payment by hand: back it, move nothing
                line.transfer_ids = [confirmation]
                line.applied_amount = line.amount
                line.state = LineState.MATCHED
                return
            line.reason = reason
            _post(line, "duplicate", clearing, ledger.buyer_refund_payable(deal.buyer_id), line.amount,
                  "bank_duplicate", deal)
            line.excess_amount = line.amount
            line.state = LineState.DUPLICATE
            return
        if reason is None:
            line.state = _allocate(line, deal, m)
            return
    line.reason = reason
    _post(line, "suspense", clearing, SUSPENSE, line.amount, "bank_suspense", None)
    line.state = LineState.UNMATCHED


def _lock_deals(deal_ids) -> None:
    from ..deals.states import deal_machine

    for deal_id in sorted(set(deal_ids)):  # fixed order: concurrent imports never deadlock
        deal_machine.lock(deal_id)


def import_statement(actor: Actor, raw: bytes, filename: str | None, bank_account: str | None = None):
    """Import a statement file: store its new lines and book each of them. Returns (import, new lines).

    :raises InvalidInputError: the file is malformed, or re-uses a bank transaction id with other figures.
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
    record = BankStatementImport(bank_account=bank_account, filename=(filename or "")[:255] or None,
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
    _lock_deals(m.deal_id for _, m, _, _ in found if m is not None)
    for line, m, reference, reason in found:
        line.reference = reference
        _book(line, m, reason)
    db.session.flush()
    return record, lines


def get_line(line_id: int, lock: bool = False) -> BankStatementLine:
    stmt = select(BankStatementLine).where(BankStatementLine.id == line_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    line = db.session.execute(stmt).scalar_one_or_none()
    if line is None:
        raise NotFoundError("no such statement line")
    return line


def list_lines(state: str | None = None, after: int | None = None, limit: int = 50) -> list[BankStatementLine]:
    stmt = select(BankStatementLine).order_by(BankStatementLine.id).limit(limit)
    if state:
        stmt = stmt.where(BankStatementLine.state == state)
    if after:
        stmt = stmt.where(BankStatementLine.id > after)
    return list(db.session.execute(stmt).scalars())


def assign_line(actor: Actor, line_id: int, milestone_id: int | None = None,
                reference: str | None = None) -> BankStatementLine:
    """An admin assigns an unmatched line to a milestone: the suspense money funds it (or tops it up).

    Assigning the same line to the same milestone again is a no-op.

    :raises NotFoundError: unknown line or milestone.
    :raises ConflictError: the line is not unmatched, or the milestone cannot take this payment.
    """
    from ..deals.states import deal_machine

    line = get_line(line_id)
    if milestone_id is not None:
        m = db.session.get(Milestone, milestone_id)
    else:
        m = db.session.execute(
            select(Milestone).where(Milestone.payment_reference == (reference or "").strip().upper())
        ).scalar_one_or_none()
    if m is None:
        raise NotFoundError("no such milestone")
    deal = deal_machine.lock(m.deal_id)  # deal before line: the same order as the import
    line = get_line(line_id, lock=True)
    db.session.refresh(m)
    if line.state == LineState.ASSIGNED and line.milestone_id == m.id:
        return line
    if line.state != LineState.UNMATCHED:
        raise ConflictError(f"the line is {line.state}; only unmatched lines can be assigned", code="line_not_unmatched")
    clearing = ledger.clearing_account(GATEWAY)
    reason = _why_not_payable(deal, m, line.currency)
    confirmation = _unclaimed_confirmation(m, line.amount) if reason == "milestone_not_payable" else None
    if reason and not confirmation:
        raise ConflictError(f"this milestone cannot take the payment ({reason})", code=reason)
    if confirmation:
        line.milestone_id, line.deal_id, line.buyer_id = m.id, deal.id, deal.buyer_id
        line.transfer_ids = [*line.transfer_ids, confirmation]
        line.applied_amount = line.amount
    else:
        _allocate(line, deal, m)
    # the suspense is emptied last, after the allocation debited the clearing asset
    _post(line, "unsuspense", SUSPENSE, clearing, line.amount, "bank_unsuspense", deal)
    line.reference = m.payment_reference
    line.state = LineState.ASSIGNED
    line.assigned_by = actor.user_id
    line.assigned_at = utcnow()
    db.session.flush()
    return line
