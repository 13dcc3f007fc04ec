"""Catalog background work on the ``bulk`` queue: product imports, chunk by chunk, resumable."""

from __future__ import annotations

import logging
from datetime import timedelta
from itertools import islice

from flask import current_app
from sqlalchemy import select, update

from ..database import utcnow
from ..extensions import db
from ..jobs import claim_periodic_task, enqueue, enqueue_after_commit, job
from .models import ImportStatus, Product, ProductImport, VendorProfile
from .services import hs_classifier
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
    enqueue_after_commit("marketplace.vendors.jobs.infer_imported_hs_codes", import_id, queue="bulk",
                         job_id=f"hs-infer-import-{import_id}")
    return "done"


@job
def infer_imported_hs_codes(import_id: int) -> int:
    """Suggest HS codes for the listings an import wrote without one (the current model; the next
    training run learns from the codes the file did carry)."""
    ids = db.session.execute(select(Product.id).where(Product.last_import_id == import_id)).scalars().all()
    total = 0
    for start in range(0, len(ids), 5000):
        total += hs_classifier.infer_products(ids[start:start + 5000])
    return total


@job
def train_hs_classifier() -> str:
    """Retrain the HS classifier on the coded listings and infer codes for the uncoded."""
    model = hs_classifier.train()
    if model is None:
        return "too few coded listings"
    return f"model {model.id}: {model.products} listings, {model.classes} subheadings, accuracy {model.accuracy_6}"


def schedule_hs_training(now=None) -> int:
    """Sweeper step: queue a training run every ``HS_RETRAIN_HOURS`` (hourly until a first model exists)."""
    hours = current_app.config["HS_RETRAIN_HOURS"]
    if not hours or not hs_classifier.has_coded_listings():
        return 0
    interval = timedelta(hours=hours if hs_classifier.current_model() is not None else 1)
    claimed = claim_periodic_task("hs-train", interval)
    if claimed is None:
        return 0
    enqueue_after_commit("marketplace.vendors.jobs.train_hs_classifier", queue="bulk",
                         job_id=f"hs-train-{int(claimed.timestamp())}")
    return 1


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
