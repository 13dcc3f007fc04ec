"""The webhook inbox: Stripe events verified on the raw body, stored once by event id, processed by a job.

An event is only a hint. The job re-fetches the object it names from Stripe and moves our records
forward from what Stripe says now, so a stale, repeated or out-of-order event cannot move anything
backward or twice. Unprocessed events are re-driven by the sweeper.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ....database import utcnow
from ....errors import ConflictError, DomainError, NotFoundError
from ....extensions import db
from ....jobs import enqueue, enqueue_after_commit
from ... import services as escrow
from ...models import Milestone, MilestoneStatus
from .client import PLATFORM_TAG, from_stripe_amount, id_of, stripe_client
from .gateway import GATEWAY
from .models import (
    TERMINAL,
    PaymentIntentStatus,
    StripePayment,
    WebhookEvent,
    WebhookEventStatus,
)
from .onboarding import sync_account

log = logging.getLogger(__name__)

#: seconds a signature's timestamp may differ from our clock, either way (Stripe's own default)
TOLERANCE = 300
#: attempts before an event that stays unprocessable is left to an admin
MAX_ATTEMPTS = 10
#: the job processing one stored event
PROCESS_JOB = "marketplace.escrow.gateways.stripe.jobs.process_stripe_event"  # (jobs imports this module)


class WebhookSignatureError(DomainError):
    """The body is not signed by our endpoint's secret, or the signature is too old or too new (400)."""

    status = 400
    code = "bad_signature"


def _signed_at(signature: str | None) -> int | None:
    """The ``t=`` timestamp of a Stripe-Signature header, if it has a readable one."""
    for item in (signature or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def receive_stripe_event(raw: bytes, signature: str | None) -> dict:
    """Verify a delivery and store it; returns the receipt (``received``, ``id``, ``duplicate``).

    :raises WebhookSignatureError: tampered body, wrong secret, missing signature, or a timestamp more
        than :data:`TOLERANCE` seconds away from our clock in either direction.
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
    signed_at = _signed_at(signature)
    # the library refuses only old timestamps; one from the future is a replay waiting to happen
    if signed_at is None or signed_at > time.time() + TOLERANCE:
        raise WebhookSignatureError("the Stripe-Signature timestamp is outside the tolerance")
    body = event.to_dict()
    obj = (body.get("data") or {}).get("object") or {}
    if not body.get("id") or not body.get("type"):
        raise WebhookSignatureError("the body is not a Stripe event", code="bad_payload")
    new_id = db.session.execute(
        insert(WebhookEvent).values(provider=GATEWAY, event_id=body["id"], type=body["type"], object_id=obj.get("id"),
                                    payload=body, status=WebhookEventStatus.RECEIVED, attempts=0, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["provider", "event_id"]).returning(WebhookEvent.id)
    ).scalar_one_or_none()
    stored = db.session.execute(
        select(WebhookEvent).where(WebhookEvent.provider == GATEWAY, WebhookEvent.event_id == body["id"])
    ).scalar_one()
    if new_id is not None:
        enqueue_after_commit(PROCESS_JOB, stored.id, queue="money", job_id=f"stripe-event-{stored.id}")
    return {"received": True, "id": stored.event_id, "duplicate": new_id is None}


def sync_payment_intent(payment_intent_id: str, event_id: str) -> WebhookEventStatus:
    """Re-fetch a PaymentIntent and move our records forward; never backward.

    Returns the event's new :class:`WebhookEventStatus`: processed, ignored (not ours) or still
    received (ours, but its creation is not recorded yet: the sweeper tries again).

    :raises ConflictError: Stripe says succeeded but the amount disagrees (``amount_mismatch``), the
        milestone was cancelled before the money came (``paid_after_cancel``: an admin refunds), or the
        deal refuses the payment.
    """
    pi = stripe_client().v1.payment_intents.retrieve(payment_intent_id).to_dict()
    if (pi.get("metadata") or {}).get("platform") != PLATFORM_TAG:
        return WebhookEventStatus.IGNORED
    payment = db.session.execute(
        select(StripePayment).where(StripePayment.payment_intent_id == payment_intent_id).with_for_update()
    ).scalar_one_or_none()
    if payment is None:
        return WebhookEventStatus.RECEIVED
    status = pi["status"]
    if payment.status not in TERMINAL and status != payment.status:
        payment.status = status
    if status == PaymentIntentStatus.SUCCEEDED:
        if pi["currency"].upper() != payment.currency or from_stripe_amount(pi["amount"], pi["currency"]) != payment.amount:
            raise ConflictError("Stripe charged another amount than the milestone's", code="amount_mismatch")
        # a cancelled deal cancels its unpaid milestones: money arriving after that is the buyer's again
        if db.session.get(Milestone, payment.milestone_id).status == MilestoneStatus.CANCELLED:
            raise ConflictError("the buyer paid a cancelled deal", code="paid_after_cancel")
        payment.status = PaymentIntentStatus.SUCCEEDED
        payment.charge_id = payment.charge_id or id_of(pi.get("latest_charge"))
        escrow.report_payment(payment.deal_id, payment.milestone_id, payment.amount, payment.currency, GATEWAY,
                              {"payment_intent": payment_intent_id, "charge": payment.charge_id, "event": event_id})
    return WebhookEventStatus.PROCESSED


def _handle(event: WebhookEvent) -> WebhookEventStatus:
    if event.type.startswith("payment_intent.") and event.object_id:
        return sync_payment_intent(event.object_id, event.event_id)
    if event.type == "account.updated" and event.object_id:
        return sync_account(event.object_id)
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
        return event.status if event else WebhookEventStatus.IGNORED
    event.attempts += 1
    try:
        with db.session.begin_nested():
            outcome = _handle(event)
    except DomainError as exc:
        log.warning("stripe event %s refused: %s", event.event_id, exc.message)
        event.status, event.last_error = WebhookEventStatus.FAILED, f"{exc.code}: {exc.message}"
        return event.status
    if outcome == WebhookEventStatus.RECEIVED:  # deferred: ours, but the PaymentIntent's creation is not recorded yet
        if event.attempts >= MAX_ATTEMPTS:
            event.status, event.last_error = WebhookEventStatus.FAILED, "the object is unknown to our records"
        return outcome
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
        enqueue(PROCESS_JOB, event_id, queue="money",
                job_id=f"stripe-event-{event_id}-{attempts}")
    return len(rows)
