"""Bank-transfer back office: statement import and matching, payout batches, reconciliation reports."""

from __future__ import annotations

from contextlib import contextmanager

from ..http.blueprint import Blueprint

from ..accounts.auth import current_actor, login_required
from ..errors import NotFoundError
from ..extensions import db
from . import bank, payouts, reconciliation
from .bank_schemas import (LineAssignSchema, LineQuerySchema, MarkPaidSchema, PageQuerySchema, PayoutBatchCreateSchema,
                           PayoutBatchSchema, PayoutSchema, ReconciliationReportSchema, StatementFileSchema,
                           StatementQuerySchema, StatementImportResultSchema, StatementLineSchema)

blp = Blueprint("escrow_admin", __name__, url_prefix="/api/v1",
                description="Bank statements, payouts and reconciliation")
admin_only = login_required("platform", roles=("admin",))


@contextmanager
def _commit_once():
    """Commit on success; roll back anything flushed when a service refuses (nothing half-imported)."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


@blp.route("/admin/bank-statements", methods=["POST"])
@admin_only
@blp.arguments(StatementFileSchema, location="files")
@blp.arguments(StatementQuerySchema, location="query")
@blp.response(201, StatementImportResultSchema)
def import_statement(files, query):
    """Import a bank statement (multipart field ``file``) and match its credits to milestones.

    CSV, UTF-8, comma or semicolon separated, with a header row naming (case-insensitive) the columns
    ``date`` (YYYY-MM-DD or DD/MM/YYYY), ``amount`` (plain decimal, ``.`` as decimal point, > 0, at
    most the currency's decimals), ``currency`` (ISO 4217), ``description`` (or ``memo``: the
    transfer memo holding the payment reference) and ``transaction_id`` (or ``bank_transaction_id``:
    the bank's unique line id). Any bad row refuses the whole file (422). Lines already imported for
    the same bank account are skipped, so re-importing a file changes nothing.
    """
    upload = files["file"]
    with _commit_once():
        record, lines = bank.import_statement(current_actor(), upload.read(), upload.filename, query.get("bank_account"))
    return {"statement": record, "lines": lines}


@blp.route("/admin/bank-statements/lines")
@admin_only
@blp.arguments(LineQuerySchema, location="query")
@blp.response(200, StatementLineSchema(many=True))
def list_lines(params):
    """Imported statement lines, oldest first; ``state=unmatched`` lists what needs an admin."""
    return bank.list_lines(params.get("state"), params.get("after"), params["limit"])


@blp.route("/admin/bank-statements/lines/<int:line_id>")
@admin_only
@blp.response(200, StatementLineSchema)
def get_line(line_id):
    """One statement line with its state and ledger transfers."""
    return bank.get_line(line_id)


@blp.route("/admin/bank-statements/lines/<int:line_id>/assign", methods=["POST"])
@admin_only
@blp.arguments(LineAssignSchema)
@blp.response(200, StatementLineSchema)
def assign_line(data, line_id):
    """Assign an unmatched line to a milestone (by id or payment reference); its money funds or tops it up."""
    with _commit_once():
        line = bank.assign_line(current_actor(), line_id, data.get("milestone_id"), data.get("reference"))
    return line


@blp.route("/admin/payouts", methods=["POST"])
@admin_only
@blp.arguments(PayoutBatchCreateSchema)
@blp.response(201, PayoutBatchSchema)
def create_payout_batch(data):
    """Reserve what the platform owes (vendor payables, buyer refund payables) in a payout batch."""
    with _commit_once():
        batch = payouts.create_payout_batch(current_actor(), data.get("org_ids"), data.get("currency"),
                                            data["include_refunds"])
    return batch


@blp.route("/admin/payouts", methods=["GET"])
@admin_only
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, PayoutBatchSchema(many=True))
def list_payout_batches(params):
    """Payout batches, oldest first."""
    return payouts.list_batches(params.get("after"), params["limit"])


@blp.route("/admin/payouts/<int:batch_id>", methods=["GET"])
@admin_only
@blp.response(200, PayoutBatchSchema)
def get_payout_batch(batch_id):
    """One payout batch with its payouts."""
    return payouts.get_batch(batch_id)


@blp.route("/admin/payouts/<int:batch_id>/mark-paid", methods=["POST"])
@admin_only
@blp.arguments(MarkPaidSchema)
@blp.response(200, PayoutBatchSchema)
def mark_paid(data, batch_id):
    """The bank transfers went out: the reserved amounts leave the payables. Repeating is a no-op."""
    with _commit_once():
        batch = payouts.mark_batch_paid(current_actor(), batch_id, data["bank_reference"])
    return batch


@blp.route("/payouts", methods=["GET"])
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, PayoutSchema(many=True))
def list_payouts(params):
    """Payouts to the caller's organisation (vendor payouts, buyer refunds); platform admins see all."""
    return payouts.list_payouts(current_actor(), params.get("after"), params["limit"])


@blp.route("/payouts/<int:payout_id>", methods=["GET"])
@login_required()
@blp.response(200, PayoutSchema)
def get_payout(payout_id):
    """One payout of the caller's organisation (404 for another's)."""
    return payouts.get_payout(current_actor(), payout_id)


@blp.route("/admin/reconciliation", methods=["GET"])
@admin_only
@blp.response(200, ReconciliationReportSchema)
def latest_reconciliation():
    """The latest reconciliation report with one row per mismatch (404 before the first run)."""
    report = reconciliation.latest_report()
    if report is None:
        raise NotFoundError("no reconciliation has run yet")
    return report


@blp.route("/admin/reconciliation", methods=["POST"])
@admin_only
@blp.response(201, ReconciliationReportSchema)
def run_reconciliation():
    """Reconcile the ledger with the bank statements (and other registered sources) now."""
    with _commit_once():
        report = reconciliation.run_reconciliation()
    return report


@blp.route("/admin/reconciliation/<int:report_id>", methods=["GET"])
@admin_only
@blp.response(200, ReconciliationReportSchema)
def get_reconciliation(report_id):
    """One stored reconciliation report."""
    report = reconciliation.get_report(report_id)
    if report is None:
        raise NotFoundError("no such reconciliation report")
    return report
