"""Escrow endpoints for platform admins: the ledger's view of the money, commission rates, reconciliation."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema
from . import commission, ledger, reconciliation
from .schemas import (
    CommissionRatesSchema,
    HeldSchema,
    PayablePageSchema,
    RateSchema,
    ReconciliationReportSchema,
    TrialBalanceSchema,
)

blp = Blueprint("escrow", __name__, url_prefix="/api/v1", description="Escrow ledger, commission and reconciliation")
admin_only = login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))


@blp.route("/admin/ledger/trial-balance")
@admin_only
@blp.response(200, TrialBalanceSchema)
def trial_balance():
    """Per currency: debits and credits posted (they must be equal) and pending."""
    return ledger.trial_balance_report()


@blp.route("/admin/ledger/held")
@admin_only
@blp.response(200, HeldSchema)
def total_held():
    """Money currently held in escrow, per currency."""
    return ledger.held_report()


@blp.route("/admin/ledger/payables")
@admin_only
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, PayablePageSchema)
def payables(params):
    """Each vendor's payable balance (what the platform owes them), one page at a time, by account code."""
    return ledger.list_payables(params)


@blp.route("/admin/commission")
@admin_only
@blp.response(200, CommissionRatesSchema)
def commission_rates():
    """The platform default and every category and vendor override, in basis points."""
    return commission.list_rates()


@blp.route("/admin/commission/categories/<int:category_id>", methods=["PUT"])
@admin_only
@blp.arguments(RateSchema)
@blp.response(200, CommissionRatesSchema)
def set_category_commission(data, category_id):
    """Set (or with ``null`` remove) the commission for a category and everything under it."""
    rates = commission.set_category_rate(category_id, data["bps"], current_actor().user_id)
    db.session.commit()
    return rates


@blp.route("/admin/commission/vendors/<int:vendor_id>", methods=["PUT"])
@admin_only
@blp.arguments(RateSchema)
@blp.response(200, CommissionRatesSchema)
def set_vendor_commission(data, vendor_id):
    """Set (or with ``null`` remove) a vendor's own commission rate; it beats category rules."""
    rates = commission.set_vendor_rate(vendor_id, data["bps"])
    db.session.commit()
    return rates


@blp.route("/admin/reconciliation", methods=["GET"])
@admin_only
@blp.response(200, ReconciliationReportSchema)
@blp.alt_response(404, response="NOT_FOUND")  # before the first run: a 404 without an id in the path
def latest_reconciliation():
    """The latest reconciliation report with one row per mismatch (404 before the first run)."""
    return reconciliation.latest_report()


@blp.route("/admin/reconciliation", methods=["POST"])
@admin_only
@blp.response(201, ReconciliationReportSchema)
def run_reconciliation():
    """Reconcile the ledger with the bank statements (and other registered sources) now."""
    report = reconciliation.run_reconciliation()
    db.session.commit()
    return report


@blp.route("/admin/reconciliation/<int:report_id>", methods=["GET"])
@admin_only
@blp.response(200, ReconciliationReportSchema)
def get_reconciliation(report_id):
    """One stored reconciliation report."""
    return reconciliation.get_report(report_id)
