"""Shipping verbs: book a shipment for a deal, read it as a party, record tracking events (never moving
backwards). ``shipping`` never reaches into the deal: it takes the deal as a plain object and reports
a delivery upward as the fact :data:`SHIPMENT_DELIVERED`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from .. import registry
from ..actors import Actor
from ..database import utcnow
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.pagination import paginate
from ..vendors.storage import blob_path, sniff, store_stream
from . import polling
from .carriers import MANUAL, Carrier, Parcel, RateRequest, enabled_carriers
from .models import (
    DeliveryProof,
    Shipment,
    ShipmentDirection,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
)

#: fact published when a tracking event makes a shipment ``delivered``; listeners get ``fn(shipment)``
#: in the same transaction (deals confirms the delivery of a shipped deal)
SHIPMENT_DELIVERED = "shipping.delivered"
#: what the delivered event of a shipment says when the buyer confirmed the deal's delivery while the shipment was
#: still open (design §6.3: the buyer's "mark as received" is a ``delivered`` event whose source is the buyer)
BUYER_CONFIRMED = "Delivered: the buyer confirmed receipt"
#: fact published whenever an event moves a shipment's status; listeners get ``fn(shipment, previous)`` in the
#: same transaction (the parties and, for exceptions, the platform's admins are told)
SHIPMENT_STATUS_CHANGED = "shipping.status_changed"


def _carrier(code: str) -> Carrier:
    carriers = enabled_carriers(current_app.config)
    carrier = carriers.get(code)
    if carrier is None:
        raise InvalidInputError.at(("carrier",), f"one of {', '.join(carriers)}")
    return carrier


def quote_rates(data: dict) -> dict:
    """Prices of the enabled carriers that quote (``capabilities.rates``) for a lane, parcels and pallets, cheapest
    first; a carrier that does not serve the lane or the currency is left out."""
    request = RateRequest(origin=data["origin"], destination=data["destination"], pallets=data.get("pallets", 0),
                          parcels=tuple(Parcel(**p) for p in data.get("parcels", ())),
                          currency=data.get("currency", "VND"), ship_on=data.get("ship_on"))
    rates = []
    for carrier in enabled_carriers(current_app.config).values():
        if not carrier.capabilities.rates or request.currency not in carrier.capabilities.currencies:
            continue
        for quote in carrier.get_rates(request, current_app.config):
            rates.append({"carrier": quote.carrier, "carrier_name": carrier.name, "service": quote.service,
                          "zone": quote.zone, "amount": quote.amount, "currency": quote.currency,
                          "breakdown": [{"code": c.code, "description": c.description, "amount": c.amount,
                                         "currency": quote.currency} for c in quote.breakdown],
                          "transit_days": quote.transit_days, "eta": quote.eta, "estimate": quote.estimate})
    rates.sort(key=lambda r: (r["amount"], r["transit_days"], r["carrier"], r["service"]))
    return {"rates": rates}


def booking_reference(deal_id: int) -> str:
    """Our deterministic key of the deal's next booking, ``MKT-D<deal>-S<n>`` (n = the deal's shipments + 1). A
    booking that failed stored nothing, so its retry sends the same key and the carrier takes up its first order."""
    booked = db.session.scalar(select(func.count()).select_from(Shipment).where(Shipment.deal_id == deal_id))
    return f"MKT-D{deal_id}-S{booked + 1}"


def book_with_carrier(deal, data: dict) -> dict:
    """Book with the carrier (the external call only; nothing is stored). ``data`` carries ``carrier``,
    ``reference`` and ``items`` (``[{deal_line_id, description, quantity, unit}]``) besides the booking's own
    fields; returns the carrier's ``{"tracking_number", "details"}``.

    :raises InvalidInputError: an unknown or disabled carrier.
    :raises CarrierUnavailableError: the carrier did not answer (nothing was booked here; a retry is safe).
    :raises CarrierRefusedError: the carrier refused the booking.
    """
    return _carrier(data.get("carrier") or MANUAL).create_shipment(deal, data)


def store_shipment(deal, data: dict, booked: dict, direction: str = ShipmentDirection.FORWARD) -> Shipment:
    """Record a booking the carrier confirmed: the shipment, its lines (``data["items"]``) and its first event.
    A booking already stored under the same reference is returned as it is (a retry that raced the first).

    :raises ConflictError: the tracking number is already in use with this carrier.
    """
    carrier_code = data.get("carrier") or MANUAL
    reference = data.get("reference")
    if reference:
        stored = db.session.execute(select(Shipment).where(Shipment.reference == reference)).scalar_one_or_none()
        if stored is not None:
            return stored
    if db.session.execute(select(Shipment.id).where(Shipment.carrier == carrier_code,
                                                   Shipment.tracking_number == booked["tracking_number"])).first():
        raise ConflictError("this tracking number is already in use", fields={"tracking_number": ["taken"]})
    now = utcnow()
    shipment = Shipment(deal_id=deal.id, buyer_id=deal.buyer_id, vendor_id=deal.vendor_id, carrier=carrier_code,
                        tracking_number=booked["tracking_number"], details=booked["details"], reference=reference,
                        status=ShipmentStatus.PRE_TRANSIT, last_event_at=now, direction=direction,
                        lines=[ShipmentLine(deal_line_id=item["deal_line_id"], quantity=item["quantity"])
                               for item in data.get("items", ()) if item.get("deal_line_id")])
    db.session.add(shipment)
    db.session.flush()
    record_tracking(shipment, ShipmentStatus.PRE_TRANSIT, None, "Shipment created", now, dedupe_key="created")
    polling.schedule_first_poll(shipment, current_app.config)
    return shipment


def create_shipment(deal, data: dict, direction: str = ShipmentDirection.FORWARD) -> Shipment:
    """Book a shipment for ``deal`` (a plain object: ``.id``, ``.buyer_id``, ``.vendor_id``) with its carrier and
    store it; ``direction`` ``return`` is the buyer sending goods back.

    :raises InvalidInputError: an unknown carrier.
    :raises ConflictError: the tracking number is already in use with this carrier.
    :raises CarrierUnavailableError: the carrier did not answer (nothing stored).
    """
    data = {**data, "reference": data.get("reference") or booking_reference(deal.id)}
    return store_shipment(deal, data, book_with_carrier(deal, data), direction)


def cancel_shipment(actor: Actor, shipment_id: int) -> Shipment:
    """The vendor cancels a booking not yet picked up: with the carrier first (when it can cancel), then here;
    its lines are free to ship again.

    :raises NotFoundError: unknown, or not the actor's shipment as its vendor.
    :raises ConflictError: the goods are already with the carrier, or the carrier cannot cancel.
    :raises CarrierRefusedError: the carrier refused (it has picked the goods up meanwhile).
    """
    shipment = get_shipment(actor, shipment_id, lock=True)
    if shipment.buyer_id == actor.org_id:
        raise NotFoundError("no such shipment")
    if shipment.status == ShipmentStatus.CANCELLED:
        return shipment
    if shipment.status != ShipmentStatus.PRE_TRANSIT:
        raise ConflictError("only a shipment the carrier has not picked up yet can be cancelled")
    carrier = registry.current().carriers.get(shipment.carrier)
    if carrier is not None and not carrier.manual_tracking:
        if not carrier.capabilities.cancel:
            raise ConflictError("this carrier cannot cancel bookings; call the carrier")
        carrier.cancel(shipment.tracking_number, current_app.config)
    record_tracking(shipment, ShipmentStatus.CANCELLED, None, "Cancelled by the vendor", utcnow(),
                    dedupe_key="cancelled")
    return shipment


def carrier_proves_delivery(shipment: Shipment) -> bool:
    """Is the shipment's delivery proven: reported by the carrier's own tracking, or by a proof of delivery (the
    receiver's name and a photo or signature)? A ``manual`` shipment's bare ``delivered`` is the vendor's word."""
    if shipment.proof is not None:
        return True
    carrier = registry.current().carriers.get(shipment.carrier)
    return carrier is not None and not carrier.manual_tracking


#: statuses of a shipment to the buyer that the buyer's confirmation of receipt closes: the goods were on their way
#: (a shipment coming back to the vendor, or at an end, is left as it is)
_RECEIVABLE = (ShipmentStatus.PRE_TRANSIT, ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT,
               ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERY_FAILED, ShipmentStatus.EXCEPTION)


def lock_open_shipments(deal_id: int) -> list[Shipment]:
    """The deal's shipments to the buyer still on their way (not delivered, not at another end, not coming back),
    locked in id order (a caller that then locks the deal keeps the order shipments, then deal)."""
    return list(db.session.execute(
        select(Shipment).where(Shipment.deal_id == deal_id, Shipment.direction == ShipmentDirection.FORWARD,
                               Shipment.status.in_([s.value for s in _RECEIVABLE]))
        .order_by(Shipment.id).with_for_update().execution_options(populate_existing=True)).scalars())


def confirm_receipt(shipments: list[Shipment], occurred_at: datetime) -> None:
    """The buyer confirmed the deal's delivery: each shipment still open becomes ``delivered`` with an event saying
    the buyer confirmed it (once: its dedupe key). A carrier's later reports of it are kept in its history and move
    nothing (``delivered`` is terminal); nobody asks the carrier about it any more."""
    for shipment in shipments:
        record_tracking(shipment, ShipmentStatus.DELIVERED, None, BUYER_CONFIRMED, occurred_at,
                        dedupe_key="buyer-confirmation")
        shipment.next_poll_at = None


def find_by_reference(reference: str) -> Shipment | None:
    """The shipment booked under our ``reference``, if it was stored."""
    return db.session.execute(select(Shipment).where(Shipment.reference == reference)).scalar_one_or_none()


def latest_shipment(deal_id: int) -> Shipment | None:
    """A deal's newest shipment to the buyer (the caller has checked who may see the deal)."""
    return db.session.execute(
        select(Shipment).where(Shipment.deal_id == deal_id, Shipment.direction == ShipmentDirection.FORWARD)
        .order_by(Shipment.id.desc()).limit(1)
    ).scalar_one_or_none()


def list_shipments(actor: Actor, params: dict, deal_id: int | None = None) -> dict:
    """One page of the shipments ``actor`` may see (optionally of one deal), oldest first."""
    stmt = Shipment.visible_to(actor)
    if deal_id is not None:
        stmt = stmt.where(Shipment.deal_id == deal_id)
    if params.get("status"):
        stmt = stmt.where(Shipment.status == params["status"])
    return paginate(stmt, params, Shipment.id)


def get_shipment(actor: Actor, shipment_id: int, *, lock: bool = False) -> Shipment:
    """A shipment as ``actor`` may see it: the deal's buyer, its vendor, or a platform admin.

    :raises NotFoundError: unknown, or another organisation's.
    """
    return Shipment.get_visible(actor, shipment_id, lock=lock)


def record_tracking(shipment: Shipment, status: str, raw_code: str | None, description: str, occurred_at: datetime,
                    location: str | None = None, dedupe_key: str | None = None) -> bool:
    """Store a tracking event; move the shipment's status only forward. Duplicate events are ignored.

    Returns True when the shipment became ``delivered`` because of this event; then the fact
    :data:`SHIPMENT_DELIVERED` has been published (in this transaction).

    :raises InvalidInputError: an unknown status.
    """
    try:
        status = ShipmentStatus(status)
    except ValueError:
        raise InvalidInputError.at(("status",), f"one of {', '.join(s.value for s in ShipmentStatus)}") from None
    key = dedupe_key or f"{status.value}:{raw_code or ''}:{occurred_at.isoformat()}"
    inserted = db.session.execute(
        insert(TrackingEvent).values(shipment_id=shipment.id, status=status, raw_code=raw_code, description=description,
                                     location=location, occurred_at=occurred_at, dedupe_key=key, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["shipment_id", "dedupe_key"]).returning(TrackingEvent.id)
    ).scalar_one_or_none()
    if inserted is None:
        return False  # the carrier sent this event before
    shipment = db.session.execute(select(Shipment).where(Shipment.id == shipment.id).with_for_update()
                                  .execution_options(populate_existing=True)).scalar_one()
    db.session.expire(shipment, ["events"])  # the history gained a row behind the ORM's back
    if not shipment.moves_forward(status, occurred_at):
        return False  # a late, older event: kept in the history, does not move the status
    previous = shipment.status
    shipment.status = status
    shipment.raw_status = raw_code
    shipment.last_event_at = max(filter(None, [shipment.last_event_at, occurred_at]))
    if previous != status:
        db.session.flush()
        registry.publish(SHIPMENT_STATUS_CHANGED, shipment, previous)
    if status != ShipmentStatus.DELIVERED:
        return False
    shipment.delivered_at = occurred_at
    db.session.flush()
    registry.publish(SHIPMENT_DELIVERED, shipment)
    return True


def record_carrier_event(shipment: Shipment, raw_code: str, description: str, occurred_at: datetime,
                         location: str | None = None, dedupe_key: str | None = None) -> bool:
    """Store an event in the carrier's own words: ``raw_code`` is normalised through the shipment's carrier's status
    table (an unknown code is an ``exception``) and kept raw; the status moves only forward (:func:`record_tracking`).

    :raises InvalidInputError: the shipment's carrier is not registered.
    """
    carrier = registry.current().carriers.get(shipment.carrier)
    if carrier is None:
        raise InvalidInputError.at(("carrier",), "not a registered carrier")
    return record_tracking(shipment, carrier.normalise(raw_code), raw_code, description, occurred_at, location,
                           dedupe_key)


def add_manual_event(actor: Actor, shipment_id: int, data: dict) -> Shipment:
    """The vendor reports progress of a ``manual`` shipment; ``delivered`` is reported upward
    (:data:`SHIPMENT_DELIVERED`: the deal asks its buyer to confirm; a vendor's word alone starts nothing).

    :raises NotFoundError: unknown, or not the actor's shipment as its vendor (admins may report too).
    :raises ConflictError: the carrier reports its own tracking.
    :raises InvalidInputError: an event in the future, or before the shipment was booked (backdated).
    """
    shipment = get_shipment(actor, shipment_id)
    if shipment.buyer_id == actor.org_id:  # the buyer reads it (scoped above); only its vendor or an admin reports
        raise NotFoundError("no such shipment")
    carrier = registry.current().carriers.get(shipment.carrier)
    if carrier is None or not carrier.manual_tracking:
        raise ConflictError("this carrier reports its own tracking")
    occurred = data.get("occurred_at") or utcnow()
    if occurred > utcnow():
        raise InvalidInputError("events cannot be in the future", fields=InvalidInputError.nest(("occurred_at",),
                                                                                               "in the future"))
    if occurred < shipment.created_at:  # a backdated report: nothing happened to a shipment not yet booked
        raise InvalidInputError("events cannot be earlier than the shipment",
                                fields=InvalidInputError.nest(("occurred_at",), "before the shipment was booked"))
    record_tracking(shipment, data["status"], data["status"], data.get("description", ""), occurred,
                    data.get("location"))
    return shipment


def record_proof(actor: Actor, shipment_id: int, data: dict, filename: str | None, stream) -> Shipment:
    """The vendor (or an admin) records proof of delivery of a built-in carrier's shipment: the receiver's name,
    a photo or signature image (PNG or JPEG by its bytes, kept by SHA-256) and, when the receiver took less than
    shipped, the delivered quantities per line. The shipment becomes ``delivered`` with proof, which starts the
    deal's inspection like a carrier's own report.

    :raises NotFoundError: unknown, or not the actor's shipment as its vendor.
    :raises ConflictError: a carrier that reports its own tracking, or proof already recorded.
    :raises InvalidInputError: not an image; a line not in the shipment or more than shipped; a time in the future
        or before booking.
    :raises TooLargeError: bigger than ``DISPUTE_EVIDENCE_MAX_BYTES``.
    """
    shipment = get_shipment(actor, shipment_id)
    if shipment.buyer_id == actor.org_id:
        raise NotFoundError("no such shipment")
    carrier = registry.current().carriers.get(shipment.carrier)
    if carrier is None or not carrier.manual_tracking:
        raise ConflictError("this carrier reports its own tracking and proof of delivery")
    received = data.get("received_at") or utcnow()
    if received > utcnow() or received < shipment.created_at:
        raise InvalidInputError.at(("received_at",), "between the booking and now")
    quantities = _proof_quantities(shipment, data.get("delivered"))
    blob = store_stream(stream, current_app.config["DISPUTE_EVIDENCE_MAX_BYTES"])
    sniffed = sniff(blob.head)
    if sniffed is None or sniffed[0] not in ("image/png", "image/jpeg"):
        raise InvalidInputError.at(("image",), "a PNG or JPEG photo or signature", code="unsupported_file_type")
    shipment = get_shipment(actor, shipment_id, lock=True)
    if shipment.proof is not None:
        raise ConflictError("proof of delivery is already recorded")
    if shipment.is_terminal() and shipment.status != ShipmentStatus.DELIVERED:
        raise ConflictError(f"the shipment is {shipment.status}")
    db.session.add(DeliveryProof(shipment_id=shipment.id, receiver_name=data["receiver_name"].strip(),
                                 received_at=received, image_sha256=blob.sha256, image_type=sniffed[0],
                                 image_bytes=blob.size, note=data.get("note", ""), recorded_by_user_id=actor.user_id))
    for line in shipment.lines:
        if line.deal_line_id in quantities:
            line.delivered_quantity = quantities[line.deal_line_id]
    db.session.flush()
    db.session.expire(shipment, ["proof"])
    if shipment.status == ShipmentStatus.DELIVERED:  # the vendor's bare report before: the proof now proves it
        db.session.add(TrackingEvent(shipment_id=shipment.id, status=ShipmentStatus.DELIVERED, raw_code=None,
                                     description=f"Proof of delivery: received by {data['receiver_name'].strip()}",
                                     occurred_at=received, dedupe_key="proof-of-delivery"))
        db.session.flush()
        registry.publish(SHIPMENT_DELIVERED, shipment)
        return shipment
    record_tracking(shipment, ShipmentStatus.DELIVERED, ShipmentStatus.DELIVERED.value,
                    f"Delivered to {data['receiver_name'].strip()} (proof of delivery)", received,
                    dedupe_key="proof-of-delivery")
    return shipment


def _proof_quantities(shipment: Shipment, raw: str | None) -> dict[int, int]:
    """``delivered`` of a proof (JSON ``[{deal_line_id, delivered_quantity}]``) checked against the shipment.

    :raises InvalidInputError: not that shape, a line not in the shipment, or more than shipped.
    """
    if not raw:
        return {}
    try:
        rows = json.loads(raw)
        pairs = [(int(r["deal_line_id"]), int(r["delivered_quantity"])) for r in rows]
    except (ValueError, TypeError, KeyError):
        raise InvalidInputError.at(("delivered",), "a JSON list of {deal_line_id, delivered_quantity}") from None
    shipped = {line.deal_line_id: line.quantity for line in shipment.lines}
    for line_id, quantity in pairs:
        if line_id not in shipped:
            raise InvalidInputError.at(("delivered",), f"line {line_id} is not in this shipment")
        if not 0 <= quantity <= shipped[line_id]:
            raise InvalidInputError.at(("delivered",), f"line {line_id}: between 0 and {shipped[line_id]}")
    return dict(pairs)


def proof_image(actor: Actor, shipment_id: int) -> tuple[Path, str, str]:
    """The proof-of-delivery image of a shipment the actor may see: (path, content type, SHA-256).

    :raises NotFoundError: unknown shipment, another organisation's, or no proof.
    """
    shipment = get_shipment(actor, shipment_id)
    if shipment.proof is None:
        raise NotFoundError("no proof of delivery")
    return blob_path(shipment.proof.image_sha256), shipment.proof.image_type, shipment.proof.image_sha256
