"""Escrow schemas: bank-transfer confirmation in; ledger reports, commission rates and reconciliation out."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.fields import MoneyField
from ..http.pagination import page_schema
from ..money import CURRENCY_EXPONENTS
from .ledger.accounts import PostingCode
from .models import (
    BEFORE_SHIPMENT_DUES,
    MilestoneDue,
    MismatchKind,
    ReconciliationStatus,
    TransferKind,
)

#: the longest credit a ``net_days`` term may give, in days after delivery
MAX_NET_DAYS = 365

# --- input --------------------------------------------------------------------------------------


class BankTransferConfirmSchema(Schema):
    reference = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{4,32}$"))
    amount = MoneyField(required=True, metadata={"description": "decimal string in ``currency``"})
    currency = fields.String(required=True, validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))


class MilestoneTermInSchema(Schema):
    """One payment term of a quote, order or contract: ``{"name", "percent", "due", "net_days"?}``."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    due = fields.String(required=True, validate=validate.OneOf([d.value for d in MilestoneDue]), metadata={
        "description": "on_award, before_shipment (the vendor ships once these are held), on_delivery (falls due"
                       " at delivery, payable within a short grace) or net_days (``net_days`` days after delivery)"})
    net_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_NET_DAYS), metadata={
        "description": "days after delivery a ``net_days`` term falls due; only with ``due: net_days``"})

    @validates_schema
    def _net_days(self, data, **kwargs):
        if data.get("due") == MilestoneDue.NET_DAYS and data.get("net_days") is None:
            raise ValidationError("give the number of days after delivery", "net_days")
        if data.get("due") != MilestoneDue.NET_DAYS and data.get("net_days") is not None:
            raise ValidationError("only a net_days term takes a number of days", "net_days")


def payment_terms_error(terms: list[dict]) -> str | None:
    """What is wrong with a whole schedule of validated terms, or None: the percentages add up to 100 and
    at least one term is paid into escrow before shipment (the deal ships once those are held; a schedule of
    credit only would let goods leave with nothing secured)."""
    if sum(t["percent"] for t in terms) != 100:
        return "milestone percentages must add up to 100"
    if not any(t["due"] in BEFORE_SHIPMENT_DUES for t in terms):
        return "at least one milestone must be paid on award or before shipment"
    return None


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
