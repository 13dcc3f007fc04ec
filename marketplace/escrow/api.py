"""Escrow endpoints: bank-transfer confirmation and the admin's view of the money."""

from ..http.blueprint import Blueprint

from ..accounts.auth import current_actor, login_required
from ..deals import services as deals
from ..deals.schemas import DealSchema
from ..errors import InvalidInputError
from ..extensions import db
from ..money import MoneyError, format_amount, parse_amount
from marshmallow import Schema, fields, validate

from . import commission, ledger
from .schemas import BankTransferConfirmSchema

blp = Blueprint("escrow", __name__, url_prefix="/api/v1", description="Escrow, ledger and payouts")
admin_only = login_required("platform", roles=("admin",))


@blp.route("/admin/bank-transfers", methods=["POST"])
@admin_only
@blp.arguments(BankTransferConfirmSchema)
@blp.response(200, DealSchema)
def confirm_bank_transfer(data):
    """An admin confirms a bank transfer by its payment reference; the milestone is held in escrow."""
    try:
        amount = parse_amount(data["amount"], data["currency"])
    except MoneyError as exc:
        raise InvalidInputError(str(exc), fields={"amount": [str(exc)]}) from None
    deal = deals.confirm_bank_transfer(current_actor(), data["reference"], amount, data["currency"])
    db.session.commit()
    return deal


@blp.route("/admin/ledger/trial-balance")
@admin_only
def trial_balance():
    """Per currency: debits and credits posted (they must be equal) and pending."""
    out = {}
    for currency, row in ledger.trial_balance().items():
        out[currency] = {k: format_amount(v, currency) for k, v in row.items()}
        out[currency]["balanced"] = row["debits"] == row["credits"]
    return {"currencies": out}


@blp.route("/admin/ledger/held")
@admin_only
def total_held():
    """Money currently held in escrow, per currency."""
    return {"held": [{"currency": c, "amount": format_amount(v, c)} for c, v in ledger.total_held().items()]}


@blp.route("/admin/ledger/payables")
@admin_only
def payables():
    """Each vendor's payable balance (what the platform owes them)."""
    return {"payables": [{**row, "balance": format_amount(row["balance"], row["currency"])}
                         for row in ledger.payable_balances("vendor:")]}


@blp.route("/admin/deals/<int:deal_id>/ledger")
@admin_only
def deal_ledger(deal_id):
    """Every ledger transfer of one deal, and its money summary."""
    deal = deals.get_deal(current_actor(), deal_id)
    transfers = [{"id": t.id, "kind": t.kind, "code": t.code, "amount": format_amount(t.amount, t.currency),
                  "currency": t.currency, "debit": debit, "credit": credit, "pending_id": t.pending_id,
                  "milestone_id": t.milestone_id, "created_at": t.created_at.isoformat()}
                 for t, debit, credit in ledger.deal_ledger_with_accounts(deal.id)]
    summary = {k: format_amount(v, deal.currency) for k, v in ledger.deal_summary(deal.id, deal.currency).items()}
    return {"deal_id": deal.id, "currency": deal.currency, "summary": summary, "transfers": transfers}


class RateSchema(Schema):
    bps = fields.Integer(required=True, strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000))


@blp.route("/admin/commission")
@admin_only
def commission_rates():
    """The platform default and every category and vendor override, in basis points."""
    return commission.list_rates()


@blp.route("/admin/commission/categories/<int:category_id>", methods=["PUT"])
@admin_only
@blp.arguments(RateSchema)
def set_category_commission(data, category_id):
    """Set (or with ``null`` remove) the commission for a category and everything under it."""
    commission.set_category_rate(category_id, data["bps"], current_actor().user_id)
    db.session.commit()
    return commission.list_rates()


@blp.route("/admin/commission/vendors/<int:vendor_id>", methods=["PUT"])
@admin_only
@blp.arguments(RateSchema)
def set_vendor_commission(data, vendor_id):
    """Set (or with ``null`` remove) a vendor's own commission rate; it beats category rules."""
    commission.set_vendor_rate(vendor_id, data["bps"])
    db.session.commit()
    return commission.list_rates()
