"""Shipping schemas: input (book a shipment, report an event) and output (shipment with its tracking)."""

from datetime import date

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from ..money import CURRENCY_EXPONENTS
from .carriers import MANUAL, PROVINCES, valid_tracking_number
from .carriers.builtin import is_internal_number
from .models import ShipmentDirection, ShipmentStatus

STATUSES = [s.value for s in ShipmentStatus]
PROVINCE_CODES = sorted(PROVINCES)


class ShipmentLineInputSchema(Schema):
    deal_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62),
                              metadata={"description": "in the deal line's unit; at most what is left to ship"})


class ShipmentCreateSchema(Schema):
    carrier = fields.String(load_default=MANUAL, validate=validate.Length(max=32))
    tracking_number = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{4,64}$"),
                                    metadata={"description": "manual carrier only: the vendor's own number (default: "
                                                             "an internal number with a check digit)"})
    note = fields.String(validate=validate.Length(max=2000))
    weight_grams = fields.Integer(strict=True, validate=validate.Range(min=1, max=100_000_000),
                                  metadata={"description": "gross weight, sent to carriers that book by weight"})
    lines = fields.List(fields.Nested(ShipmentLineInputSchema), validate=validate.Length(min=1, max=500),
                        metadata={"description": "quantities per deal line in this shipment (partial shipments); "
                                                 "default: everything left to ship"})

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


class ShipmentLineSchema(Schema):
    deal_line_id = fields.Integer()
    quantity = fields.Integer()
    delivered_quantity = fields.Integer(allow_none=True, metadata={"description": "what the receiver took (proof of "
                                                                               "delivery); null: all once delivered"})


class DeliveryProofSchema(Schema):
    receiver_name = fields.String()
    received_at = fields.DateTime()
    image_sha256 = fields.String()
    image_type = fields.String()
    image_bytes = fields.Integer()
    note = fields.String()


class ShipmentSchema(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True, metadata={"description": "our booking key sent to the carrier"})
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
    lines = fields.List(fields.Nested(ShipmentLineSchema))
    proof = fields.Nested(DeliveryProofSchema, allow_none=True)


class BookingQueuedSchema(Schema):
    """A carrier booking that timed out: nothing is booked yet; it is tried once more in the background."""

    queued = fields.Boolean()
    carrier = fields.String()
    reference = fields.String(metadata={"description": "the booking key the retry sends again (one carrier order)"})
    message = fields.String()


class ProofLineSchema(Schema):
    deal_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62))
    delivered_quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**62))


class DeliveryProofUploadSchema(Schema):
    """Proof of delivery of a built-in carrier's shipment (multipart form: the fields and the ``image`` file)."""

    image = Upload(required=True, metadata={"description": "PNG or JPEG photo or signature (judged by its bytes)"})
    receiver_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    received_at = fields.AwareDateTime(metadata={"description": "default: now; not in the future, not before booking"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    delivered = fields.String(metadata={"description": "JSON list of {deal_line_id, delivered_quantity} when the "
                                                       "receiver took less than shipped; default: all"})


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
