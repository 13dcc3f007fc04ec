"""Dispute schemas."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class DisputeCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(["not_received", "not_as_described", "damaged", "other"]))
    description = fields.String(required=True, validate=validate.Length(min=5, max=10000))


class DisputeMessageCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["release", "refund", "split"]))
    vendor_amount = fields.String(validate=validate.Length(max=30))
    note = fields.String(validate=validate.Length(max=5000))

    @validates_schema
    def _split(self, data, **kwargs):
        if data["outcome"] == "split" and not data.get("vendor_amount"):
            raise ValidationError("a split needs the vendor's amount", "vendor_amount")


class DisputeMessageSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_org_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


class DisputeSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    status = fields.String()
    reason = fields.String()
    description = fields.String()
    decision = fields.Dict()
    decided_at = fields.DateTime()
    resolved_at = fields.DateTime()
    created_at = fields.DateTime()
