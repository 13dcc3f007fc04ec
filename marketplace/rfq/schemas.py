"""RFQ and quote schemas."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.pagination import PageQuerySchema
from ..money import CURRENCY_EXPONENTS, format_amount
from ..vendors.schemas import REGION
from .models import INCOTERMS

MILESTONE_DUES = ("on_award", "before_shipment")


class RfqLineInSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    category_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=16))
    target_unit_price = fields.String(validate=validate.Length(max=30))


class RfqCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    delivery_region = fields.String(validate=REGION)
    delivery_address = fields.String(validate=validate.Length(max=2000))
    incoterm = fields.String(load_default="DAP", validate=validate.OneOf(INCOTERMS))
    named_place = fields.String(validate=validate.Length(max=200))
    needed_by = fields.Date()
    quote_deadline = fields.AwareDateTime()
    visibility = fields.String(load_default="invite_only", validate=validate.OneOf(["invite_only", "open"]))
    lines = fields.List(fields.Nested(RfqLineInSchema), required=True, validate=validate.Length(min=1, max=200))


class RfqSchema(Schema):
    id = fields.Integer()
    buyer_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    currency = fields.String()
    delivery_region = fields.String()
    incoterm = fields.String()
    named_place = fields.String()
    needed_by = fields.Date()
    quote_deadline = fields.DateTime()
    visibility = fields.String()
    status = fields.String()
    published_at = fields.DateTime()
    lines = fields.Method("_lines")

    def _lines(self, rfq):
        return [{"id": l.id, "line_no": l.line_no, "description": l.description, "hs_code": l.hs_code,
                 "category_id": l.category_id,
                 "quantity": l.quantity, "unit": l.unit,
                 "target_unit_price": None if l.target_unit_price is None else format_amount(l.target_unit_price, rfq.currency)}
                for l in rfq.lines]


class InvitationSchema(Schema):
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    source = fields.String()
    rank = fields.Integer()
    score = fields.Float()
    rationale = fields.Dict()


class InviteSchema(Schema):
    vendor_id = fields.Integer(required=True, strict=True)


class MilestoneTermSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    due = fields.String(required=True, validate=validate.OneOf(MILESTONE_DUES))


class QuoteLineInSchema(Schema):
    rfq_line_id = fields.Integer(required=True, strict=True)
    unit_price = fields.String(required=True, validate=validate.Length(max=30))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    lead_time_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=3650))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class QuoteCreateSchema(Schema):
    incoterm = fields.String(validate=validate.OneOf(INCOTERMS))
    freight = fields.String(load_default="0", validate=validate.Length(max=30))
    lead_time_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=3650))
    valid_until = fields.AwareDateTime()
    payment_terms = fields.List(fields.Nested(MilestoneTermSchema), validate=validate.Length(min=1, max=6))
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    lines = fields.List(fields.Nested(QuoteLineInSchema), required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _terms(self, data, **kwargs):
        terms = data.get("payment_terms")
        if terms is not None and sum(t["percent"] for t in terms) != 100:
            raise ValidationError("milestone percentages must add up to 100", "payment_terms")
        ids = [line["rfq_line_id"] for line in data.get("lines", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("each RFQ line may be quoted once", "lines")


class QuoteLineSchema(Schema):
    id = fields.Integer()
    rfq_line_id = fields.Integer()
    unit_price = fields.String()
    quantity = fields.Integer()
    lead_time_days = fields.Integer()
    notes = fields.String()


class QuoteSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    status = fields.String()
    revision = fields.Integer()
    currency = fields.String()
    incoterm = fields.String()
    freight = fields.Method("_freight")
    subtotal = fields.Method("_subtotal")
    total = fields.Method("_total")
    lead_time_days = fields.Integer()
    valid_until = fields.DateTime()
    payment_terms = fields.List(fields.Dict())
    notes = fields.String()
    revision_requested = fields.String()
    lines = fields.Method("_lines")

    def _freight(self, q):
        return format_amount(q.freight, q.currency)

    def _subtotal(self, q):
        return format_amount(q.subtotal(), q.currency)

    def _total(self, q):
        return format_amount(q.subtotal() + q.freight, q.currency)

    def _lines(self, q):
        return [{"id": l.id, "rfq_line_id": l.rfq_line_id, "unit_price": format_amount(l.unit_price, q.currency),
                 "quantity": l.quantity, "lead_time_days": l.lead_time_days, "notes": l.notes} for l in q.lines]


class RevisionRequestSchema(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class QuoteRejectSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class AwardLineSchema(Schema):
    rfq_line_id = fields.Integer(required=True, strict=True)
    quote_id = fields.Integer(required=True, strict=True)


class AwardSchema(Schema):
    quote_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(min=1, max=50))
    lines = fields.List(fields.Nested(AwardLineSchema), validate=validate.Length(min=1, max=200))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("quote_ids")) == bool(data.get("lines")):
            raise ValidationError("give either quote_ids (whole quotes) or lines (per line)", "_schema")


class RfqQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["draft", "open", "closed", "awarded", "cancelled", "expired"]))
