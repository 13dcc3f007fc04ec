"""Webhook schemas: endpoints in (create, update) and out (with the secret only on creation and rotation),
the delivery log and its paging."""

from marshmallow import Schema, fields, validate

from ..http.pagination import PageQuerySchema, page_schema
from .models import DeliveryStatus

EVENT_TYPES_HELP = ("notification kinds (see docs/webhooks.md and GET /webhooks/event-types), or [\"*\"] for all;"
                    " unknown types are a 422")

CHOOSE_ONE = "Choose at least one event type."


class EndpointCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                        metadata={"description": "https URL on a public address"})
    description = fields.String(load_default="", validate=validate.Length(max=500))
    event_types = fields.List(fields.String(validate=validate.Length(min=1, max=48)), required=True,
                              validate=[validate.Length(min=1, error=CHOOSE_ONE), validate.Length(max=100)],
                              metadata={"description": EVENT_TYPES_HELP})
    enabled = fields.Boolean(load_default=True)


class EndpointUpdateSchema(Schema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    description = fields.String(validate=validate.Length(max=500))
    event_types = fields.List(fields.String(validate=validate.Length(min=1, max=48)),
                              validate=[validate.Length(min=1, error=CHOOSE_ONE), validate.Length(max=100)],
                              metadata={"description": EVENT_TYPES_HELP})
    enabled = fields.Boolean()


class EndpointQuerySchema(PageQuerySchema):
    """Paging of the organisation's endpoints (oldest first)."""


class HealthSchema(Schema):
    last_status = fields.String(allow_none=True, metadata={"enum": [s.value for s in DeliveryStatus],
                                                           "description": "the newest delivery's status"})
    last_status_code = fields.Integer(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    failed_since_success = fields.Integer(metadata={"description": "deliveries failed for good since the last success"})
    failing = fields.Integer(metadata={"description": "deliveries still being retried after a failed attempt"})


class EndpointSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    secret_rotated_at = fields.DateTime(allow_none=True)
    previous_secret_expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "until then deliveries also carry a signature by the old secret"})
    health = fields.Nested(HealthSchema, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class EndpointWithSecretSchema(EndpointSchema):
    secret = fields.String(metadata={"description": "the signing secret: shown only now; store it safely"})


EndpointPageSchema = page_schema(EndpointSchema, "WebhookEndpointPage")


class DeliveryQuerySchema(PageQuerySchema):
    """Paging of an endpoint's delivery log (newest first), optionally by status."""

    status = fields.String(validate=validate.OneOf([s.value for s in DeliveryStatus]))


class AttemptSchema(Schema):
    number = fields.Integer()
    started_at = fields.DateTime()
    duration_ms = fields.Integer(allow_none=True)
    status_code = fields.Integer(allow_none=True, metadata={"description": "null: no HTTP answer"})
    response_excerpt = fields.String(allow_none=True, metadata={"description": "the first 1 KB of the answer"})
    error = fields.String(allow_none=True)
    succeeded = fields.Boolean()


class DeliverySchema(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String(attribute="event.type")
    replay_of_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in DeliveryStatus]})
    attempt_count = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_attempt_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptSchema))


DeliveryPageSchema = page_schema(DeliverySchema, "WebhookDeliveryPage")


class EventTypesSchema(Schema):
    event_types = fields.List(fields.String(), metadata={"description": "what an endpoint may subscribe to"})
