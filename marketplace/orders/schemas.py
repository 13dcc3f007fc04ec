"""Order schemas: inputs apart from outputs; money out as decimal strings in the order's currency."""

from marshmallow import Schema, fields, validate

from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema
from .models import OrderStatus
from .services import confirm_deadline, deal_id_of

_ID = validate.Range(min=1, max=2**53)

# --- input --------------------------------------------------------------------------------------


class CartItemCreateSchema(Schema):
    product_id = fields.Integer(required=True, strict=True, validate=_ID)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**9),
                              metadata={"description": "units added to what the cart holds already"})


class CartItemUpdateSchema(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9),
                              metadata={"description": "the line's new quantity; 0 removes it"})


class OrderCreateSchema(Schema):
    delivery_region = fields.String(validate=validate.Regexp(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"),
                                    metadata={"description": "ISO 3166-2 province (e.g. VN-SG) or a country code"})
    delivery_address = fields.String(validate=validate.Length(max=2000))
    note = fields.String(validate=validate.Length(max=2000))


class OrderQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))


class OrderReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class OrderRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


# --- output -------------------------------------------------------------------------------------


class ProblemSchema(Schema):
    code = fields.String(metadata={"enum": ["unavailable", "below_moq", "pack_size", "out_of_stock", "no_price"]})
    message = fields.String()


class CartLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    name_vi = fields.String(allow_none=True)
    unit = fields.String()
    quantity = fields.Integer()
    moq = fields.Integer()
    pack_size = fields.Integer()
    available = fields.Integer(allow_none=True, metadata={"description": "units left in stock; null: made to order"})
    currency = fields.String()
    unit_price = MoneyField(allow_none=True)
    amount = MoneyField(allow_none=True)
    price_source = fields.String(allow_none=True, metadata={"enum": ["negotiated", "public"]})
    price_list_id = fields.Integer(allow_none=True)
    problems = fields.List(fields.Nested(ProblemSchema))


class CartVendorSchema(Schema):
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    currency = fields.String()
    subtotal = MoneyField()
    lines = fields.List(fields.Nested(CartLineSchema))


class UnavailableSchema(Schema):
    product_id = fields.Integer(allow_none=True)
    description = fields.String()
    reason = fields.String(metadata={"enum": ["unavailable", "not_in_catalog"]})


class CartSchema(Schema):
    vendors = fields.List(fields.Nested(CartVendorSchema), metadata={"description": "one future order per vendor"})
    count = fields.Integer()
    orderable = fields.Boolean()
    unavailable = fields.List(fields.Nested(UnavailableSchema),
                              metadata={"description": "reorder only: lines not put back in the cart"})


class OrderLineSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit = fields.String()
    unit_price = MoneyField(currency=lambda line: line.currency)
    amount = MoneyField(currency=lambda line: line.currency)
    price_source = fields.String()
    price_list_id = fields.Integer(allow_none=True)


class OrderSchema(Schema):
    id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))
    currency = fields.String()
    subtotal = MoneyField()
    freight = MoneyField()
    total = MoneyField()
    delivery_region = fields.String(allow_none=True)
    delivery_address = fields.String(allow_none=True)
    note = fields.String()
    reason = fields.String(allow_none=True)
    lines = fields.Method("_lines")
    deal_id = fields.Method("_deal_id", allow_none=True)
    confirm_by_at = fields.Method("_confirm_by", allow_none=True)
    created_at = fields.DateTime()

    def _lines(self, order):
        schema = OrderLineSchema()
        return [schema.dump(_Line(l, order.currency)) for l in order.lines]

    def _deal_id(self, order):
        return deal_id_of(order)

    def _confirm_by(self, order):
        due = confirm_deadline(order)
        return due.isoformat() if due else None


class _Line:
    def __init__(self, line, currency):
        self._line, self.currency = line, currency

    def __getattr__(self, name):
        return getattr(self._line, name)


class OrdersPlacedSchema(Schema):
    orders = fields.List(fields.Nested(OrderSchema))


class OrderConfirmedSchema(Schema):
    order = fields.Nested(OrderSchema)
    deal_id = fields.Integer()


class OrderTermsInSchema(Schema):
    """A vendor's default payment terms for catalog orders."""

    payment_terms = fields.List(fields.Dict(), required=True, metadata={
        "description": "one to six milestones ``{name, percent, due, net_days?}`` adding up to 100, at least one "
                       "paid before shipment (as a quote's terms)"})


class OrderTermSchema(Schema):
    name = fields.String()
    percent = fields.Integer()
    due = fields.String()
    net_days = fields.Integer(allow_none=True)


class OrderTermsSchema(Schema):
    vendor_id = fields.Integer()
    payment_terms = fields.List(fields.Nested(OrderTermSchema))
    default = fields.Boolean(metadata={"description": "true: the platform default (100 % before shipment)"})
