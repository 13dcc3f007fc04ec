"""Deal schemas: inputs apart from outputs; money out as decimal strings in the deal's currency."""

from marshmallow import Schema, fields, pre_dump, validate

from ..escrow.gateways.bank.gateway import GATEWAY as BANK_TRANSFER
from ..escrow.models import MilestoneStatus
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema
from .models import DealStatus

# --- input --------------------------------------------------------------------------------------


class DealQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in DealStatus]))


class PaymentStartSchema(Schema):
    gateway = fields.String(load_default=BANK_TRANSFER, validate=validate.Length(max=32))


class ReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class RefundSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class AcceptedLineSchema(Schema):
    deal_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**31 - 1),
                              metadata={"description": "units of the line accepted (0 up to the line's quantity)"})


class PartialAcceptanceCreateSchema(Schema):
    """Every line of the deal with the quantity accepted; what is not accepted is disputed."""

    lines = fields.List(fields.Nested(AcceptedLineSchema), required=True, validate=validate.Length(min=1, max=1000))
    description = fields.String(required=True, validate=validate.Length(min=5, max=10000),
                                metadata={"description": "what is wrong with the rest (the dispute's description)"})


# --- output -------------------------------------------------------------------------------------


class DealLineSchema(Schema):
    id = fields.Integer()
    rfq_line_id = fields.Integer(allow_none=True, metadata={"description": "null unless the deal came from an RFQ"})
    product_id = fields.Integer(allow_none=True, metadata={"description": "the catalog product, for ordered lines"})
    description = fields.String()
    quantity = fields.Integer()
    unit = fields.String()
    unit_price = MoneyField()
    amount = MoneyField()
    currency = fields.String()


class MilestoneSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    name = fields.String()
    percent = fields.Integer()
    due = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in MilestoneStatus]))
    amount = MoneyField()
    currency = fields.String()
    payment_reference = fields.String(allow_none=True)
    released = MoneyField(metadata={"description": "net to the vendor (released less commission)"})
    commission = MoneyField()
    refunded = MoneyField()
    net_days = fields.Integer(allow_none=True, metadata={"description": "net_days terms: days after delivery"})
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "terms due on or after delivery: when the buyer must have paid (set at delivery)"})
    overdue = fields.Boolean(metadata={"description": "still unpaid past ``due_at``"})


class DealSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer(allow_none=True, metadata={"description": "null unless ``source`` is rfq"})
    quote_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True, metadata={"description": "the catalog order it came from"})
    source = fields.String(metadata={"enum": ["rfq", "order", "contract"]})
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in DealStatus]))
    currency = fields.String()
    subtotal = MoneyField()
    freight = MoneyField()
    total = MoneyField()
    commission_bps = fields.Integer()
    terms = fields.Dict()
    gateway = fields.String(allow_none=True)
    ship_by_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(DealLineSchema))
    milestones = fields.List(fields.Nested(MilestoneSchema))
    created_at = fields.DateTime()

    @pre_dump
    def _in_deal_currency(self, deal, **kwargs):
        """Lines and milestones carry no currency of their own: they are shown in the deal's."""
        return _DealView(deal)


class _DealView:
    """A deal whose lines and milestones are dicts that name the deal's currency."""

    def __init__(self, deal):
        self._deal = deal

    def __getattr__(self, name):
        return getattr(self._deal, name)

    @property
    def lines(self) -> list[dict]:
        d = self._deal
        return [{"id": l.id, "rfq_line_id": l.rfq_line_id, "product_id": l.product_id, "description": l.description, "quantity": l.quantity, "unit": l.unit,
                 "unit_price": l.unit_price, "amount": l.amount, "currency": d.currency} for l in d.lines]

    @property
    def milestones(self) -> list[dict]:
        d = self._deal
        return [{"id": m.id, "seq": m.seq, "name": m.name, "percent": m.percent, "due": m.due, "status": m.status,
                 "amount": m.amount, "currency": d.currency, "payment_reference": m.payment_reference,
                 "released": m.released_amount - m.commission_amount, "commission": m.commission_amount,
                 "refunded": m.refunded_amount, "net_days": m.net_days, "due_at": m.due_at,
                 "overdue": m.is_overdue()} for m in d.milestones]


class InstructionsSchema(Schema):
    """How to pay one milestone; which fields appear depends on the gateway."""

    method = fields.String()
    amount = MoneyField()
    currency = fields.String()
    bank_name = fields.String()
    account_name = fields.String()
    account_number = fields.String()
    reference = fields.String()
    status = fields.String(metadata={"description": "stripe: preparing | ready | a PaymentIntent's terminal status"})
    payment_intent = fields.String()
    client_secret = fields.String()


class MilestonePaymentSchema(Schema):
    milestone_id = fields.Integer()
    seq = fields.Integer()
    name = fields.String()
    due = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in MilestoneStatus]))
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    instructions = fields.Nested(InstructionsSchema)


class PaymentsSchema(Schema):
    gateway = fields.String(allow_none=True)
    milestones = fields.List(fields.Nested(MilestonePaymentSchema))


class PartialAcceptanceLineSchema(Schema):
    deal_line_id = fields.Integer()
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer(metadata={"description": "units delivered"})
    accepted = fields.Integer(metadata={"description": "units accepted"})
    withheld = fields.Integer(metadata={"description": "units disputed"})
    unit_price = MoneyField()
    accepted_value = MoneyField()
    currency = fields.String()


class PartialAcceptanceSchema(Schema):
    """A partial acceptance: the share released now (gross, commission, net) and what stays held for its dispute."""

    deal_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in DealStatus]))
    dispute_id = fields.Integer(allow_none=True)
    currency = fields.String()
    lines = fields.List(fields.Nested(PartialAcceptanceLineSchema))
    accepted_value = MoneyField(metadata={"description": "the accepted goods' value"})
    freight_released = MoneyField(metadata={"description": "the freight released with them (pro rata to value)"})
    released = MoneyField(metadata={"description": "gross released to the vendor: goods plus freight share"})
    commission = MoneyField()
    released_net = MoneyField(metadata={"description": "what the vendor nets"})
    held = MoneyField(metadata={"description": "what stays held in escrow for the dispute"})
    accepted_at = fields.DateTime()


class TransitionsSchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in DealStatus]))
    allowed = fields.List(fields.String(), metadata={"description": "transitions the caller may trigger now"})




class ShippingPlanLineSchema(Schema):
    deal_line_id = fields.Integer()
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer(metadata={"description": "ordered"})
    in_transit = fields.Integer(metadata={"description": "in shipments on their way"})
    delivered = fields.Integer(metadata={"description": "arrived in delivered shipments"})
    remaining = fields.Integer(metadata={"description": "left to ship (cancelled, returned or lost shipments count "
                                                        "here again)"})


class ShippingPlanSchema(Schema):
    deal_id = fields.Integer()
    lines = fields.List(fields.Nested(ShippingPlanLineSchema))
    complete = fields.Boolean(metadata={"description": "every line has arrived in full"})
