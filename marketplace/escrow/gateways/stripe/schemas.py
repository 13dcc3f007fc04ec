"""Schemas of the Stripe endpoints: onboarding in, connected account and webhook receipt out."""

from marshmallow import Schema, fields, validate

from .models import StripeAccountStatus

_url = validate.URL(schemes={"http", "https"}, require_tld=False)


class StripeOnboardingSchema(Schema):
    return_url = fields.String(validate=[validate.Length(max=2000), _url],
                               metadata={"description": "where Stripe sends the vendor when done"})
    refresh_url = fields.String(validate=[validate.Length(max=2000), _url],
                                metadata={"description": "where an expired link sends the vendor"})


class StripeAccountSchema(Schema):
    """The vendor's connected account; ``onboarding_url`` and ``expires_at`` only with a fresh link."""

    vendor_id = fields.Integer(attribute="account.vendor_id")
    account_id = fields.String(attribute="account.account_id", allow_none=True)
    status = fields.String(attribute="account.status", validate=validate.OneOf([s.value for s in StripeAccountStatus]))
    details_submitted = fields.Boolean(attribute="account.details_submitted")
    payouts_enabled = fields.Boolean(attribute="account.payouts_enabled")
    onboarding_url = fields.String(attribute="link.url")
    expires_at = fields.Integer(attribute="link.expires_at")


class WebhookReceiptSchema(Schema):
    received = fields.Boolean()
    id = fields.String(metadata={"description": "Stripe's event id"})
    duplicate = fields.Boolean(metadata={"description": "the event was delivered before"})
