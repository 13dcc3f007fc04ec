"""Shipping verbs: create a shipment, record tracking events (never moving backwards)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..database import utcnow
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..statemachine import SYSTEM, Actor
from .carriers import CARRIERS
from .models import TERMINAL, TRACKING_RANK, Shipment, TrackingEvent


def create_shipment(deal, data: dict) -> Shipment:
    carrier_code = data.get("carrier", "manual")
    carrier = CARRIERS.get(carrier_code)
    if carrier is None:
        raise InvalidInputError("unknown carrier", fields={"carrier": [f"one of {', '.join(CARRIERS)}"]})
    booked = carrier.create_shipment(deal, data)
    if db.session.execute(select(Shipment.id).where(Shipment.carrier == carrier_code,
                                                   Shipment.tracking_number == booked["tracking_number"])).first():
        raise ConflictError("this tracking number is already in use", fields={"tracking_number": ["taken"]})
    shipment = Shipment(deal_id=deal.id, carrier=carrier_code, tracking_number=booked["tracking_number"],
                        details=booked["details"], status="pre_transit", last_event_at=utcnow())
    db.session.add(shipment)
    db.session.flush()
    record_tracking(shipment, "pre_transit", None, "Shipment created", utcnow(), dedupe_key="created")
    return shipment


def get_shipment(actor: Actor, shipment_id: int) -> Shipment:
    from ..deals.services import get_deal

    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFoundError("no such shipment")
    get_deal(actor, shipment.deal_id)  # 404 unless the actor is a party
    return shipment


def record_tracking(shipment: Shipment, status: str, raw_code: str | None, description: str, occurred_at,
                    location: str | None = None, dedupe_key: str | None = None) -> bool:
    """Store a tracking event; move the shipment's status only forward. Duplicate events are ignored.

    Returns True when the shipment became ``delivered`` because of this event.
    """
    if status not in TRACKING_RANK:
        raise InvalidInputError("unknown tracking status", fields={"status": [f"one of {', '.join(TRACKING_RANK)}"]})
    key = dedupe_key or f"{status}:{raw_code or ''}:{occurred_at.isoformat()}"
    inserted = db.session.execute(
        insert(TrackingEvent).values(shipment_id=shipment.id, status=status, raw_code=raw_code, description=description,
                                     location=location, occurred_at=occurred_at, dedupe_key=key, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["shipment_id", "dedupe_key"]).returning(TrackingEvent.id)
    ).scalar_one_or_none()
    if inserted is None:
        return False
    shipment = db.session.execute(select(Shipment).where(Shipment.id == shipment.id).with_for_update()).scalar_one()
    newer = shipment.last_event_at is None or occurred_at >= shipment.last_event_at
    forward = TRACKING_RANK[status] > TRACKING_RANK[shipment.status] or (
        TRACKING_RANK[status] == TRACKING_RANK[shipment.status] and newer)
    if shipment.status in TERMINAL or not forward:
        return False  # a late, older event: kept in the history, does not move the status
    shipment.status = status
    shipment.raw_status = raw_code
    shipment.last_event_at = max(filter(None, [shipment.last_event_at, occurred_at]))
    if status == "delivered":
        shipment.delivered_at = occurred_at
        return True
    return False


def add_manual_event(actor: Actor, shipment_id: int, data: dict) -> Shipment:
    """The vendor reports progress of a ``manual`` shipment; ``delivered`` starts the inspection window."""
    from ..deals.services import confirm_delivery
    from ..deals.models import Deal

    shipment = get_shipment(actor, shipment_id)
    deal = db.session.get(Deal, shipment.deal_id)
    if actor.role != "admin" and actor.org_id != deal.vendor_id:
        raise NotFoundError("no such shipment")
    if shipment.carrier != "manual":
        raise ConflictError("this carrier reports its own tracking")
    occurred = data.get("occurred_at") or utcnow()
    if occurred > utcnow():
        raise InvalidInputError("events cannot be in the future", fields={"occurred_at": ["in the future"]})
    delivered = record_tracking(shipment, data["status"], data["status"], data.get("description", ""), occurred,
                                data.get("location"))
    if delivered and deal.status == "shipped":
        confirm_delivery(SYSTEM, deal.id)
    return shipment
