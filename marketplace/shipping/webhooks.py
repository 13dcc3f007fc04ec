"""The carrier webhook inbox: a carrier's tracking push is authenticated, stored once by a dedupe key (the raw body
kept) and processed by a job that maps the carrier's status through its table into :func:`record_carrier_event`.

Each adapter verifies its own deliveries (``Carrier.verify_webhook``: GHN and GHTK carry a shared secret in the
callback URL, Viettel Post a token in the body) and parses them into :class:`CarrierEvent` reports; the inbox stores
each report once by (carrier, dedupe key). A refused delivery stores nothing. Polled reports
(:mod:`.polling`) go through the same inbox.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, utcnow
from ..errors import DomainError, ForbiddenError, NotFoundError
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit
from .carriers import enabled_carriers
from .carriers.base import CarrierEvent, WebhookDelivery
from .models import Shipment
from .services import record_carrier_event

log = logging.getLogger(__name__)

#: the job processing one stored carrier event
PROCESS_JOB = "marketplace.shipping.jobs.process_carrier_webhook"


class CarrierEventStatus(StrEnum):
    RECEIVED = "received"  #: stored, waiting for its job
    PROCESSED = "processed"  #: recorded on its shipment
    IGNORED = "ignored"  #: names no shipment of ours
    FAILED = "failed"  #: refused by our rules (kept for an admin)


class CarrierWebhookEvent(IdMixin, db.Model):
    """One carrier webhook delivery; the unique (carrier, dedupe_key) makes the carrier's resends no-ops."""

    __tablename__ = "carrier_webhook_events"
    __table_args__ = (UniqueConstraint("carrier", "dedupe_key"),)

    carrier: Mapped[str] = mapped_column(String(32))  #: adapter code, e.g. ``ghn``
    dedupe_key: Mapped[str] = mapped_column(String(200))  #: the adapter's key, e.g. GHN ``OrderCode:Status:Time``
    tracking_number: Mapped[str] = mapped_column(String(64))  #: the carrier's order code
    raw_body: Mapped[str] = mapped_column(Text)  #: the body exactly as received
    #: ``{"event": CarrierEvent.as_json(), "source": "webhook" | "poll"}``
    payload: Mapped[dict] = mapped_column(JSONB)
    #: a :class:`CarrierEventStatus`
    status: Mapped[str] = mapped_column(String(16), default=CarrierEventStatus.RECEIVED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    processed_at: Mapped[datetime | None]


def receive_carrier_event(carrier: str, delivery: WebhookDelivery) -> dict:
    """Authenticate a carrier's delivery (the adapter's ``verify_webhook``) and store each tracking report in it
    once; returns the receipt (``received``, ``id``: the first report's dedupe key, ``duplicate``: every report in
    it was delivered before).

    :raises NotFoundError: the carrier is unknown, not enabled here, or does not push tracking.
    :raises ForbiddenError: the shared secret is missing or wrong (nothing is stored).
    :raises InvalidInputError: the body is not what the carrier sends.
    """
    adapter = enabled_carriers(current_app.config).get(carrier)
    if adapter is None or not adapter.push_enabled(current_app.config):
        raise NotFoundError("no webhook for this carrier")
    if not adapter.verify_webhook(delivery, current_app.config):
        raise ForbiddenError("the webhook secret does not match")
    events = adapter.parse_webhook(delivery)
    raw = delivery.raw.decode("utf-8", errors="replace")
    fresh = [store_event(carrier, event, raw, source="webhook") for event in events]
    return {"received": True, "id": events[0].dedupe_key if events else "",
            "duplicate": bool(events) and not any(fresh)}


def store_event(carrier: str, event: CarrierEvent, raw: str, source: str) -> bool:
    """Store one report once by (carrier, dedupe key) and queue its processing; False when it was stored before."""
    new_id = db.session.execute(
        insert(CarrierWebhookEvent).values(carrier=carrier, dedupe_key=event.dedupe_key[:200],
                                           tracking_number=event.tracking_number[:64], raw_body=raw,
                                           payload={"event": event.as_json(), "source": source},
                                           status=CarrierEventStatus.RECEIVED, attempts=0, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["carrier", "dedupe_key"]).returning(CarrierWebhookEvent.id)
    ).scalar_one_or_none()
    if new_id is not None:
        enqueue_after_commit(PROCESS_JOB, new_id, job_id=f"carrier-event-{new_id}")
    return new_id is not None


def process_event(event_id: int) -> str:
    """Record one stored carrier event on its shipment (forward only; an unknown code becomes ``exception`` with
    the raw code kept); a no-op once processed, ignored or failed."""
    event = db.session.execute(select(CarrierWebhookEvent).where(CarrierWebhookEvent.id == event_id)
                               .with_for_update()).scalar_one_or_none()
    if event is None or event.status != CarrierEventStatus.RECEIVED:
        return event.status if event else CarrierEventStatus.IGNORED
    event.attempts += 1
    shipment = db.session.execute(select(Shipment).where(Shipment.carrier == event.carrier,
                                                         Shipment.tracking_number == event.tracking_number)
                                  ).scalar_one_or_none()
    if shipment is None:
        event.status, event.processed_at = CarrierEventStatus.IGNORED, utcnow()
        return event.status
    report = CarrierEvent.from_json(event.payload["event"])
    try:
        with db.session.begin_nested():
            record_carrier_event(shipment, report.raw_status, report.description, report.occurred_at,
                                 location=report.location, dedupe_key=f"{event.carrier}:{event.dedupe_key}"[:200])
    except DomainError as exc:
        log.warning("carrier event %s refused: %s", event.id, exc.message)
        event.status, event.last_error = CarrierEventStatus.FAILED, f"{exc.code}: {exc.message}"
        return event.status
    event.status, event.processed_at = CarrierEventStatus.PROCESSED, utcnow()
    return event.status


def redrive_carrier_events(now: datetime | None = None) -> int:
    """Sweep step: queue again the stored events still ``received`` a minute after they arrived (their job was
    lost with Redis, or the worker died); processing is idempotent."""
    cutoff = (now or utcnow()) - timedelta(minutes=1)
    ids = db.session.execute(select(CarrierWebhookEvent.id).where(
        CarrierWebhookEvent.status == CarrierEventStatus.RECEIVED, CarrierWebhookEvent.received_at < cutoff)
        .order_by(CarrierWebhookEvent.id).limit(1000)).scalars().all()
    for event_id in ids:
        enqueue(PROCESS_JOB, event_id, job_id=f"carrier-event-{event_id}-redrive")
    return len(ids)
