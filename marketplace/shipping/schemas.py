"""Shipping schemas."""

from marshmallow import Schema, fields, validate

from .models import TRACKING_RANK


class ShipmentCreateSchema(Schema):
    carrier = fields.String(load_default="manual", validate=validate.Length(max=32))
    tracking_number = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{4,64}$"))
    note = fields.String(validate=validate.Length(max=2000))


class TrackingEventCreateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(sorted(TRACKING_RANK)))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    location = fields.String(validate=validate.Length(max=200))
    occurred_at = fields.AwareDateTime()


class TrackingEventSchema(Schema):
    status = fields.String()
    raw_code = fields.String()
    description = fields.String()
    location = fields.String()
    occurred_at = fields.DateTime()


class ShipmentSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    carrier = fields.String()
    tracking_number = fields.String()
    status = fields.String()
    delivered_at = fields.DateTime()
    events = fields.List(fields.Nested(TrackingEventSchema))
