"""Escrow schemas: bank-transfer confirmation in; ledger reports, commission rates and reconciliation out."""

from marshmallow import Schema, fields, validate

from ..http.fields import MoneyField
from ..http.pagination import page_schema
from ..money import CURRENCY_EXPONENTS
from .ledger.accounts import PostingCode
from .models import MismatchKind, ReconciliationStatus, TransferKind

# --- input --------------------------------------------------------------------------------------


class BankTransferConfirmSchema(Schema):
    reference = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{4,32}$"))
    amount = MoneyField(required=True, metadata={"description": "decimal string in ``currency``"})
    currency = fields.String(required=True, validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))


class RateSchema(Schema):
    bps = fields.Integer(required=True, strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000))


# --- output -------------------------------------------------------------------------------------


class TransferSchema(Schema):
    """One ledger transfer with the codes of its debit and credit accounts."""

    id = fields.String()
    kind = fields.String(validate=validate.OneOf([k.value for k in TransferKind]))
    code = fields.String(validate=validate.OneOf([c.value for c in PostingCode]))
    amount = MoneyField()
    currency = fields.String()
    debit = fields.String()
    credit = fields.String()
    pending_id = fields.String(allow_none=True)
    milestone_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class DealMoneySummarySchema(Schema):
    currency = fields.String()
    funded = MoneyField()
    released = MoneyField(metadata={"description": "net to the vendor"})
    commission = MoneyField()
    refunded = MoneyField()
    held = MoneyField()


class DealLedgerSchema(Schema):
    deal_id = fields.Integer()
    currency = fields.String()
    summary = fields.Nested(DealMoneySummarySchema)
    transfers = fields.List(fields.Nested(TransferSchema))


class TrialBalanceRowSchema(Schema):
    currency = fields.String()
    debits = MoneyField()
    credits = MoneyField()
    debits_pending = MoneyField()
    credits_pending = MoneyField()
    balanced = fields.Boolean(metadata={"description": "debits equal credits"})


class TrialBalanceSchema(Schema):
    currencies = fields.Dict(keys=fields.String(), values=fields.Nested(TrialBalanceRowSchema))


class HeldRowSchema(Schema):
    currency = fields.String()
    amount = MoneyField()


class HeldSchema(Schema):
    held = fields.List(fields.Nested(HeldRowSchema))


class PayableSchema(Schema):
    """One vendor's payable account and its posted balance (what the platform owes it)."""

    account = fields.String(metadata={"description": "the ledger account code, e.g. ``vendor:7:payable``"})
    currency = fields.String()
    balance = MoneyField()


PayablePageSchema = page_schema(PayableSchema, "PayablePage")


class VendorRateSchema(Schema):
    vendor_id = fields.Integer()
    bps = fields.Integer()


class CategoryRateSchema(Schema):
    category_id = fields.Integer()
    bps = fields.Integer()


class CommissionRatesSchema(Schema):
    default_bps = fields.Integer()
    vendors = fields.List(fields.Nested(VendorRateSchema))
    categories = fields.List(fields.Nested(CategoryRateSchema))


class MismatchSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    kind = fields.String(validate=validate.OneOf([k.value for k in MismatchKind]))
    subject = fields.String()
    currency = fields.String(allow_none=True)
    expected = MoneyField(allow_none=True,
                          metadata={"description": "per the outside record, decimal string"})
    actual = MoneyField(allow_none=True,
                        metadata={"description": "per the ledger, decimal string"})
    message = fields.String()


class ReconciliationReportSchema(Schema):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in ReconciliationStatus]))
    created_at = fields.DateTime()
    mismatch_count = fields.Integer()
    summary = fields.Dict(metadata={"description": "per source and currency, the totals compared (decimal strings)"})
    mismatches = fields.List(fields.Nested(MismatchSchema))
