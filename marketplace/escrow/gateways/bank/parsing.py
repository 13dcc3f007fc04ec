"""Bank statement files: the CSV layout accepted, parsed and validated whole; payment references in memos.

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

A file with any bad row is refused whole (422, nothing imported).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from ....errors import InvalidInputError
from ....money import MoneyError, exponent, parse_amount
from ..base import reference_is_valid
from .models import UnmatchedReason

MAX_ROWS = 20_000

#: canonical column -> accepted header names
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "booking_date", "value_date", "transaction_date"),
    "amount": ("amount", "credit"),
    "currency": ("currency", "ccy"),
    "description": ("description", "memo", "narrative", "details", "remarks"),
    "transaction_id": ("transaction_id", "bank_transaction_id", "txn_id", "id"),
}



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
        return [], UnmatchedReason.NO_REFERENCE
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
    return found, (None if found else UnmatchedReason.BAD_CHECK_DIGITS)

