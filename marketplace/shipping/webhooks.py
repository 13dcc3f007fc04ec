"""The carrier webhook inbox: a carrier's tracking push is authenticated, stored once by a dedupe key (the raw body
kept) and processed by a job that maps the carrier's status through its table into :func:`record_carrier_event`.

GHN signs nothing: the callback URL registered with GHN carries our shared ``GHN_WEBHOOK_TOKEN`` (``?token=``,
or the ``Token`` header), compared in constant time. A refused delivery stores nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import String, Text, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, utcnow
from ..errors import DomainError, ForbiddenError, InvalidInputError, NotFoundError
from ..extensions import db
from ..jobs import enqueue_after_commit
from .carriers import enabled_carriers
from .carriers.ghn import GHN
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
    dedupe_key: Mapped[str] = mapped_column(String(200))  #: GHN: ``OrderCode:Status:Time``
    tracking_number: Mapped[str] = mapped_column(String(64))  #: the carrier's order code
    raw_body: Mapped[str] = mapped_column(Text)  #: the body exactly as received
    payload: Mapped[dict] = mapped_column(JSONB)  #: the parsed body
    #: a :class:`CarrierEventStatus`
    status: Mapped[str] = mapped_column(String(16), default=CarrierEventStatus.RECEIVED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    processed_at: Mapped[datetime | None]


def _ghn_authentic(token: str | None) -> bool:
    expected = current_app.config.get("GHN_WEBHOOK_TOKEN") or ""
    return bool(token) and hmac.compare_digest(token.encode(), expected.encode())


def receive_carrier_event(carrier: str, raw: bytes, token: str | None) -> dict:
    """Authenticate a carrier's delivery and store it once; returns the receipt (``received``, ``id``,
    ``duplicate``).

    :raises NotFoundError: the carrier is unknown or not enabled here.
    :raises ForbiddenError: the shared token is missing or wrong (nothing is stored).
    :raises InvalidInputError: the body is not a GHN status event.
    """
    if carrier != GHN or carrier not in enabled_carriers(current_app.config):
        raise NotFoundError("no webhook for this carrier")
    if not _ghn_authentic(token):
        raise ForbiddenError("the webhook token does not match")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("the body is not JSON") from None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body.get(k)
                                             for k in ("OrderCode", "Status", "Time")):
        raise InvalidInputError("the body is not a GHN status event (OrderCode, Status, Time)")
    key = f"{body['OrderCode']}:{body['Status']}:{body['Time']}"[:200]
    new_id = db.session.execute(
        insert(CarrierWebhookEvent).values(carrier=carrier, dedupe_key=key, tracking_number=body["OrderCode"][:64],
                                           raw_body=raw.decode(), payload=body, status=CarrierEventStatus.RECEIVED,
                                           attempts=0, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["carrier", "dedupe_key"]).returning(CarrierWebhookEvent.id)
    ).scalar_one_or_none()
    if new_id is not None:
        enqueue_after_commit(PROCESS_JOB, new_id, job_id=f"carrier-event-{new_id}")
    return {"received": True, "id": key, "duplicate": new_id is None}


def _occurred(value: str) -> datetime:
    """GHN's ``Time`` (ISO 8601, ``Z`` or an offset) as an aware datetime.

    :raises InvalidInputError: not a timestamp with a zone.
    """
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError("the event time is not ISO 8601") from None
    if at.tzinfo is None:
        raise InvalidInputError("the event time has no zone")
    return at


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
    body = event.payload
    try:
        with db.session.begin_nested():
            record_carrier_event(shipment, body["Status"], str(body.get("Reason") or body.get("Type") or ""),
                                 _occurred(body["Time"]), location=(str(body["Warehouse"])[:200]
                                                                   if body.get("Warehouse") else None),
                                 dedupe_key=f"{event.carrier}:{event.dedupe_key}"[:200])
    except DomainError as exc:
        log.warning("carrier event %s refused: %s", event.id, exc.message)
        event.status, event.last_error = CarrierEventStatus.FAILED, f"{exc.code}: {exc.message}"
        return event.status
    event.status, event.processed_at = CarrierEventStatus.PROCESSED, utcnow()
    return event.status
