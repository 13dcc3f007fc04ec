"""Bank-transfer back office: statement import and matching, payout batches, payouts."""

from __future__ import annotations

from ....accounts.auth import current_actor, login_required
from ....accounts.models import MemberRole, OrgKind
from ....extensions import db
from ....http.blueprint import Blueprint
from ....http.pagination import PageQuerySchema, page_schema
from . import payouts, statements
from .schemas import (
    LineAssignSchema,
    LineQuerySchema,
    MarkPaidSchema,
    PayoutBatchCreateSchema,
    PayoutBatchSchema,
    PayoutSchema,
    StatementFileSchema,
    StatementImportResultSchema,
    StatementLineSchema,
    StatementQuerySchema,
)

blp = Blueprint("escrow_bank", __name__, url_prefix="/api/v1", description="Bank statements and payouts")
admin_only = login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))


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
    result = statements.import_statement(current_actor(), upload.read(), upload.filename, query.get("bank_account"))
    db.session.commit()
    return result


@blp.route("/admin/bank-statements/lines")
@admin_only
@blp.arguments(LineQuerySchema, location="query")
@blp.response(200, page_schema(StatementLineSchema, "StatementLinePage"))
def list_lines(params):
    """Imported statement lines, oldest first; ``state=unmatched`` lists what needs an admin."""
    return statements.list_lines(params)


@blp.route("/admin/bank-statements/lines/<int:line_id>")
@admin_only
@blp.response(200, StatementLineSchema)
def get_line(line_id):
    """One statement line with its state and ledger transfers."""
    return statements.get_line(line_id)


@blp.route("/admin/bank-statements/lines/<int:line_id>/assign", methods=["POST"])
@admin_only
@blp.arguments(LineAssignSchema)
@blp.response(200, StatementLineSchema)
def assign_line(data, line_id):
    """Assign an unmatched line to a milestone (by id or payment reference); its money funds or tops it up."""
    line = statements.assign_line(current_actor(), line_id, data.get("milestone_id"), data.get("reference"))
    db.session.commit()
    return line


@blp.route("/admin/payouts", methods=["POST"])
@admin_only
@blp.arguments(PayoutBatchCreateSchema)
@blp.response(201, PayoutBatchSchema)
def create_payout_batch(data):
    """Reserve what the platform owes (vendor payables, buyer refund payables) in a payout batch."""
    batch = payouts.create_payout_batch(current_actor(), data.get("org_ids"), data.get("currency"),
                                        data["include_refunds"])
    db.session.commit()
    return batch


@blp.route("/admin/payouts", methods=["GET"])
@admin_only
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(PayoutBatchSchema, "PayoutBatchPage"))
def list_payout_batches(params):
    """Payout batches, oldest first."""
    return payouts.list_batches(params)


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
    batch = payouts.mark_batch_paid(current_actor(), batch_id, data["bank_reference"])
    db.session.commit()
    return batch


@blp.route("/payouts", methods=["GET"])
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(PayoutSchema, "PayoutPage"))
def list_payouts(params):
    """Payouts to the caller's organisation (vendor payouts, buyer refunds); platform admins see all."""
    return payouts.list_payouts(current_actor(), params)


@blp.route("/payouts/<int:payout_id>", methods=["GET"])
@login_required()
@blp.response(200, PayoutSchema)
def get_payout(payout_id):
    """One payout of the caller's organisation (404 for another's)."""
    return payouts.get_payout(current_actor(), payout_id)
