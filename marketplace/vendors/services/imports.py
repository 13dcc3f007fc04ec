"""Bulk catalog import (CSV / XLSX, streamed) and export (formula-injection safe).

An import is processed in chunks. Each chunk's products, its error rows and the cursor
(``rows_done``) are written in one transaction, so a crash leaves whole chunks only and the next
run resumes after the last committed row. Rows are validated by the API's own
:class:`ProductCreateSchema`; upsert by SKU makes a re-import idempotent.
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
from sqlalchemy import insert, select, update

from ...actors import Actor
from ...database import utcnow
from ...errors import InvalidInputError
from ...extensions import db
from ...http.downloads import Download
from ...http.uploads import safe_filename
from ...jobs import enqueue_after_commit
from ...money import format_amount
from ...statemachine import record_event
from ..models import (
    Category,
    ImportFormat,
    ImportStatus,
    PriceTier,
    Product,
    ProductImport,
    ProductImportError,
    ProductStatus,
    VendorProfile,
)
from ..schemas import ProductCreateSchema
from ..storage import blob_path, store_stream
from .catalog import replace_tiers, search_text, tier_prices

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


# --- one chunk ----------------------------------------------------------------------------------


def import_chunk(imp: ProductImport, vendor: VendorProfile, chunk: list[tuple[int, list[str]]],
                 columns: dict[str, int], categories: dict[str, int | None]) -> None:
    """Validate and upsert one chunk of ``(row number, cells)``; report invalid rows; advance the cursor. Flushes."""
    schema = ProductCreateSchema()
    valid: list[tuple[int, dict]] = []
    errors: list[ProductImportError] = []
    first_row_of: dict[str, int] = {}
    for number, row in chunk:
        sku = row[columns["sku"]] if columns["sku"] < len(row) else ""
        try:
            data = schema.load(_row_data(row, columns, categories))
            data["price_tiers"] = tier_prices(data["price_tiers"], data["currency"])
        except ValidationError as exc:
            errors.append(ProductImportError(import_id=imp.id, row_number=number, sku=sku[:200],
                                             reason=_reason(exc.messages)))
            continue
        except InvalidInputError as exc:  # a price that does not fit the currency
            errors.append(ProductImportError(import_id=imp.id, row_number=number, sku=sku[:200],
                                             reason=_reason(exc.fields)))
            continue
        if data["status"] == ProductStatus.ACTIVE and not vendor.is_verified():
            errors.append(ProductImportError(import_id=imp.id, row_number=number, sku=sku[:200],
                                             reason="status: only verified vendors can publish listings (use draft)"))
            continue
        if data["sku"] in first_row_of:
            errors.append(ProductImportError(import_id=imp.id, row_number=number, sku=sku[:200],
                                             reason=f"sku: duplicate SKU in this file (first on row {first_row_of[data['sku']]})"))
            continue
        first_row_of[data["sku"]] = number
        valid.append((number, data))

    existing = {p.sku: p for p in db.session.execute(
        Product.for_org(vendor.id).where(Product.sku.in_([d["sku"] for _, d in valid]))).scalars()} if valid else {}
    created = updated = 0
    new_rows: list[dict] = []
    new_tiers: dict[str, list[tuple[int, int]]] = {}
    for number, data in valid:
        product = existing.get(data["sku"])
        if product is not None and product.last_import_id == imp.id and product.last_import_row != number:
            # an earlier chunk of this very file already wrote this SKU
            errors.append(ProductImportError(import_id=imp.id, row_number=number, sku=data["sku"],
                                             reason=f"sku: duplicate SKU in this file (first on row {product.last_import_row})"))
            continue
        tiers = data.pop("price_tiers")
        if product is None:
            # new rows go in with one multi-row INSERT per table, not one ORM object each
            values = {column: data.get(column) for column in _PRODUCT_COLUMNS}
            values.update(vendor_id=vendor.id, last_import_id=imp.id, last_import_row=number)
            values["search_text"] = search_text(SimpleNamespace(**values))
            new_rows.append(values)
            new_tiers[values["sku"]] = tiers
            created += 1
            continue
        else:
            changed = False
            for key, value in data.items():
                if getattr(product, key) != value:
                    setattr(product, key, value)
                    changed = True
            if [(t.min_qty, t.unit_price) for t in product.tiers] != tiers:
                replace_tiers(product, tiers)
                changed = True
            updated += changed
        product.last_import_id = imp.id
        product.last_import_row = number
        product.search_text = search_text(product)
    if new_rows:
        ids = db.session.execute(insert(Product).returning(Product.id, Product.sku), new_rows).all()
        db.session.execute(insert(PriceTier), [{"product_id": pid, "min_qty": q, "unit_price": p}
                                               for pid, sku in ids for q, p in new_tiers[sku]])
    db.session.add_all(errors)
    db.session.flush()
    db.session.execute(update(ProductImport).where(ProductImport.id == imp.id).values(
        rows_done=ProductImport.rows_done + len(chunk), created_count=ProductImport.created_count + created,
        updated_count=ProductImport.updated_count + updated, error_count=ProductImport.error_count + len(errors),
        updated_at=utcnow()))


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
