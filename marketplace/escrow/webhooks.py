"""The webhook inbox: Stripe events verified on the raw body, stored once by event id, processed by a job.

An event is only a hint. The job re-fetches the object it names from Stripe and moves our records
forward from what Stripe says now, so a stale, repeated or out-of-order event cannot move anything
backward or twice. Unprocessed events are re-driven by the sweeper.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import stripe
from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, utcnow
from ..errors import DomainError, NotFoundError
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit

log = logging.getLogger(__name__)

#: seconds a signature's timestamp may lag behind our clock (Stripe's own default)
TOLERANCE = 300
#: attempts before an event that stays unprocessable is left to an admin
MAX_ATTEMPTS = 10


class WebhookSignatureError(DomainError):
    """The body is not signed by our endpoint's secret, or the signature is too old (400)."""

    status = 400
    code = "bad_signature"


class WebhookEventStatus:
    RECEIVED = "received"  #: stored, waiting for (or re-driven to) the processing job
    PROCESSED = "processed"  #: our records reflect what Stripe said when we re-fetched the object
    IGNORED = "ignored"  #: not a type we act on, or about an object that is not ours
    FAILED = "failed"  #: our rules refused it (e.g. amount mismatch) or it kept failing: an admin must look


class WebhookEvent(IdMixin, db.Model):
    """One delivered provider event; the unique (provider, event_id) makes re-deliveries no-ops."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(32))  #: ``stripe``
    event_id: Mapped[str] = mapped_column(String(255))  #: the provider's id, e.g. ``evt_...``
    type: Mapped[str] = mapped_column(String(100))  #: e.g. ``payment_intent.succeeded``
    object_id: Mapped[str | None] = mapped_column(String(255))  #: the object to re-fetch, e.g. ``pi_...``
    payload: Mapped[dict] = mapped_column(JSONB)  #: the verified body, kept for audit
    status: Mapped[str] = mapped_column(String(16), default=WebhookEventStatus.RECEIVED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    processed_at: Mapped[datetime | None]


def receive_stripe_event(raw: bytes, signature: str | None) -> tuple[WebhookEvent, bool]:
    """Verify a delivery and store it; returns the stored event and whether it is new.

    :raises WebhookSignatureError: tampered body, wrong secret, missing or too old signature.
    :raises NotFoundError: Stripe webhooks are not configured here.
    """
    cfg = current_app.config
    if not cfg.get("STRIPE_WEBHOOK_SECRET"):
        raise NotFoundError("Stripe webhooks are not configured")
    try:
        event = stripe.Webhook.construct_event(raw, signature, cfg["STRIPE_WEBHOOK_SECRET"], tolerance=TOLERANCE,
                                               api_key=cfg.get("STRIPE_SECRET_KEY") or "unused")
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureError(f"the Stripe-Signature does not verify: {exc.user_message or exc}") from None
    except ValueError:  # signed, but not JSON (or not UTF-8)
        raise WebhookSignatureError("the body is not a JSON event", code="bad_payload") from None
    body = event.to_dict()
    obj = (body.get("data") or {}).get("object") or {}
    if not body.get("id") or not body.get("type"):
        raise WebhookSignatureError("the body is not a Stripe event", code="bad_payload")
    new_id = db.session.execute(
        insert(WebhookEvent).values(provider="stripe", event_id=body["id"], type=body["type"], object_id=obj.get("id"),
                                    payload=body, status=WebhookEventStatus.RECEIVED, attempts=0, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["provider", "event_id"]).returning(WebhookEvent.id)
    ).scalar_one_or_none()
    stored = db.session.execute(
        select(WebhookEvent).where(WebhookEvent.provider == "stripe", WebhookEvent.event_id == body["id"])
    ).scalar_one()
    if new_id is not None:
        enqueue_after_commit("marketplace.escrow.jobs.process_stripe_event", stored.id, queue="money",
                             job_id=f"stripe-event-{stored.id}")
    return stored, new_id is not None


def _handle(event: WebhookEvent) -> str:
    from . import stripe_gateway

    if event.type.startswith("payment_intent.") and event.object_id:
        return stripe_gateway.sync_payment_intent(event.object_id, event.event_id)
    if event.type == "account.updated" and event.object_id:
        return stripe_gateway.sync_account(event.object_id)
    return WebhookEventStatus.IGNORED


def process_event(event_row_id: int) -> str:
    """Act on one stored event once: re-fetch its object from Stripe, move our records forward.

    A Stripe outage raises (the job is retried, the sweeper re-drives); a refusal by our own rules
    marks the event failed for an admin.

    :raises stripe.StripeError: Stripe could not be asked; nothing was changed.
    """
    event = db.session.execute(
        select(WebhookEvent).where(WebhookEvent.id == event_row_id).with_for_update()
    ).scalar_one_or_none()
    if event is None or event.status != WebhookEventStatus.RECEIVED:
        return event.status if event else "missing"
    event.attempts += 1
    try:
        with db.session.begin_nested():
            outcome = _handle(event)
    except DomainError as exc:
        log.warning("stripe event %s refused: %s", event.event_id, exc.message)
        event.status, event.last_error = WebhookEventStatus.FAILED, f"{exc.code}: {exc.message}"
        return event.status
    if outcome == "deferred":  # ours, but the PaymentIntent's creation is not recorded yet
        if event.attempts >= MAX_ATTEMPTS:
            event.status, event.last_error = WebhookEventStatus.FAILED, "the object is unknown to our records"
        return "deferred"
    event.status, event.processed_at = outcome, utcnow()
    return outcome


def redrive_webhook_events(now: datetime | None = None) -> int:
    """Sweeper step: events still waiting a minute after arrival (a lost job, a Stripe outage) go again."""
    stale = (now or utcnow()) - timedelta(minutes=1)
    rows = db.session.execute(
        select(WebhookEvent.id, WebhookEvent.attempts).where(
            WebhookEvent.status == WebhookEventStatus.RECEIVED, WebhookEvent.received_at < stale).limit(1000)
    ).all()
    for event_id, attempts in rows:
        enqueue("marketplace.escrow.jobs.process_stripe_event", event_id, queue="money",
                job_id=f"stripe-event-{event_id}-{attempts}")
    return len(rows)
