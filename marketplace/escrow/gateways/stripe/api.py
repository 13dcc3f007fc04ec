"""Stripe endpoints: the webhook inbox and vendor onboarding to a connected account."""

from flask import request, url_for

from ....accounts.auth import current_actor, login_required
from ....accounts.models import MemberRole, OrgKind
from ....extensions import db
from ....http.blueprint import Blueprint
from ....jobs import run_outbox_command
from . import onboarding, webhooks
from .schemas import StripeAccountSchema, StripeOnboardingSchema, WebhookReceiptSchema

blp = Blueprint("stripe", __name__, url_prefix="/api/v1", description="Stripe: webhooks and vendor payout accounts")


@blp.route("/webhooks/stripe", methods=["POST"])
@blp.response(200, WebhookReceiptSchema)
def stripe_webhook():
    """Stripe delivers events here; they are verified on the raw body, stored once and processed by a job."""
    receipt = webhooks.receive_stripe_event(request.get_data(), request.headers.get("Stripe-Signature"))
    db.session.commit()
    return receipt


@blp.route("/vendors/<int:vendor_id>/payout-account/stripe", methods=["POST"])
@login_required(OrgKind.VENDOR, roles=(MemberRole.OWNER, MemberRole.ADMIN))
@blp.arguments(StripeOnboardingSchema)
@blp.response(200, StripeAccountSchema)
@blp.alt_response(202, schema=StripeAccountSchema, description="The connected account is still being created")
@blp.alt_response(502, response="BAD_GATEWAY")  # Stripe failed to make the onboarding link
def start_stripe_onboarding(data, vendor_id):
    """Create the vendor's Express connected account (once) and return a fresh onboarding link."""
    actor = current_actor()  # read once: running the command below ends this session
    _account, command = onboarding.request_connected_account(actor, vendor_id)
    command_id = command.id if command is not None else None
    db.session.commit()
    if command_id is not None:
        # made now so the vendor gets its link at once; if Stripe fails, the outbox row stays and the
        # sweeper re-drives it with the same key, and the vendor's next try finds the account made
        run_outbox_command(command_id)
    here = url_for("stripe.start_stripe_onboarding", vendor_id=vendor_id, _external=True)
    state = onboarding.onboarding_state(actor, vendor_id, data.get("return_url", here), data.get("refresh_url", here))
    return state, (202 if state.creating else 200)


@blp.route("/vendors/<int:vendor_id>/payout-account/stripe", methods=["GET"])
@login_required(OrgKind.VENDOR, roles=(MemberRole.OWNER, MemberRole.ADMIN))
@blp.response(200, StripeAccountSchema)
def stripe_account(vendor_id):
    """The vendor's connected account as we know it (updated by Stripe's ``account.updated`` events)."""
    return onboarding.account_state(current_actor(), vendor_id)
