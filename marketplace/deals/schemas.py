"""Deal schemas."""

from marshmallow import Schema, fields, validate

from ..http.pagination import PageQuerySchema
from ..money import format_amount
from .models import DealStatus


class DealSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer()
    quote_id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    status = fields.String()
    currency = fields.String()
    subtotal = fields.Method("_subtotal")
    freight = fields.Method("_freight")
    total = fields.Method("_total")
    commission_bps = fields.Integer()
    terms = fields.Dict()
    gateway = fields.String()
    ship_by_at = fields.DateTime()
    delivered_at = fields.DateTime()
    lines = fields.Method("_lines")
    milestones = fields.Method("_milestones")
    created_at = fields.DateTime()

    def _subtotal(self, d):
        return format_amount(d.subtotal, d.currency)

    def _freight(self, d):
        return format_amount(d.freight, d.currency)

    def _total(self, d):
        return format_amount(d.total, d.currency)

    def _lines(self, d):
        return [{"rfq_line_id": l.rfq_line_id, "description": l.description, "quantity": l.quantity, "unit": l.unit,
                 "unit_price": format_amount(l.unit_price, d.currency), "amount": format_amount(l.amount, d.currency)}
                for l in d.lines]

    def _milestones(self, d):
        return [{"id": m.id, "seq": m.seq, "name": m.name, "percent": m.percent, "due": m.due, "status": m.status,
                 "amount": format_amount(m.amount, d.currency), "payment_reference": m.payment_reference,
                 "released": format_amount(m.released_amount - m.commission_amount, d.currency),
                 "commission": format_amount(m.commission_amount, d.currency),
                 "refunded": format_amount(m.refunded_amount, d.currency)} for m in d.milestones]


class DealQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in DealStatus]))


class PaymentStartSchema(Schema):
    gateway = fields.String(load_default="bank_transfer", validate=validate.Length(max=32))


class ReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class RefundSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class EventSchema(Schema):
    name = fields.String()
    from_state = fields.String()
    to_state = fields.String()
    actor_role = fields.String()
    actor_user_id = fields.Integer()
    payload = fields.Dict()
    at = fields.DateTime()
