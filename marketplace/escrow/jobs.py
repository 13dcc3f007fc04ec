"""Escrow background jobs: take ids, reload, re-check state."""

from ..jobs import job
from .reconciliation import run_reconciliation


@job
def reconcile_job() -> int:
    """RQ entry point: run a reconciliation and store its report; returns the report id."""
    return run_reconciliation().id
