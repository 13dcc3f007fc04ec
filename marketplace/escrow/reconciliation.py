"""Reconciliation: compare the ledger with what the outside world recorded and report every mismatch.

Each source is a *reconciler*: a callable returning ``(summary, mismatches)``, declared in a
package's ``Registration.reconcilers``. ``bank_transfer`` compares the bank clearing account with the
imported statement lines; ``stripe`` re-fetches payments, transfers and refunds and compares them
with the ledger, returning the same shapes. A run stores one :class:`ReconciliationReport` with one
row per mismatch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

from sqlalchemy import select

from .. import registry
from ..errors import NotFoundError
from ..extensions import db
from .models import (
    MismatchKind,
    ReconciliationMismatch,
    ReconciliationReport,
    ReconciliationStatus,
)


@dataclass
class Mismatch:
    """One disagreement a reconciler found (amounts in minor units of ``currency``)."""

    source: str  #: the reconciler's key: a gateway code (``bank_transfer``, ``stripe``, ...)
    kind: MismatchKind
    subject: str
    message: str
    currency: str | None = None
    expected: int | None = None  #: minor units per the outside record
    actual: int | None = None  #: minor units per the ledger


Reconciler = Callable[[], tuple[dict, list[Mismatch]]]


def run_reconciliation(sources: list[str] | None = None) -> ReconciliationReport:
    """Run every registered reconciler (or ``sources``) and store the report with one row per mismatch."""
    summary: dict[str, dict] = {}
    mismatches: list[Mismatch] = []
    for source, reconcile in registry.current().reconcilers.items():
        if sources and source not in sources:
            continue
        part, found = reconcile()
        summary[source] = part
        mismatches.extend(found)
    report = ReconciliationReport(status=ReconciliationStatus.MISMATCHES if mismatches else ReconciliationStatus.CLEAN,
                                  summary=summary, mismatch_count=len(mismatches))
    db.session.add(report)
    db.session.flush()
    for m in mismatches:
        db.session.add(ReconciliationMismatch(report_id=report.id, **asdict(m)))
    db.session.flush()
    db.session.refresh(report)
    return report


def latest_report() -> ReconciliationReport:
    """The latest reconciliation report.

    :raises NotFoundError: no reconciliation has run yet.
    """
    report = db.session.execute(
        select(ReconciliationReport).order_by(ReconciliationReport.id.desc()).limit(1)).scalar_one_or_none()
    if report is None:
        raise NotFoundError("no reconciliation has run yet")
    return report


def get_report(report_id: int) -> ReconciliationReport:
    """One stored reconciliation report.

    :raises NotFoundError: no such report.
    """
    report = db.session.get(ReconciliationReport, report_id)
    if report is None:
        raise NotFoundError("no such reconciliation report")
    return report
