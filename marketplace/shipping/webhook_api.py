"""Inbound carrier webhooks: ``POST /api/v1/webhooks/carriers/<carrier>`` (authenticated, stored once, processed
by a job)."""

from flask import request
from marshmallow import Schema, fields, validate

from ..extensions import db
from ..http.blueprint import Blueprint
from . import webhooks

blp = Blueprint("carrier_webhooks", __name__, url_prefix="/api/v1", description="Carrier tracking webhooks")


class CarrierWebhookQuerySchema(Schema):
    token = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "the shared token of the callback URL registered with the carrier "
                                                   "(or the ``Token`` header)"})


class CarrierWebhookReceiptSchema(Schema):
    received = fields.Boolean()
    id = fields.String(metadata={"description": "the event's dedupe key"})
    duplicate = fields.Boolean(metadata={"description": "the event was delivered before"})


@blp.route("/webhooks/carriers/<string:carrier>", methods=["POST"])
@blp.arguments(CarrierWebhookQuerySchema, location="query")
@blp.response(200, CarrierWebhookReceiptSchema)
@blp.alt_response(403, response="FORBIDDEN")  # the shared token is missing or wrong: nothing is stored
def carrier_webhook(params, carrier):
    """A carrier pushes a tracking event (GHN: its order status JSON); checked against the shared token, stored
    once by OrderCode + Status + Time and processed by a job. A wrong token is refused and nothing is stored."""
    receipt = webhooks.receive_carrier_event(carrier, request.get_data(),
                                             params.get("token") or request.headers.get("Token"))
    db.session.commit()
    return receipt
