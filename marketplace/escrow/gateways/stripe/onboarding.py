"""Vendor onboarding to a Stripe Express connected account: created once through the outbox, then
onboarding links on demand; ``account.updated`` events keep its flags."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ....actors import Actor
from ....errors import NotFoundError
from ....extensions import db
from ....jobs import OutboxCommand, add_outbox_command
from ....vendors.models import VendorProfile
from .client import PLATFORM_TAG, GatewayUnavailableError, require_stripe, stripe_client
from .gateway import connected_account
from .models import (
    StripeAccount,
    StripeAccountStatus,
    StripeCommand,
    WebhookEventStatus,
)


@dataclass(frozen=True)
class OnboardingState:
    """A vendor's connected account and, once the account exists, a fresh onboarding link."""

    account: StripeAccount
    link: dict | None = None  #: ``{"url", "expires_at"}`` from Stripe

    @property
    def creating(self) -> bool:
        """The outbox has not created the account yet (no link can be made)."""
        return self.account.status == StripeAccountStatus.CREATING


def request_connected_account(actor: Actor, vendor_id: int) -> tuple[StripeAccount, OutboxCommand | None]:
    """The vendor asks to be paid through Stripe: its Express account is created once (per vendor).

    Returns the account row and, while ``account_id`` is unknown, the outbox command creating it.

    :raises NotFoundError: not the caller's own vendor organisation.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    require_stripe()
    db.session.execute(insert(StripeAccount).values(vendor_id=vendor_id).on_conflict_do_nothing())
    account = db.session.execute(
        select(StripeAccount).where(StripeAccount.vendor_id == vendor_id).execution_options(populate_existing=True)
    ).scalar_one()
    if account.account_id is not None:
        return account, None
    params = {"type": "express", "capabilities": {"transfers": {"requested": True}},
              "business_profile": {"name": vendor.legal_name or vendor.organization.name},
              "metadata": {"platform": PLATFORM_TAG, "vendor_id": str(vendor_id)}}
    if current_app.config.get("STRIPE_CONNECT_COUNTRY"):
        params["country"] = current_app.config["STRIPE_CONNECT_COUNTRY"]
    return account, add_outbox_command(StripeCommand.ACCOUNT, f"acct-v{vendor_id}", {"params": params, "vendor_id": vendor_id})


def create_account_link(vendor_id: int, return_url: str, refresh_url: str) -> dict:
    """A fresh onboarding link for the vendor's connected account (no state changes on our side).

    The idempotency key names the vendor, the minute and the URLs: a double click gets the same link.

    :raises GatewayUnavailableError: Stripe failed.
    """
    account = connected_account(vendor_id)
    key = "al-v{}-{}-{}".format(vendor_id, int(time.time()) // 60,
                                hashlib.sha256(f"{return_url}|{refresh_url}".encode()).hexdigest()[:12])
    try:
        link = stripe_client().v1.account_links.create(
            params={"account": account.account_id, "refresh_url": refresh_url, "return_url": return_url,
                    "type": "account_onboarding"},
            options={"idempotency_key": key}).to_dict()
    except stripe.StripeError as exc:
        raise GatewayUnavailableError(f"Stripe did not create the onboarding link: {exc.user_message or exc}") from None
    return {"url": link["url"], "expires_at": link["expires_at"]}


def sync_account(account_id: str) -> WebhookEventStatus:
    """Re-read a connected account from Stripe and store its flags (from ``account.updated``).

    :raises stripe.StripeError: Stripe could not be asked; nothing was changed.
    """
    account = db.session.execute(
        select(StripeAccount).where(StripeAccount.account_id == account_id).with_for_update()
    ).scalar_one_or_none()
    if account is None:
        return WebhookEventStatus.IGNORED
    remote = stripe_client().v1.accounts.retrieve(account_id).to_dict()
    account.details_submitted = bool(remote.get("details_submitted"))
    account.charges_enabled = bool(remote.get("charges_enabled"))
    account.payouts_enabled = bool(remote.get("payouts_enabled"))
    return WebhookEventStatus.PROCESSED




def onboarding_state(actor: Actor, vendor_id: int, return_url: str, refresh_url: str) -> OnboardingState:
    """The vendor's account as the API shows it, with a fresh onboarding link once the account exists
    (none while it is still being created: :attr:`OnboardingState.creating`).

    :raises NotFoundError: not the caller's own vendor organisation, or no account requested.
    :raises GatewayUnavailableError: Stripe failed to make the link.
    """
    state = account_state(actor, vendor_id)
    if state.creating:
        return state
    return OnboardingState(state.account, create_account_link(vendor_id, return_url, refresh_url))


def get_account(actor: Actor, vendor_id: int) -> StripeAccount:
    """The vendor's connected account as we know it.

    :raises NotFoundError: not the caller's own organisation, or no account yet.
    """
    VendorProfile.get_visible(actor, vendor_id)
    account = connected_account(vendor_id)
    if account is None:
        raise NotFoundError("no Stripe payout account yet")
    return account


def account_state(actor: Actor, vendor_id: int) -> OnboardingState:
    """The vendor's connected account as we know it, without a link.

    :raises NotFoundError: not the caller's own organisation, or no account yet.
    """
    return OnboardingState(get_account(actor, vendor_id))
