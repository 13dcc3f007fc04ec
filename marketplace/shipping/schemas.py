"""Shipping schemas: input (book a shipment, report an event) and output (shipment with its tracking)."""

from marshmallow import Schema, fields, validate

from ..http.pagination import PageQuerySchema, page_schema
from .carriers import MANUAL
from .models import ShipmentDirection, ShipmentStatus

STATUSES = [s.value for s in ShipmentStatus]


class ShipmentCreateSchema(Schema):
    carrier = fields.String(load_default=MANUAL, validate=validate.Length(max=32))
    tracking_number = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{4,64}$"))
    note = fields.String(validate=validate.Length(max=2000))


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
