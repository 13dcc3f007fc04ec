"""Catalog background work on the ``bulk`` queue: product imports, chunk by chunk, resumable."""

from __future__ import annotations

import logging
from itertools import islice

from flask import current_app
from sqlalchemy import select, update

from ..database import utcnow
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit, job
from .models import ImportStatus, ProductImport, VendorProfile
from .services.imports import (
    LEASE,
    FileRefusedError,
    check_file,
    claim_import,
    header_columns,
    import_chunk,
    iter_rows,
    refuse_file,
)

log = logging.getLogger(__name__)


@job
def run_product_import(import_id: int, max_chunks: int | None = None) -> str:
    """Import an uploaded file: check it whole, then commit chunk by chunk from the cursor ``rows_done``.

    Each chunk (its products, its error rows, the cursor) commits atomically, so a crash loses at most
    the chunk in flight and the next run resumes after the last committed row. With ``max_chunks`` the
    job stops after that many chunks and queues its own continuation (other bulk work gets a turn).
    """
    try:
        return _run_product_import(import_id, max_chunks)
    except Exception:
        # the chunk in flight rolls back whole; hand the lease back so RQ's retry can resume at the cursor
        db.session.rollback()
        db.session.execute(update(ProductImport).where(ProductImport.id == import_id,
                                                       ProductImport.status == ImportStatus.RUNNING)
                           .values(updated_at=utcnow() - 2 * LEASE))
        db.session.commit()
        raise


def _run_product_import(import_id: int, max_chunks: int | None) -> str:
    """The body of :func:`run_product_import`; commits per chunk."""
    imp = claim_import(import_id)
    if imp is None:
        db.session.rollback()
        return "skipped"
    db.session.commit()  # the claim must be visible before the long work starts
    if imp.total_rows is None:
        try:
            columns, total = check_file(imp)
        except FileRefusedError as exc:
            refuse_file(imp, exc)
            return "refused"
        imp.total_rows = total
        db.session.commit()
    vendor = db.session.get(VendorProfile, imp.vendor_id)
    chunk_rows = current_app.config["PRODUCT_IMPORT_CHUNK_ROWS"]
    rows = iter_rows(imp)
    columns = header_columns(next(rows))
    # the header is row 1; blank lines are skipped but keep their numbers
    numbered = ((number, row) for number, row in enumerate(rows, start=2) if any(row))
    done = imp.rows_done
    for _ in islice(numbered, done):  # resume: skip what earlier runs committed
        pass
    categories: dict[str, int | None] = {}
    chunks = 0
    while True:
        chunk = list(islice(numbered, chunk_rows))
        if not chunk:
            break
        import_chunk(imp, vendor, chunk, columns, categories)
        db.session.commit()
        chunks += 1
        if max_chunks and chunks >= max_chunks:
            imp = db.session.get(ProductImport, import_id)
            if imp.rows_done < (imp.total_rows or 0):
                imp.status = ImportStatus.QUEUED  # let the continuation claim it at once
                enqueue_after_commit("marketplace.vendors.jobs.run_product_import", import_id, max_chunks,
                                     queue="bulk", job_id=f"product-import-{import_id}-{imp.rows_done}")
                return "continued"
    imp = db.session.get(ProductImport, import_id)
    imp.status = ImportStatus.DONE
    imp.finished_at = utcnow()
    return "done"


def redrive_imports(now=None) -> int:
    """Sweeper step: re-queue imports that are queued but lost, or running with a silent worker."""
    stale = (now or utcnow()) - LEASE
    ids = db.session.execute(select(ProductImport.id).where(
        ((ProductImport.status == ImportStatus.QUEUED) & (ProductImport.created_at < stale))
        | ((ProductImport.status == ImportStatus.RUNNING) & (ProductImport.updated_at < stale))
    ).limit(100)).scalars().all()
    for import_id in ids:
        enqueue("marketplace.vendors.jobs.run_product_import", import_id, queue="bulk",
                job_id=f"product-import-{import_id}-redrive-{int(utcnow().timestamp()) // 60}")
    return len(ids)
