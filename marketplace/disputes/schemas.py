"""Dispute schemas: input (open, message, decision) and output (case, decision, message) kept apart."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.events import EventSchema
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from .models import DisputeOutcome, DisputeParty, DisputeReason, DisputeStatus


class DisputeCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in DisputeReason]))
    description = fields.String(required=True, validate=validate.Length(min=5, max=10000))


class DisputeMessageCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class DecisionCreateSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in DisputeOutcome]))
    #: the vendor's share of the held money, in the deal's currency (a split only)
    vendor_amount = MoneyField()  # like every MoneyField, refuses JSON numbers
    note = fields.String(validate=validate.Length(max=5000))

    @validates_schema
    def _split(self, data, **kwargs):
        if data.get("outcome") == DisputeOutcome.SPLIT and not data.get("vendor_amount"):
            raise ValidationError("a split needs the vendor's amount", "vendor_amount")


class DisputeMessageQuerySchema(PageQuerySchema):
    """Paging of a dispute's conversation (oldest first)."""


class DisputeMessageSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_org_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


DisputeMessagePageSchema = page_schema(DisputeMessageSchema, "DisputeMessagePage")
DisputeEventPageSchema = page_schema(EventSchema, "DisputeEventPage")


class AllocationSchema(Schema):
    party = fields.String(metadata={"enum": [p.value for p in DisputeParty]})
    amount = MoneyField()


class DecisionSchema(Schema):
    outcome = fields.String(metadata={"enum": [o.value for o in DisputeOutcome]})
    held = MoneyField(metadata={"description": "what was held in escrow when the decision was made"})
    allocations = fields.List(fields.Nested(AllocationSchema))
    note = fields.String()


class DisputeSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    currency = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in DisputeStatus]})
    reason = fields.String(metadata={"enum": [r.value for r in DisputeReason]})
    description = fields.String()
    decision = fields.Nested(DecisionSchema, attribute="decision_summary", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
