"""Bulk catalog import (CSV / XLSX, streamed) and export (formula-injection safe).

An import is processed in chunks. Each chunk's products, its error rows and the cursor
(``rows_done``) are written in one transaction, so a crash leaves whole chunks only and the next
run resumes after the last committed row. Rows are validated by the rules of the API's own
:class:`ProductCreateSchema` (plain rows without building the schema, the rest and every invalid row
by the schema itself); a chunk is staged with ``COPY`` and upserted by SKU in set-based statements,
which makes a re-import idempotent.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from openpyxl import load_workbook
from sqlalchemy import select, update

from ...actors import Actor
from ...database import utcnow
from ...errors import InvalidInputError
from ...extensions import db
from ...http.downloads import Download
from ...http.uploads import safe_filename
from ...jobs import enqueue_after_commit
from ...money import CURRENCY_EXPONENTS, format_amount
from ...statemachine import record_event
from ..models import (
    Category,
    ImportFormat,
    ImportStatus,
    Product,
    ProductImport,
    ProductImportError,
    ProductStatus,
    VendorProfile,
)
from ..schemas import ProductCreateSchema
from ..storage import blob_path, store_stream
from .catalog import search_text, tier_prices

LEASE = timedelta(minutes=5)  #: a running import untouched this long is taken over by the next run

#: the file's columns; the first four are required
COLUMNS = ["sku", "name", "unit", "unit_price", "name_vi", "description", "category_code", "hs_code", "pack_size", "moq",
           "stock_qty", "lead_time_days", "currency", "status", "tier_prices"]
REQUIRED = COLUMNS[:4]
_INT_COLUMNS = ("pack_size", "moq", "stock_qty", "lead_time_days")
_DIGITS = re.compile(r"^\d{1,15}$")
#: a cell starting with one of these is a formula to a spreadsheet program
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PRODUCT_COLUMNS = ("sku", "name", "name_vi", "description", "hs_code", "category_id", "unit", "pack_size", "moq",
                    "stock_qty", "lead_time_days", "currency", "status")


class FileRefusedError(Exception):
    """The whole file is unusable (encoding, columns, not a spreadsheet); carries the row it refers to."""

    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


# --- upload -------------------------------------------------------------------------------------


def start_product_import(actor: Actor, filename: str, stream) -> ProductImport:
    """Store an uploaded CSV/XLSX and queue its import on the ``bulk`` queue.

    The client's file name is reduced to a safe base name before it is kept.

    :raises NotFoundError: the actor is not a vendor.
    :raises TooLargeError: over ``PRODUCT_IMPORT_MAX_BYTES`` (default 50 MB).
    :raises InvalidInputError: neither a CSV nor an XLSX file.
    """
    vendor = VendorProfile.get_visible(actor, actor.org_id)
    name = safe_filename(filename)
    blob = store_stream(stream, current_app.config["PRODUCT_IMPORT_MAX_BYTES"])
    ext = os.path.splitext(name)[1].lower()
    is_zip = blob.head.startswith(b"PK\x03\x04")
    if ext == ".xlsx" and is_zip:
        file_format = ImportFormat.XLSX
    elif ext in (".csv", ".txt", "") and not is_zip:
        if b"\x00" in blob.head:  # UTF-16 (Excel's "Unicode text") or binary
            why = "the file is not UTF-8 text (it looks like UTF-16); save it as 'CSV UTF-8' and upload again"
            raise InvalidInputError(why, code="bad_encoding", fields={"file": [why]})
        file_format = ImportFormat.CSV
    else:
        why = "upload a .csv (UTF-8) or .xlsx file"
        raise InvalidInputError(why, code="unsupported_file_type", fields={"file": [why]})
    imp = ProductImport(vendor_id=vendor.id, uploaded_by=actor.user_id, filename=name,
                        file_format=file_format, sha256=blob.sha256, size_bytes=blob.size, status=ImportStatus.QUEUED)
    db.session.add(imp)
    db.session.flush()
    record_event("product_import", imp.id, "create", None, ImportStatus.QUEUED, actor, {"sha256": blob.sha256})
    enqueue_after_commit("marketplace.vendors.jobs.run_product_import", imp.id, queue="bulk",
                         job_id=f"product-import-{imp.id}")
    return imp


def get_product_import(actor: Actor, import_id: int) -> ProductImport:
    """One of the vendor's imports.

    :raises NotFoundError: another organisation's import, or no such import.
    """
    return ProductImport.get_visible(actor, import_id)


# --- reading files (streaming) ------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A cell as text; formulas stay the literal text they are, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def iter_rows(imp: ProductImport) -> Iterator[list[str]]:
    """Every row of the file (header first) as a list of strings, streamed.

    :raises FileRefusedError: bad encoding or an unreadable spreadsheet.
    """
    path = blob_path(imp.sha256)
    if imp.file_format == ImportFormat.XLSX:
        yield from _iter_xlsx(path)
    else:
        yield from _iter_csv(path)


def _iter_csv(path) -> Iterator[list[str]]:
    state = {"line": 0}

    def lines(raw):
        # decoded line by line so that a bad byte is reported with its line number
        for state["line"], line in enumerate(raw, start=1):
            if state["line"] == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                raise FileRefusedError(state["line"], "the file is not UTF-8 text; save it as 'CSV UTF-8' "
                                                      "and upload again") from None

    with open(path, "rb") as raw:
        reader = csv.reader(lines(raw))
        try:
            for row in reader:
                yield [c.strip() for c in row]
        except csv.Error as exc:
            raise FileRefusedError(state["line"], f"the CSV is malformed: {exc}") from None


def _iter_xlsx(path) -> Iterator[list[str]]:
    with open(path, "rb") as raw:  # a file object: the stored blob has no .xlsx name for openpyxl to check
        try:
            # read_only streams rows; data_only=False returns formulas as their text (nothing is evaluated)
            workbook = load_workbook(raw, read_only=True, data_only=False)
        except Exception:  # a zip that is not a workbook: openpyxl raises several unrelated types
            raise FileRefusedError(1, "the file is not a readable .xlsx workbook") from None
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in row]
        finally:
            workbook.close()


def check_file(imp: ProductImport) -> tuple[dict[str, int], int]:
    """First pass: readable, right columns; returns (column -> index, number of data rows).

    :raises FileRefusedError: with the row and the reason.
    """
    rows = iter_rows(imp)
    header = next(rows, None)
    if header is None:
        raise FileRefusedError(1, "the file is empty")
    columns = header_columns(header)
    total = sum(1 for row in rows if any(row))
    return columns, total


def header_columns(header: list[str]) -> dict[str, int]:
    """The position of each known column in the header row.

    :raises FileRefusedError: a required column is missing, or a column appears twice.
    """
    names = [re.sub(r"\s+", "_", h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileRefusedError(1, f"missing columns: {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        raise FileRefusedError(1, f"columns appear twice: {', '.join(duplicated)}")
    return {n: i for i, n in enumerate(names) if n in COLUMNS}


# --- one row ------------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    """Our own export writes ``'=...``; read it back as ``=...``."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


def _row_data(row: list[str], columns: dict[str, int], categories: dict[str, int | None]) -> dict:
    """Turn a file row into the API's product input (before schema validation)."""
    cells = {name: _unescape(row[i]) if i < len(row) else "" for name, i in columns.items()}
    data: dict[str, Any] = {"sku": cells["sku"], "name": cells["name"], "unit": cells["unit"]}
    for name in ("name_vi", "description", "hs_code", "currency", "status"):
        if cells.get(name):
            data[name] = cells[name]
    for name in _INT_COLUMNS:
        value = cells.get(name, "")
        if value:  # digits only: "-5", "+5" and "=5" stay text and fail validation as text
            data[name] = int(value) if _DIGITS.match(value) else value
    moq = data.get("moq") if isinstance(data.get("moq"), int) else 1
    tiers = [{"min_qty": moq, "unit_price": cells["unit_price"]}]
    for part in filter(None, (p.strip() for p in cells.get("tier_prices", "").split(";"))):
        qty, sep, price = part.partition(":")
        qty = qty.strip()
        if not sep or not _DIGITS.match(qty):
            raise ValidationError({"tier_prices": [f"{part!r}: use quantity:price;quantity:price"]})
        tiers.append({"min_qty": int(qty), "unit_price": price.strip()})
    data["price_tiers"] = tiers
    code = cells.get("category_code")
    if code:
        if code not in categories:
            categories[code] = db.session.execute(select(Category.id).where(Category.code == code)).scalar()
        if categories[code] is None:
            raise ValidationError({"category_code": [f"no category {code!r}"]})
        data["category_id"] = categories[code]
    return data


def _reason(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow messages into one line, named after the file's columns."""
    if isinstance(messages, dict):
        return "; ".join(_reason(v, f"{prefix}{k}.") for k, v in messages.items())
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        field = prefix.rstrip(".").replace("price_tiers.0.unit_price", "unit_price").replace("price_tiers.", "tier_prices.")
        return f"{field}: {', '.join(messages)}" if field else ", ".join(messages)
    if isinstance(messages, list):
        return "; ".join(_reason(m, prefix) for m in messages)
    return f"{prefix.rstrip('.')}: {messages}"


# --- one chunk: validation ----------------------------------------------------------------------

# The schema's rules for the shapes a file row takes (see _row_data), checked without building the
# schema per row. A row these accept is one ProductCreateSchema accepts, loaded to the same data
# (tests/vendors/test_import_bulk.py holds the two side by side); any other row goes through the
# schema itself, so every message in the error report is the schema's own.
_SKU = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")
_HS_CODE = re.compile(r"^\d{2,10}$")
#: a price every currency reads: ASCII digits, at most 3 decimals, small enough for the widest currency
_PLAIN_PRICE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,3})?$")
_INT_RANGES = {"pack_size": (1, 10**9), "moq": (1, 10**12), "stock_qty": (0, 10**12), "lead_time_days": (0, 3650)}
_STATUSES = frozenset(s.value for s in ProductStatus)
_LOAD_DEFAULTS = {"description": "", "pack_size": 1, "moq": 1, "currency": "VND", "status": ProductStatus.DRAFT.value}
_MAX_TIERS = 20


def fast_load(data: dict) -> dict | None:
    """What ``ProductCreateSchema().load(data)`` returns for a plain row of a file, or None when the row
    needs the schema itself (anything unusual, and every invalid row)."""
    if not (_SKU.match(data["sku"]) and 0 < len(data["name"]) <= 300 and 0 < len(data["unit"]) <= 16):
        return None
    if len(data.get("name_vi", "")) > 300 or len(data.get("description", "")) > 20000:
        return None
    if "hs_code" in data and not _HS_CODE.match(data["hs_code"]):
        return None
    for column, (low, high) in _INT_RANGES.items():
        value = data.get(column)
        if value is not None and not (type(value) is int and low <= value <= high):
            return None
    if data.get("currency", "VND") not in CURRENCY_EXPONENTS or data.get("status", "draft") not in _STATUSES:
        return None
    tiers = data["price_tiers"]
    if not 0 < len(tiers) <= _MAX_TIERS:
        return None
    seen = set()
    for tier in tiers:
        qty = tier["min_qty"]
        if type(qty) is not int or not 1 <= qty <= 10**12 or qty in seen or not _PLAIN_PRICE.match(tier["unit_price"]):
            return None
        seen.add(qty)
    return {**_LOAD_DEFAULTS, **data}


def plain_tier_prices(tiers: list[dict], currency: str) -> list[tuple[int, int]] | None:
    """What :func:`tier_prices` returns for tiers :func:`fast_load` took, or None when a price has more
    decimals than ``currency`` (then :func:`tier_prices` says why)."""
    exp = CURRENCY_EXPONENTS[currency]
    prices = []
    for tier in tiers:
        whole, _, fraction = tier["unit_price"].partition(".")
        if len(fraction) > exp:
            return None
        prices.append((tier["min_qty"], int(whole) * 10**exp + (int(fraction.ljust(exp, "0")) if exp else 0)))
    return sorted(prices)


def _load_row(row: list[str], columns: dict[str, int], categories: dict[str, int | None],
              schema: ProductCreateSchema) -> dict:
    """A file row as validated product data with its tiers in minor units.

    :raises ValidationError: or :class:`InvalidInputError` (a price that does not fit the currency).
    """
    raw = _row_data(row, columns, categories)
    data = fast_load(raw)
    tiers = None if data is None else plain_tier_prices(data["price_tiers"], data["currency"])
    if data is None:
        data = schema.load(raw)
    data["price_tiers"] = tiers if tiers is not None else tier_prices(data["price_tiers"], data["currency"])
    return data


def check_rows(vendor: VendorProfile, chunk: list[tuple[int, list[str]]], columns: dict[str, int],
               categories: dict[str, int | None]) -> tuple[list[tuple[int, dict]], list[tuple[int, str, str]]]:
    """Validate one chunk of ``(row number, cells)``: ``(valid rows, errors as (row, sku, reason))``.

    A SKU repeated inside the chunk keeps its first row; the later ones are errors.
    """
    schema = ProductCreateSchema()
    publishable = vendor.is_verified()
    valid: list[tuple[int, dict]] = []
    errors: list[tuple[int, str, str]] = []
    first_row_of: dict[str, int] = {}
    sku_at = columns["sku"]
    for number, row in chunk:
        sku = (row[sku_at] if sku_at < len(row) else "")[:200]
        try:
            data = _load_row(row, columns, categories, schema)
        except ValidationError as exc:
            errors.append((number, sku, _reason(exc.messages)))
            continue
        except InvalidInputError as exc:  # a price that does not fit the currency
            errors.append((number, sku, _reason(exc.fields)))
            continue
        if data["status"] == ProductStatus.ACTIVE and not publishable:
            errors.append((number, sku, "status: only verified vendors can publish listings (use draft)"))
            continue
        if data["sku"] in first_row_of:
            errors.append((number, sku, f"sku: duplicate SKU in this file (first on row {first_row_of[data['sku']]})"))
            continue
        first_row_of[data["sku"]] = number
        valid.append((number, data))
    return valid, errors


# --- one chunk: writing -------------------------------------------------------------------------

#: the chunk's valid rows, staged with COPY; NULL in an optional column keeps the product's value
_STAGE = """CREATE TEMP TABLE import_stage (
    row_number bigint, product_id bigint, sku text, name text, name_vi text, description text, hs_code text,
    category_id bigint, unit text, pack_size bigint, moq bigint, stock_qty bigint, lead_time_days bigint,
    currency text, status text, search_text text, tier_qty bigint[], tier_price bigint[]
) ON COMMIT DROP"""
_STAGE_COLUMNS = ("row_number", "product_id", "sku", "name", "name_vi", "description", "hs_code", "category_id", "unit",
                  "pack_size", "moq", "stock_qty", "lead_time_days", "currency", "status", "search_text", "tier_qty",
                  "tier_price")
_EXISTING = """SELECT sku, id, name_vi, hs_code, last_import_id, last_import_row FROM products
               WHERE vendor_id = %s AND sku = ANY(%s::text[])"""
#: existing products the chunk changes: any column, or the price tiers (compared before the update)
_CHANGED = """SELECT s.product_id, s.tier_qty IS DISTINCT FROM t.qty OR s.tier_price IS DISTINCT FROM t.price
    FROM import_stage s JOIN products p ON p.id = s.product_id
    LEFT JOIN LATERAL (SELECT array_agg(min_qty ORDER BY min_qty) AS qty, array_agg(unit_price ORDER BY min_qty) AS price
                       FROM price_tiers WHERE product_id = p.id) t ON true
    WHERE (p.name, p.name_vi, p.description, p.hs_code, p.category_id, p.unit, p.pack_size, p.moq, p.stock_qty,
           p.lead_time_days, p.currency, p.status)
          IS DISTINCT FROM
          (s.name, coalesce(s.name_vi, p.name_vi), s.description, coalesce(s.hs_code, p.hs_code),
           coalesce(s.category_id, p.category_id), s.unit, s.pack_size, s.moq, coalesce(s.stock_qty, p.stock_qty),
           coalesce(s.lead_time_days, p.lead_time_days), s.currency, s.status)
       OR s.tier_qty IS DISTINCT FROM t.qty OR s.tier_price IS DISTINCT FROM t.price"""
_UPDATE = """UPDATE products p SET name = s.name, name_vi = coalesce(s.name_vi, p.name_vi), description = s.description,
        hs_code = coalesce(s.hs_code, p.hs_code), category_id = coalesce(s.category_id, p.category_id), unit = s.unit,
        pack_size = s.pack_size, moq = s.moq, stock_qty = coalesce(s.stock_qty, p.stock_qty),
        lead_time_days = coalesce(s.lead_time_days, p.lead_time_days), currency = s.currency, status = s.status,
        search_text = s.search_text, last_import_id = %(import_id)s, last_import_row = s.row_number, updated_at = now()
    FROM import_stage s WHERE p.id = s.product_id"""
_DROP_TIERS = "DELETE FROM price_tiers WHERE product_id = ANY(%(ids)s::bigint[])"
_ADD_TIERS = """INSERT INTO price_tiers (product_id, min_qty, unit_price)
    SELECT s.product_id, t.qty, t.price FROM import_stage s, unnest(s.tier_qty, s.tier_price) AS t(qty, price)
    WHERE s.product_id = ANY(%(ids)s::bigint[])"""
_INSERT = """WITH new AS (
        INSERT INTO products (vendor_id, sku, name, name_vi, description, hs_code, category_id, unit, pack_size, moq,
                              stock_qty, lead_time_days, currency, status, search_text, last_import_id, last_import_row)
        SELECT %(vendor_id)s, sku, name, name_vi, description, hs_code, category_id, unit, pack_size, moq, stock_qty,
               lead_time_days, currency, status, search_text, %(import_id)s, row_number
        FROM import_stage WHERE product_id IS NULL ORDER BY row_number
        RETURNING id, last_import_row)
    INSERT INTO price_tiers (product_id, min_qty, unit_price)
    SELECT new.id, t.qty, t.price FROM new JOIN import_stage s ON s.row_number = new.last_import_row,
           unnest(s.tier_qty, s.tier_price) AS t(qty, price)"""


def import_chunk(imp: ProductImport, vendor: VendorProfile, chunk: list[tuple[int, list[str]]],
                 columns: dict[str, int], categories: dict[str, int | None]) -> None:
    """Validate and upsert one chunk of ``(row number, cells)``; report invalid rows; advance the cursor.

    Set-based: the valid rows are staged with ``COPY`` into a temporary table, then a handful of
    statements insert the new SKUs with their tiers, update the existing ones (tiers replaced only
    where they changed) and ``COPY`` the error rows. Runs in the caller's transaction, one chunk per
    transaction (the stage is dropped at commit); the caller commits.
    """
    valid, errors = check_rows(vendor, chunk, columns, categories)
    db.session.flush()
    conn = db.session.connection().connection.driver_connection  # psycopg, inside the session's transaction
    created = updated = 0
    with conn.cursor() as cur:
        existing = {}
        if valid:
            cur.execute(_EXISTING, (vendor.id, [data["sku"] for _, data in valid]))
            existing = {row[0]: row[1:] for row in cur}
        staged = []
        for number, data in valid:
            found = existing.get(data["sku"])
            if found is not None and found[3] == imp.id and found[4] != number:
                # an earlier chunk of this very file already wrote this SKU
                errors.append((number, data["sku"], f"sku: duplicate SKU in this file (first on row {found[4]})"))
                continue
            staged.append(_stage_row(number, data, found))
        if staged:
            cur.execute(_STAGE)
            with cur.copy(f"COPY import_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy:
                for values in staged:
                    copy.write_row(values)
            created = sum(1 for values in staged if values[1] is None)
            if created < len(staged):
                cur.execute("ANALYZE import_stage")  # row count for the joins to products (a temp table has no stats)
                cur.execute(_CHANGED)
                changed = cur.fetchall()
                updated = len(changed)
                cur.execute(_UPDATE, {"import_id": imp.id})
                retiered = [product_id for product_id, tiers_changed in changed if tiers_changed]
                if retiered:
                    cur.execute(_DROP_TIERS, {"ids": retiered})  # first: the new tiers reuse the quantity breaks
                    cur.execute(_ADD_TIERS, {"ids": retiered})
            if created:
                cur.execute(_INSERT, {"vendor_id": vendor.id, "import_id": imp.id})
        if errors:
            with cur.copy("COPY product_import_errors (import_id, row_number, sku, reason) FROM STDIN") as copy:
                for number, sku, reason in errors:
                    copy.write_row((imp.id, number, sku, reason))
    db.session.execute(update(ProductImport).where(ProductImport.id == imp.id).values(
        rows_done=ProductImport.rows_done + len(chunk), created_count=ProductImport.created_count + created,
        updated_count=ProductImport.updated_count + updated, error_count=ProductImport.error_count + len(errors),
        updated_at=utcnow()))


def _stage_row(number: int, data: dict, found: tuple | None) -> tuple:
    """One stage row; an existing product (``found``) keeps the optional values the file leaves empty,
    and its search text is made from what the row will hold."""
    values = {column: data.get(column) for column in _PRODUCT_COLUMNS}
    if found is not None:
        values["name_vi"] = values["name_vi"] if values["name_vi"] is not None else found[1]
        values["hs_code"] = values["hs_code"] if values["hs_code"] is not None else found[2]
    tiers = data["price_tiers"]
    return (number, None if found is None else found[0], data["sku"], data["name"], data.get("name_vi"),
            data["description"], data.get("hs_code"), data.get("category_id"), data["unit"], data["pack_size"],
            data["moq"], data.get("stock_qty"), data.get("lead_time_days"), data["currency"], data["status"],
            search_text(SimpleNamespace(**values)), _array(q for q, _ in tiers), _array(p for _, p in tiers))


def _array(numbers) -> str:
    """A bigint[] in COPY's text form (cheaper than letting the driver adapt a list per row)."""
    return "{" + ",".join(map(str, numbers)) + "}"


def claim_import(import_id: int) -> ProductImport | None:
    """Take a queued import, or a running one whose worker went silent; None when another run holds it."""
    now = utcnow()
    claimed = db.session.execute(
        update(ProductImport)
        .where(ProductImport.id == import_id,
               (ProductImport.status == ImportStatus.QUEUED)
               | ((ProductImport.status == ImportStatus.RUNNING) & (ProductImport.updated_at < now - LEASE))
               | ((ProductImport.status == ImportStatus.RUNNING) & (ProductImport.started_at.is_(None))))
        .values(status=ImportStatus.RUNNING, updated_at=now, started_at=now)
        .returning(ProductImport.id)
    ).scalar_one_or_none()
    return db.session.get(ProductImport, claimed, populate_existing=True) if claimed else None


def refuse_file(imp: ProductImport, exc: FileRefusedError) -> None:
    """Mark the whole file refused; no product row was written for it."""
    imp.status = ImportStatus.FAILED
    imp.failure = f"row {exc.row}: {exc.reason}"
    imp.finished_at = utcnow()
    imp.error_count = 1
    db.session.add(ProductImportError(import_id=imp.id, row_number=exc.row, sku=None, reason=exc.reason))
    db.session.flush()


# --- CSV output (exports and error reports) -----------------------------------------------------


def safe_cell(value: Any) -> str:
    """Neutralise a cell a spreadsheet program would run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(rows: Iterator[list[Any]]) -> Iterator[str]:
    """Encode rows as CSV text lines, one at a time (streamed to the client), every cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # BOM: Excel then opens UTF-8 (Vietnamese) correctly
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def download_import_errors(actor: Actor, import_id: int) -> Download:
    """The CSV of the rows one of the vendor's imports did not take (row, sku, reason), streamed.

    :raises NotFoundError: another organisation's import, or no such import.
    """
    imp = get_product_import(actor, import_id)
    return Download(csv_lines(error_report_rows(imp.id)), "text/csv", f"import-{imp.id}-errors.csv")


def download_catalog(actor: Actor) -> Download:
    """The calling vendor's own catalog as CSV in the import's columns, streamed."""
    return Download(csv_lines(export_rows(actor.org_id)), "text/csv", "products.csv")


def error_report_rows(import_id: int) -> Iterator[list[Any]]:
    """The rows an import did not take, with their row number and reason (header first)."""
    yield ["row", "sku", "reason"]
    stmt = (select(ProductImportError.row_number, ProductImportError.sku, ProductImportError.reason)
            .where(ProductImportError.import_id == import_id).order_by(ProductImportError.row_number, ProductImportError.id))
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield list(row)


def export_rows(vendor_id: int) -> Iterator[list[Any]]:
    """The vendor's catalog in the import's own columns (an export re-imports unchanged)."""
    yield COLUMNS
    codes: dict[int, str] = {}
    stmt = Product.for_org(vendor_id).order_by(Product.id).execution_options(yield_per=500)
    for product in db.session.execute(stmt).scalars():
        if product.category_id and product.category_id not in codes:
            codes[product.category_id] = db.session.get(Category, product.category_id).code
        tiers = list(product.tiers)
        first = tiers[0] if tiers else None
        rest = ";".join(f"{t.min_qty}:{format_amount(t.unit_price, product.currency)}" for t in tiers[1:])
        yield [product.sku, product.name, product.unit,
               format_amount(first.unit_price, product.currency) if first else "", product.name_vi or "",
               product.description or "", codes.get(product.category_id, ""), product.hs_code or "", product.pack_size,
               product.moq, "" if product.stock_qty is None else product.stock_qty,
               "" if product.lead_time_days is None else product.lead_time_days, product.currency, product.status, rest]
