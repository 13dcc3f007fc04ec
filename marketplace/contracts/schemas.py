"""Contract schemas: inputs apart from outputs; money out as decimal strings in the contract's currency."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..escrow.schemas import MilestoneTermInSchema, payment_terms_error
from ..http.arguments import MAX_ID
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from ..money import CURRENCY_EXPONENTS
from ..rfq.models import INCOTERMS
from ..rfq.schemas import AwardSchema, MilestoneTermSchema
from ..vendors.schemas import REGION
from .models import ContractSource, ContractStatus, VersionStatus

_ID = validate.Range(min=1, max=MAX_ID)
_QTY = validate.Range(min=1, max=10**12)

# --- input --------------------------------------------------------------------------------------


class TierInSchema(Schema):
    min_qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=2, max=10**12))
    unit_price = MoneyField(required=True)


class ContractItemInSchema(Schema):
    """One item: a catalog product of the vendor, or goods described in words; its fixed unit price and cheaper
    breaks from a quantity on."""

    item_no = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000), metadata={
        "description": "amendments: the number of the item it replaces (omit for a new item)"})
    product_id = fields.Integer(strict=True, validate=_ID)
    description = fields.String(validate=validate.Length(min=1, max=2000))
    unit = fields.String(validate=validate.Length(min=1, max=16))
    unit_price = MoneyField(metadata={"description": "required unless the product's price comes from the price list"})
    tiers = fields.List(fields.Nested(TierInSchema), validate=validate.Length(max=10))
    committed_qty = fields.Integer(strict=True, validate=_QTY, allow_none=True)


def _terms_check(data: dict) -> None:
    terms = data.get("payment_terms")
    if terms is not None and (problem := payment_terms_error(terms)):
        raise ValidationError(problem, "payment_terms")


class _TermsInSchema(Schema):
    payment_terms = fields.List(fields.Nested(MilestoneTermInSchema), validate=validate.Length(min=1, max=6))
    incoterm = fields.String(validate=validate.OneOf(INCOTERMS), allow_none=True)
    named_place = fields.String(validate=validate.Length(max=200), allow_none=True)
    delivery_region = fields.String(validate=REGION, allow_none=True)
    delivery_address = fields.String(validate=validate.Length(max=2000), allow_none=True)
    lead_time_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=3650), allow_none=True)

    @validates_schema
    def _terms(self, data, **kwargs):
        _terms_check(data)


class ContractCreateSchema(_TermsInSchema):
    """A contract proposed to the other side: a buyer names ``vendor_id``, a vendor names ``buyer_id``."""

    vendor_id = fields.Integer(strict=True, validate=_ID)
    buyer_id = fields.Integer(strict=True, validate=_ID)
    price_list_id = fields.Integer(strict=True, validate=_ID, metadata={
        "description": "agree the contract from this negotiated price list: its products and breaks become the "
                       "items (``items`` may add committed quantities or override prices)"})
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)),
                             metadata={"description": "without a price list; default the platform's currency"})
    starts_on = fields.Date(metadata={"description": "first day of validity (default today)"})
    ends_on = fields.Date(required=True, metadata={"description": "last day of validity, inclusive"})
    max_value = MoneyField(required=True, metadata={"description": "call-offs' goods together may not exceed it"})
    committed_value = MoneyField(allow_none=True, metadata={"description": "what the buyer intends to order"})
    items = fields.List(fields.Nested(ContractItemInSchema), validate=validate.Length(max=200))


class ContractAwardSchema(AwardSchema):
    """Award quotes (or lines) of an RFQ as framework contracts instead of one-off deals."""

    title = fields.String(validate=validate.Length(min=3, max=200))
    starts_on = fields.Date()
    ends_on = fields.Date(required=True)
    max_value = MoneyField(metadata={"description": "default: the awarded goods at the RFQ's quantities"})
    committed_value = MoneyField(allow_none=True)


class AmendmentSchema(_TermsInSchema):
    """New terms for an active contract; what is left out stays as it is."""

    summary = fields.String(required=True, validate=validate.Length(min=3, max=2000),
                            metadata={"description": "what changes, in words both sides read"})
    ends_on = fields.Date()
    max_value = MoneyField()
    committed_value = MoneyField(allow_none=True)
    items = fields.List(fields.Nested(ContractItemInSchema), validate=validate.Length(min=1, max=200),
                        metadata={"description": "the whole new item list (items keep their ``item_no``)"})


class RenewSchema(Schema):
    title = fields.String(validate=validate.Length(min=3, max=200))
    starts_on = fields.Date(metadata={"description": "default: the day after the contract ends"})
    ends_on = fields.Date(required=True)
    max_value = MoneyField()
    committed_value = MoneyField(allow_none=True)
    summary = fields.String(validate=validate.Length(max=2000))


class ContractReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class CallOffLineInSchema(Schema):
    item_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000))
    quantity = fields.Integer(required=True, strict=True, validate=_QTY)


class CallOffCreateSchema(Schema):
    lines = fields.List(fields.Nested(CallOffLineInSchema), required=True, validate=validate.Length(min=1, max=200))
    delivery_region = fields.String(validate=REGION)
    delivery_address = fields.String(validate=validate.Length(max=2000))
    note = fields.String(validate=validate.Length(max=2000))


class ContractQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in ContractStatus]))
    counterparty_id = fields.Integer(strict=True, validate=_ID)


# --- output -------------------------------------------------------------------------------------


class TierSchema(Schema):
    min_qty = fields.Integer()
    unit_price = MoneyField()


class ContractItemSchema(Schema):
    item_no = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    sku = fields.String(allow_none=True)
    description = fields.String()
    unit = fields.String()
    currency = fields.String()
    unit_price = MoneyField()
    tiers = fields.List(fields.Nested(TierSchema))
    committed_qty = fields.Integer(allow_none=True)


class ContractVersionSchema(Schema):
    number = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in VersionStatus]))
    summary = fields.String()
    proposed_by_org = fields.Integer()
    currency = fields.String()
    ends_on = fields.Date()
    max_value = MoneyField()
    committed_value = MoneyField(allow_none=True)
    payment_terms = fields.List(fields.Nested(MilestoneTermSchema))
    incoterm = fields.String(allow_none=True)
    named_place = fields.String(allow_none=True)
    delivery_region = fields.String(allow_none=True)
    delivery_address = fields.String(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True)
    buyer_accepted_at = fields.DateTime(allow_none=True)
    vendor_accepted_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    sign_by_at = fields.DateTime(allow_none=True, metadata={"description": "proposed: when it lapses unsigned"})
    items = fields.List(fields.Nested(ContractItemSchema))
    created_at = fields.DateTime()


class UtilisationItemSchema(Schema):
    item_no = fields.Integer()
    description = fields.String()
    unit = fields.String()
    committed_qty = fields.Integer(allow_none=True)
    ordered_qty = fields.Integer()
    remaining_qty = fields.Integer(allow_none=True)


class UtilisationSchema(Schema):
    currency = fields.String()
    ordered_value = MoneyField(metadata={"description": "goods of the live call-offs (cancelled or refunded deals "
                                                        "give theirs back)"})
    committed_value = MoneyField(allow_none=True)
    max_value = MoneyField()
    remaining_value = MoneyField(metadata={"description": "what call-offs may still add"})
    call_offs = fields.Integer()
    percent_of_committed = fields.Float(allow_none=True)
    percent_of_max = fields.Float()
    items = fields.List(fields.Nested(UtilisationItemSchema))


class ContractSchema(Schema):
    id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    buyer_name = fields.String()
    vendor_name = fields.String()
    title = fields.String()
    currency = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in ContractStatus]))
    source = fields.String(validate=validate.OneOf([s.value for s in ContractSource]))
    starts_on = fields.Date()
    ends_on = fields.Date()
    current_version = fields.Integer()
    rfq_id = fields.Integer(allow_none=True)
    quote_id = fields.Integer(allow_none=True)
    price_list_id = fields.Integer(allow_none=True)
    renewed_from_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    terms = fields.Nested(ContractVersionSchema, metadata={"description": "the version in force (the first, while"
                                                                          " unsigned)"})
    pending = fields.Nested(ContractVersionSchema, allow_none=True,
                            metadata={"description": "the version waiting for signatures, if any"})
    versions = fields.List(fields.Nested(ContractVersionSchema))
    utilisation = fields.Nested(UtilisationSchema)
    call_off_refusal = fields.String(allow_none=True, metadata={
        "description": "why no call-off can be placed today (contract_not_active, contract_not_started, "
                       "contract_ended), null when one can"})
    actions = fields.List(fields.String(), metadata={
        "description": "what the caller may do now: sign, decline, withdraw, amend, renew, terminate, call_off"})
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class CallOffLineSchema(Schema):
    item_no = fields.Integer()
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    currency = fields.String()
    unit_price = MoneyField()
    amount = MoneyField()


class CallOffSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    contract_version = fields.Integer()
    deal_id = fields.Integer()
    deal_status = fields.String()
    currency = fields.String()
    subtotal = MoneyField()
    note = fields.String()
    lines = fields.List(fields.Nested(CallOffLineSchema))
    created_at = fields.DateTime()


class ContractsAwardedSchema(Schema):
    rfq_id = fields.Integer()
    contracts = fields.List(fields.Nested(ContractSchema), metadata={"description": "one per winning vendor"})


ContractPageSchema = page_schema(ContractSchema, "ContractPage")
CallOffPageSchema = page_schema(CallOffSchema, "CallOffPage")
