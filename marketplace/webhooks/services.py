"""Webhook verbs: manage an organisation's endpoints, turn facts into signed deliveries, send them, replay them.

Every fact told to an organisation (``notifications.notify_org``) reaches :func:`emit`: one event row,
then one delivery per subscribed endpoint, each through its own outbox row (deterministic key per event
and endpoint, so a repeat never doubles). The outbox handler POSTs the event signed with HMAC-SHA256
over ``f"{t}.{body}"``; a non-2xx answer or a network error raises, so the outbox backs off and retries;
every attempt is logged. The scheme is documented for integrators in ``docs/webhooks.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from .. import registry
from ..accounts.services import can_manage
from ..actors import Actor
from ..database import utcnow
from ..errors import ConflictError, ForbiddenError, InvalidInputError
from ..extensions import db
from ..http.pagination import paginate
from ..jobs import OutboxStatus, add_outbox_command
from .models import (
    ALL_EVENTS,
    PING,
    DeliveryStatus,
    OutboundEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

#: outbox kind of one delivery attempt (handled by :func:`send_delivery`)
WEBHOOK_SEND = "webhook.send"
#: hook a higher package provides: ``() -> list[str]``, the event types endpoints may subscribe to
EVENT_TYPES_HOOK = "webhooks.event_types"
#: fact published when a delivery failed for good: ``(org_id, data, key)``; the listener tells the organisation
DELIVERY_FAILED = "webhooks.delivery_failed"
#: the headers of a delivery
SIGNATURE_HEADER = "Marketplace-Signature"
EVENT_ID_HEADER = "Marketplace-Event-Id"
EVENT_TYPE_HEADER = "Marketplace-Event-Type"
DELIVERY_ID_HEADER = "Marketplace-Delivery-Id"
#: how much of an answer's body the delivery log keeps
EXCERPT_BYTES = 1024
#: the longest wait between two attempts, whatever the doubling says
MAX_BACKOFF_SECONDS = 6 * 3600
USER_AGENT = "Marketplace-Webhooks/1"


# --- rules ----------------------------------------------------------------------------------------------

def event_types() -> list[str]:
    """The event types an endpoint may subscribe to (the notification kinds, from the providing package)."""
    return list(registry.hook(EVENT_TYPES_HOOK)())


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes, URL-safe base64."""
    return "whsec_" + secrets.token_urlsafe(32)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class UnsafeAddressError(Exception):
    """The endpoint's host resolves to an address the SSRF guard refuses (or does not resolve)."""


def guard_address(url: str) -> None:
    """The SSRF guard: every address ``url``'s host resolves to must be public (unless ``WEBHOOK_ALLOW_PRIVATE``).

    :raises UnsafeAddressError: a private, loopback, link-local or reserved address, or an unknown host.
    """
    if current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeAddressError(f"the host {parts.hostname} does not resolve") from None
    for info in infos:
        if not _is_public(info[4][0]):
            raise UnsafeAddressError(f"the host {parts.hostname} resolves to a private or reserved address")


def check_url(url: str) -> str:
    """The endpoint URL, checked: http(s) with a host, https unless ``WEBHOOK_ALLOW_HTTP``, a public address.

    :raises InvalidInputError: the URL breaks one of these rules.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise InvalidInputError.at(("url",), "Enter a full URL such as https://example.com/hooks.") from None
    allowed = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInputError.at(("url",), "Enter a full URL such as https://example.com/hooks.")
    if parts.scheme not in allowed:
        raise InvalidInputError.at(("url",), "The URL must start with https://.")
    if parts.username or parts.password:
        raise InvalidInputError.at(("url",), "The URL must not carry a user name or password.")
    try:
        guard_address(url)
    except UnsafeAddressError:
        raise InvalidInputError.at(("url",), "The URL must point to a public internet address.",
                                   code="unsafe_url") from None
    return url


def _event_types(values: list[str]) -> list[str]:
    """The subscription, checked and normalised (``["*"]`` for all).

    :raises InvalidInputError: empty, or an unknown event type.
    """
    if not values:
        raise InvalidInputError.at(("event_types",), "Choose at least one event type.")
    if ALL_EVENTS in values:
        return [ALL_EVENTS]
    known = event_types()
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidInputError.at(("event_types",), "Unknown event type.", code="unknown_event_type")
    return [k for k in known if k in values]  # the catalogue's order, each once


def _require_manager(actor: Actor) -> None:
    if not can_manage(actor):
        raise ForbiddenError("only owners and admins manage webhooks")


def _own_endpoint(actor: Actor, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    """One endpoint of the actor's organisation (platform admins too see only their own).

    :raises NotFoundError: unknown, or another organisation's.
    """
    return WebhookEndpoint.one(WebhookEndpoint.for_org(actor.org_id), endpoint_id, lock=lock)


# --- endpoints ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EndpointHealth:
    """How an endpoint is doing, from its deliveries."""

    last_status: str | None  #: the newest delivery's :class:`DeliveryStatus`
    last_status_code: int | None
    last_attempt_at: datetime | None
    failed_since_success: int  #: deliveries failed for good since the last success
    failing: int  #: deliveries still retrying after a failed attempt


def _health(endpoints: list[WebhookEndpoint]) -> None:
    """Set ``endpoint.health`` on each of ``endpoints`` (a few queries for the whole page)."""
    ids = [e.id for e in endpoints]
    if not ids:
        return
    newest = (select(func.max(WebhookDelivery.id)).where(WebhookDelivery.endpoint_id.in_(ids))
              .group_by(WebhookDelivery.endpoint_id))
    latest = {d.endpoint_id: d for d in db.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.id.in_(newest))).scalars()}
    ok = aliased(WebhookDelivery)
    last_ok = (select(func.coalesce(func.max(ok.id), 0))
               .where(ok.endpoint_id == WebhookDelivery.endpoint_id, ok.status == DeliveryStatus.SUCCEEDED)
               .scalar_subquery())
    failed = dict(db.session.execute(
        select(WebhookDelivery.endpoint_id, func.count(WebhookDelivery.id)).where(
            WebhookDelivery.endpoint_id.in_(ids), WebhookDelivery.status == DeliveryStatus.FAILED,
            WebhookDelivery.id > last_ok).group_by(WebhookDelivery.endpoint_id)).all())
    failing = dict(db.session.execute(
        select(WebhookDelivery.endpoint_id, func.count(WebhookDelivery.id)).where(
            WebhookDelivery.endpoint_id.in_(ids), WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.attempt_count > 0).group_by(WebhookDelivery.endpoint_id)).all())
    for e in endpoints:
        d = latest.get(e.id)
        e.health = EndpointHealth(d.status if d else None, d.last_status_code if d else None,
                                  d.last_attempt_at if d else None, failed.get(e.id, 0), failing.get(e.id, 0))


def list_endpoints(actor: Actor, params: dict) -> dict:
    """One page of the actor's organisation's endpoints, each with its health.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises InvalidInputError: a bad cursor.
    """
    _require_manager(actor)
    page = paginate(WebhookEndpoint.for_org(actor.org_id), params, WebhookEndpoint.id)
    _health(page["items"])
    return page


def get_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint of the actor's organisation, with its health.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown, or another organisation's.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id)
    _health([endpoint])
    return endpoint


def create_endpoint(actor: Actor, data: dict) -> WebhookEndpoint:
    """Register an endpoint for the actor's organisation; its ``secret`` is readable now (show it once).

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises InvalidInputError: a URL that is not https or not public, or unknown event types.
    """
    _require_manager(actor)
    endpoint = WebhookEndpoint(org_id=actor.org_id, url=check_url(data["url"]),
                               description=(data.get("description") or "").strip(),
                               event_types=_event_types(data.get("event_types") or []),
                               enabled=data.get("enabled", True), secret=new_secret())
    db.session.add(endpoint)
    db.session.flush()
    _health([endpoint])
    return endpoint


def update_endpoint(actor: Actor, endpoint_id: int, data: dict) -> WebhookEndpoint:
    """Change an endpoint's URL, description, event types or enabled flag.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown, or another organisation's.
    :raises InvalidInputError: a URL that is not https or not public, or unknown event types.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id, lock=True)
    if "url" in data:
        endpoint.url = check_url(data["url"])
    if "description" in data:
        endpoint.description = (data["description"] or "").strip()
    if "event_types" in data:
        endpoint.event_types = _event_types(data["event_types"] or [])
    if "enabled" in data:
        endpoint.enabled = data["enabled"]
    db.session.flush()
    _health([endpoint])
    return endpoint


def delete_endpoint(actor: Actor, endpoint_id: int) -> None:
    """Delete an endpoint with its delivery log; deliveries still queued are dropped.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown, or another organisation's.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id, lock=True)
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Give an endpoint a new secret; the old one still signs for ``WEBHOOK_SECRET_OVERLAP_HOURS``.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown, or another organisation's.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id, lock=True)
    now = utcnow()
    overlap = timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"])
    endpoint.previous_secret = endpoint.secret if overlap else None
    endpoint.previous_secret_expires_at = now + overlap if overlap else None
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = now
    db.session.flush()
    _health([endpoint])
    return endpoint


# --- events and deliveries ------------------------------------------------------------------------------

def _event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def _queue_delivery(event: OutboundEvent, endpoint: WebhookEndpoint, key: str,
                    replay_of: WebhookDelivery | None = None) -> WebhookDelivery:
    """A delivery row and its outbox row (sent after commit)."""
    delivery = WebhookDelivery(org_id=event.org_id, endpoint_id=endpoint.id, event_id=event.id, outbox_key=key,
                               replay_of_id=replay_of.id if replay_of else None, status=DeliveryStatus.PENDING)
    db.session.add(delivery)
    db.session.flush()
    add_outbox_command(WEBHOOK_SEND, key, {"delivery_id": delivery.id},
                       max_attempts=current_app.config["WEBHOOK_MAX_ATTEMPTS"])
    return delivery


def enabled_endpoints(org_ids) -> dict[int, list[WebhookEndpoint]]:
    """The enabled endpoints of each of ``org_ids`` (in id order; organisations without any are absent): one
    query for several :func:`emit` calls."""
    found: dict[int, list[WebhookEndpoint]] = {}
    if not org_ids:
        return found
    for e in db.session.execute(select(WebhookEndpoint).where(
            WebhookEndpoint.org_id.in_(list(org_ids)), WebhookEndpoint.enabled.is_(True)).order_by(WebhookEndpoint.id)).scalars():
        found.setdefault(e.org_id, []).append(e)
    return found


def emit(org_id: int, kind: str, data: dict, *, key: str, notification_id: int | None = None,
         endpoints: list[WebhookEndpoint] | None = None) -> OutboundEvent | None:
    """Record the event of a fact told to an organisation and queue one delivery per subscribed endpoint.

    Once per ``key`` (a repeat does nothing); nothing is recorded when no enabled endpoint subscribes,
    and kinds that are not event types (the webhook-failure notice itself) are never sent, so a failing
    endpoint cannot feed on its own failures. ``endpoints``: the organisation's enabled endpoints when the
    caller read them already (:func:`enabled_endpoints`, same transaction), else they are read here.
    """
    if kind not in event_types():
        return None
    if endpoints is None:
        endpoints = enabled_endpoints((org_id,)).get(org_id, [])
    endpoints = [e for e in endpoints if e.subscribes(kind)]
    if not endpoints:
        return None
    payload = dict(data)
    if notification_id is not None:
        payload["notification_id"] = notification_id
    event_id = db.session.execute(
        insert(OutboundEvent).values(id=_event_id(), org_id=org_id, type=kind, key=key, data=payload,
                                     created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"]).returning(OutboundEvent.id)).scalar_one_or_none()
    if event_id is None:
        return None
    event = db.session.get(OutboundEvent, event_id)
    for endpoint in endpoints:
        _queue_delivery(event, endpoint, f"webhook:{event.id}:{endpoint.id}")
    return event


def send_test(actor: Actor, endpoint_id: int) -> WebhookDelivery:
    """Send a ``ping`` event to one endpoint (whatever it subscribes to).

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown, or another organisation's.
    :raises ConflictError: the endpoint is disabled.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id)
    if not endpoint.enabled:
        raise ConflictError("The endpoint is disabled. Enable it first.", code="endpoint_disabled")
    event = OutboundEvent(id=_event_id(), org_id=endpoint.org_id, type=PING, key=None, created_at=utcnow(),
                          data={"endpoint_id": endpoint.id, "message": "A test event from the marketplace."})
    db.session.add(event)
    db.session.flush()
    return _queue_delivery(event, endpoint, f"webhook:{event.id}:{endpoint.id}")


def list_deliveries(actor: Actor, endpoint_id: int, params: dict) -> dict:
    """One page of an endpoint's delivery log, newest first, each with its attempts.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown endpoint, or another organisation's.
    :raises InvalidInputError: a bad cursor.
    """
    _require_manager(actor)
    endpoint = _own_endpoint(actor, endpoint_id)
    stmt = WebhookDelivery.for_org(actor.org_id).where(WebhookDelivery.endpoint_id == endpoint.id)
    if params.get("status"):
        stmt = stmt.where(WebhookDelivery.status == params["status"])
    return paginate(stmt, params, WebhookDelivery.id, descending=True)


def replay_delivery(actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's event again to its endpoint: a new delivery with its own log and key.

    :raises ForbiddenError: the actor is not an owner or admin.
    :raises NotFoundError: unknown delivery, or another organisation's.
    :raises ConflictError: the endpoint is disabled.
    """
    _require_manager(actor)
    original = WebhookDelivery.one(WebhookDelivery.for_org(actor.org_id), delivery_id)
    endpoint = db.session.get(WebhookEndpoint, original.endpoint_id)
    if not endpoint.enabled:
        raise ConflictError("The endpoint is disabled. Enable it first.", code="endpoint_disabled")
    key = f"webhook:{original.event_id}:{endpoint.id}:replay:{secrets.token_hex(8)}"
    return _queue_delivery(original.event, endpoint, key, replay_of=original)


# --- sending --------------------------------------------------------------------------------------------

def event_body(event: OutboundEvent) -> bytes:
    """The exact bytes POSTed for ``event`` (what the signature covers)."""
    envelope = {"id": event.id, "type": event.type, "created_at": event.created_at.isoformat(),
                "organization_id": event.org_id, "data": event.data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``hex(HMAC_SHA256(secret, f"{timestamp}." + body))``: the ``v1`` value for one secret."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex>[,v1=<hex>]``: one ``v1`` per valid secret (two during a rotation's overlap)."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets_)])


class DeliveryError(Exception):
    """An attempt that did not get a 2xx answer: what the endpoint said, or why it said nothing."""

    def __init__(self, message: str, *, status_code: int | None = None, duration_ms: int | None = None,
                 excerpt: str | None = None, started_at: datetime | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.duration_ms = duration_ms
        self.excerpt = excerpt
        self.started_at = started_at


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it could reach an address the guard refuses."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def send_delivery(payload: dict, key: str) -> dict:
    """Outbox handler: POST one delivery's event, signed; returns what the endpoint answered (2xx).

    :raises DeliveryError: a non-2xx answer, a network error, a timeout or a refused address (the outbox retries).
    """
    delivery = db.session.get(WebhookDelivery, payload["delivery_id"])
    if delivery is None:
        return {"skipped": "the endpoint was deleted"}
    if delivery.status != DeliveryStatus.PENDING:
        return {"skipped": f"the delivery is {delivery.status}"}
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.enabled:
        return {"skipped": "the endpoint is disabled"}
    started_at = utcnow()
    try:
        guard_address(endpoint.url)
    except UnsafeAddressError as exc:
        raise DeliveryError(str(exc), started_at=started_at) from None
    body = event_body(delivery.event)
    timestamp = int(time.time())
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: delivery.event_id, EVENT_TYPE_HEADER: delivery.event.type,
        DELIVERY_ID_HEADER: str(delivery.id),
        SIGNATURE_HEADER: signature_header(endpoint.signing_secrets(started_at), timestamp, body)})
    clock = time.monotonic()
    try:
        with _OPENER.open(request, timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            status, raw = response.status, response.read(EXCERPT_BYTES)
    except urllib.error.HTTPError as exc:
        raw = exc.read(EXCERPT_BYTES) if exc.fp is not None else b""
        raise DeliveryError(f"HTTP {exc.code}", status_code=exc.code, excerpt=_excerpt(raw), started_at=started_at,
                            duration_ms=int((time.monotonic() - clock) * 1000)) from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, a malformed URL
        reason = getattr(exc, "reason", None) or exc
        raise DeliveryError(f"{type(exc).__name__}: {reason}", started_at=started_at,
                            duration_ms=int((time.monotonic() - clock) * 1000)) from None
    duration_ms = int((time.monotonic() - clock) * 1000)
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}", status_code=status, excerpt=_excerpt(raw), started_at=started_at,
                            duration_ms=duration_ms)
    return {"status_code": status, "duration_ms": duration_ms, "excerpt": _excerpt(raw),
            "started_at": started_at.isoformat()}


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: the base, doubling, capped."""
    return min(MAX_BACKOFF_SECONDS, current_app.config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** max(0, attempts - 1))


def record_success(command) -> None:
    """Outbox follow-up (same transaction as the result): log the attempt and close the delivery."""
    delivery = db.session.get(WebhookDelivery, command.payload["delivery_id"])
    if delivery is None:
        return
    result = command.result or {}
    now = utcnow()
    if "skipped" in result:
        if delivery.status == DeliveryStatus.PENDING:
            delivery.status, delivery.finished_at, delivery.last_error = DeliveryStatus.SKIPPED, now, result["skipped"]
        return
    db.session.add(WebhookAttempt(delivery_id=delivery.id, number=command.attempts, succeeded=True,
                                  started_at=datetime.fromisoformat(result["started_at"]),
                                  duration_ms=result["duration_ms"], status_code=result["status_code"],
                                  response_excerpt=result["excerpt"]))
    delivery.status = DeliveryStatus.SUCCEEDED
    delivery.attempt_count = command.attempts
    delivery.last_status_code = result["status_code"]
    delivery.last_error = None
    delivery.last_attempt_at = now
    delivery.finished_at = now


def record_failure(command, exc: Exception) -> None:
    """Outbox error hook (same transaction as the back-off): log the attempt; after the last one, fail the
    delivery and tell the organisation (at most once a day per endpoint)."""
    delivery = db.session.get(WebhookDelivery, command.payload["delivery_id"])
    if delivery is None:
        return
    now = utcnow()
    details = exc if isinstance(exc, DeliveryError) else DeliveryError(f"{type(exc).__name__}: {exc}")
    db.session.add(WebhookAttempt(delivery_id=delivery.id, number=command.attempts, succeeded=False,
                                  started_at=details.started_at or now, duration_ms=details.duration_ms,
                                  status_code=details.status_code, response_excerpt=details.excerpt,
                                  error=str(details)[:2000]))
    delivery.attempt_count = command.attempts
    delivery.last_status_code = details.status_code
    delivery.last_error = str(details)[:2000]
    delivery.last_attempt_at = now
    if command.status == OutboxStatus.FAILED and delivery.status == DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.FAILED
        delivery.finished_at = now
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
        registry.publish(DELIVERY_FAILED, delivery.org_id, {
            "endpoint_id": endpoint.id, "url": endpoint.url, "delivery_id": delivery.id,
            "event_id": delivery.event_id, "event_type": delivery.event.type, "attempts": command.attempts,
        }, key=f"webhook-failed:{endpoint.id}:{now.date().isoformat()}")
