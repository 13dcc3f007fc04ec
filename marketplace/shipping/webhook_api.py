"""Inbound carrier webhooks: ``POST /api/v1/webhooks/carriers/<carrier>`` (authenticated, stored once, processed
by a job)."""

from flask import request
from marshmallow import INCLUDE, Schema, fields, validate

from ..extensions import db
from ..http.blueprint import Blueprint
from . import webhooks
from .carriers.base import WebhookDelivery

blp = Blueprint("carrier_webhooks", __name__, url_prefix="/api/v1", description="Carrier tracking webhooks")


class CarrierWebhookQuerySchema(Schema):
    class Meta:
        unknown = INCLUDE  # carriers add their own parameters

    token = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "GHN: the shared token of the callback URL registered with GHN "
                                                   "(or the ``Token`` header)"})
    hash = fields.String(validate=validate.Length(max=200),
                         metadata={"description": "GHTK: the shared secret of the callback URL registered with GHTK"})


class CarrierWebhookReceiptSchema(Schema):
    received = fields.Boolean()
    id = fields.String(metadata={"description": "the event's dedupe key"})
    duplicate = fields.Boolean(metadata={"description": "the event was delivered before"})


@blp.route("/webhooks/carriers/<string:carrier>", methods=["POST"])
@blp.arguments(CarrierWebhookQuerySchema, location="query")
@blp.response(200, CarrierWebhookReceiptSchema)
@blp.alt_response(403, response="FORBIDDEN")  # the shared token is missing or wrong: nothing is stored
def carrier_webhook(params, carrier):
    """A carrier pushes tracking (GHN: order status JSON; GHTK: a form-encoded status update; Viettel Post: JSON with
    its ``TOKEN``); checked against the carrier's shared secret, each report stored once by its dedupe key and
    processed by a job. A wrong secret is refused (403) and nothing is stored."""
    delivery = WebhookDelivery(raw=request.get_data(), content_type=request.mimetype or "",
                               query=request.args.to_dict(), headers=dict(request.headers))
    receipt = webhooks.receive_carrier_event(carrier, delivery)
    db.session.commit()
    return receipt
