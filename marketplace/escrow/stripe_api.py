"""Stripe endpoints: the webhook inbox and vendor onboarding to a connected account."""

from flask import request, url_for
from ..http.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from ..accounts.auth import current_actor, login_required
from ..errors import NotFoundError
from ..extensions import db
from ..jobs import run_outbox_command
from . import stripe_gateway, webhooks

blp = Blueprint("stripe", __name__, url_prefix="/api/v1", description="Stripe: webhooks and vendor payout accounts")

_url = validate.URL(schemes={"http", "https"}, require_tld=False)


class StripeOnboardingSchema(Schema):
    return_url = fields.String(validate=[validate.Length(max=2000), _url])  #: where Stripe sends the vendor when done
    refresh_url = fields.String(validate=[validate.Length(max=2000), _url])  #: where an expired link sends the vendor


class StripeAccountSchema(Schema):
    vendor_id = fields.Integer()
    account_id = fields.String()
    status = fields.String()  #: creating | onboarding | enabled
    details_submitted = fields.Boolean()
    payouts_enabled = fields.Boolean()
    onboarding_url = fields.String()
    expires_at = fields.Integer()


def _account_body(account, link: dict | None = None) -> dict:
    status = ("creating" if account.account_id is None else
              "enabled" if account.details_submitted and account.payouts_enabled else "onboarding")
    body = {"vendor_id": account.vendor_id, "account_id": account.account_id, "status": status,
            "details_submitted": account.details_submitted, "payouts_enabled": account.payouts_enabled}
    if link:
        body.update(onboarding_url=link["url"], expires_at=link["expires_at"])
    return body


@blp.route("/webhooks/stripe", methods=["POST"])
def stripe_webhook():
    """Stripe delivers events here; they are verified on the raw body, stored once and processed by a job."""
    event, new = webhooks.receive_stripe_event(request.get_data(), request.headers.get("Stripe-Signature"))
    db.session.commit()
    return {"received": True, "id": event.event_id, "duplicate": not new}


@blp.route("/vendors/<int:vendor_id>/payout-account/stripe", methods=["POST"])
@login_required("vendor", roles=("owner", "admin"))
@blp.arguments(StripeOnboardingSchema)
@blp.response(200, StripeAccountSchema)
@blp.alt_response(202, schema=StripeAccountSchema, description="The connected account is still being created")
def start_stripe_onboarding(data, vendor_id):
    """Create the vendor's Express connected account (once) and return a fresh onboarding link."""
    account, command = stripe_gateway.request_connected_account(current_actor(), vendor_id)
    command_id = command.id if command is not None else None
    db.session.commit()
    if command_id is not None:
        # made now so the vendor gets its link at once; if Stripe fails, the outbox row stays and the
        # sweeper re-drives it with the same key, and the vendor's next try finds the account made
        run_outbox_command(command_id)
    account = stripe_gateway.connected_account(vendor_id)
    if account.account_id is None:
        return _account_body(account), 202
    here = url_for("stripe.start_stripe_onboarding", vendor_id=vendor_id, _external=True)
    link = stripe_gateway.create_account_link(vendor_id, data.get("return_url", here), data.get("refresh_url", here))
    return _account_body(account, link)


@blp.route("/vendors/<int:vendor_id>/payout-account/stripe", methods=["GET"])
@login_required("vendor", roles=("owner", "admin"))
@blp.response(200, StripeAccountSchema)
def stripe_account(vendor_id):
    """The vendor's connected account as we know it (updated by Stripe's ``account.updated`` events)."""
    account = stripe_gateway.connected_account(vendor_id) if current_actor().org_id == vendor_id else None
    if account is None:
        raise NotFoundError("no Stripe payout account yet")
    return _account_body(account)
