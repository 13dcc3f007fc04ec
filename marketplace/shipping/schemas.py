"""Shipping schemas: input (book a shipment, report an event) and output (shipment with its tracking)."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from ..money import CURRENCY_EXPONENTS
from .carriers import MANUAL, PROVINCES, valid_tracking_number
from .carriers.builtin import is_internal_number
from .models import ShipmentDirection, ShipmentStatus

STATUSES = [s.value for s in ShipmentStatus]
PROVINCE_CODES = sorted(PROVINCES)


class ShipmentCreateSchema(Schema):
    carrier = fields.String(load_default=MANUAL, validate=validate.Length(max=32))
    tracking_number = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{4,64}$"))
    note = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _check_digit(self, data, **kwargs):
        number = data.get("tracking_number")
        if number and is_internal_number(number) and not valid_tracking_number(number):
            raise ValidationError("not a valid internal tracking number (check digit)",
                                  field_name="tracking_number")


class TrackingEventCreateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    location = fields.String(validate=validate.Length(max=200))
    occurred_at = fields.AwareDateTime(metadata={"description": "when it happened (default: now); neither before the "
                                                                "shipment was booked nor in the future"})


class ShipmentQuerySchema(PageQuerySchema):
    """Paging and filters of a shipment list."""

    status = fields.String(validate=validate.OneOf(STATUSES))


class TrackingEventSchema(Schema):
    status = fields.String(metadata={"enum": STATUSES})
    raw_code = fields.String(allow_none=True)
    description = fields.String()
    location = fields.String(allow_none=True)
    occurred_at = fields.DateTime()


class ShipmentSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    carrier = fields.String()
    tracking_number = fields.String()
    status = fields.String(metadata={"enum": STATUSES})
    raw_status = fields.String(allow_none=True)
    last_event_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    direction = fields.String(metadata={"enum": [d.value for d in ShipmentDirection],
                                        "description": "forward: to the buyer; return: a dispute's goods coming back"})
    events = fields.List(fields.Nested(TrackingEventSchema))


ShipmentPageSchema = page_schema(ShipmentSchema, "ShipmentPage")


class RateParcelSchema(Schema):
    weight_grams = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    length_cm = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000))
    width_cm = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000))
    height_cm = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000))


class RateRequestSchema(Schema):
    """What to price: a lane between two provinces, parcels and/or pallets."""

    origin = fields.String(required=True, validate=validate.OneOf(PROVINCE_CODES),
                           metadata={"description": "ISO 3166-2 province code the goods leave from, e.g. VN-HN"})
    destination = fields.String(required=True, validate=validate.OneOf(PROVINCE_CODES),
                                metadata={"description": "ISO 3166-2 province code of the buyer, e.g. VN-SG"})
    parcels = fields.List(fields.Nested(RateParcelSchema), load_default=list, validate=validate.Length(max=100))
    pallets = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=100))
    currency = fields.String(load_default="VND", validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    ship_on = fields.Date(validate=validate.Range(min=date(2000, 1, 1), max=date(2099, 6, 30)),
                          metadata={"description": "the day the goods leave (default: today); the ETA counts "
                                                   "business days from it"})

    @validates_schema
    def _something_to_ship(self, data, **kwargs):
        if not data.get("parcels") and not data.get("pallets"):
            raise ValidationError("name at least one parcel or pallet", field_name="parcels")


class RateChargeSchema(Schema):
    code = fields.String(metadata={"enum": ["parcel", "pallet", "minimum", "fuel", "remote_area"]})
    description = fields.String()
    amount = MoneyField()
    currency = fields.String()


class RateQuoteSchema(Schema):
    carrier = fields.String()
    carrier_name = fields.String()
    service = fields.String()
    zone = fields.String(metadata={"description": "same_province, same_region or other_region (built-in card)"})
    amount = MoneyField()
    currency = fields.String()
    breakdown = fields.List(fields.Nested(RateChargeSchema))
    transit_days = fields.Integer(metadata={"description": "business days after the ship day"})
    eta = fields.Date(metadata={"description": "estimated delivery day (weekends and public holidays skipped)"})
    estimate = fields.Boolean(metadata={"description": "true: a guide price, not the carrier's binding quote"})


class RateListSchema(Schema):
    rates = fields.List(fields.Nested(RateQuoteSchema))
