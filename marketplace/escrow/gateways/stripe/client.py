"""The Stripe client for this app's settings, its errors, and amounts in Stripe's units."""

from __future__ import annotations

import logging
import time

import stripe
from flask import current_app

from ....errors import ConflictError, DomainError
from ....money import exponent, format_amount

log = logging.getLogger(__name__)

#: marks our PaymentIntents in their metadata, so events about anyone else's are ignored
PLATFORM_TAG = "marketplace"
#: Stripe's zero-decimal currencies (its amounts are whole units), and its three-decimal ones, whose
#: amounts must end in 0 (https://docs.stripe.com/currencies#special-cases); the rest have two.
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


class StripeNotConfiguredError(DomainError):
    """The app has no Stripe settings (404: the feature does not exist here)."""

    status = 404
    code = "stripe_not_configured"


class GatewayUnavailableError(DomainError):
    """Stripe did not answer or refused; nothing changed on our side (502)."""

    status = 502
    code = "gateway_unavailable"




# --- amounts --------------------------------------------------------------------------------------


def _stripe_exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def to_stripe_amount(minor: int, currency: str) -> int:
    """Our minor units -> Stripe's integer amount (the same for every currency we list, checked anyway).

    :raises ConflictError: Stripe cannot represent this amount exactly (e.g. KWD not ending in 0).
    """
    ours, theirs = exponent(currency), _stripe_exponent(currency)
    if theirs >= ours:
        scaled = minor * 10 ** (theirs - ours)
    elif minor % 10 ** (ours - theirs):
        raise ConflictError(f"Stripe cannot move {format_amount(minor, currency)} {currency} exactly",
                            code="amount_not_representable")
    else:
        scaled = minor // 10 ** (ours - theirs)
    if currency in THREE_DECIMAL and scaled % 10:
        raise ConflictError(f"Stripe moves {currency} only in multiples of 0.010", code="amount_not_representable")
    return scaled


def from_stripe_amount(amount: int, currency: str) -> int:
    """Stripe's integer amount -> our minor units."""
    ours, theirs = exponent(currency.upper()), _stripe_exponent(currency.upper())
    return amount * 10 ** (ours - theirs) if ours >= theirs else amount // 10 ** (theirs - ours)


# --- the client -----------------------------------------------------------------------------------


def require_stripe() -> None:
    """:raises StripeNotConfiguredError: STRIPE_SECRET_KEY is not set."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise StripeNotConfiguredError("Stripe is not configured (STRIPE_SECRET_KEY)")


def stripe_client() -> stripe.StripeClient:
    """A client for this app's settings, built per call (no module-level API key).

    Network retries are left to the outbox (same key, backoff, sweeper), so a call either returns
    or raises at once.

    :raises StripeNotConfiguredError: STRIPE_SECRET_KEY is not set.
    """
    require_stripe()
    cfg = current_app.config
    base = {"api": cfg["STRIPE_API_BASE"].rstrip("/")} if cfg.get("STRIPE_API_BASE") else None
    timeout = float(cfg.get("STRIPE_TIMEOUT_SECONDS") or 30)
    return stripe.StripeClient(cfg["STRIPE_SECRET_KEY"], base_addresses=base, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=timeout))


def pause_after_call(kind: str) -> None:
    """Test hook for crash tests: ``MARKETPLACE_TEST_PAUSE_AFTER_STRIPE=stripe.transfer:60`` holds the
    worker after Stripe answered and before the result is committed. Unset in production."""
    spec = current_app.config.get("MARKETPLACE_TEST_PAUSE_AFTER_STRIPE") or ""
    wanted, _, seconds = spec.partition(":")
    if spec and wanted == kind:
        log.warning("test hook: pausing %ss after %s", seconds, kind)
        time.sleep(float(seconds or 60))


def id_of(value) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the object."""
    return value.get("id") if isinstance(value, dict) else value

