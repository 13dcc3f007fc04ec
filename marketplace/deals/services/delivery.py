"""Shipping and delivery of a funded deal: ship, confirm delivery (by the buyer, a carrier's delivered
shipment, or the buyer's silence past the confirmation deadline after the vendor reported it), accept."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from ...actors import SYSTEM, Actor, ActorRole
from ...database import utcnow
from ...errors import DomainError, InvalidInputError
from ...extensions import db
from ...jobs import add_outbox_command
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...shipping import services as shipping
from ...shipping.carriers import enabled_carriers
from ...shipping.carriers.http import CarrierUnavailableError
from ...shipping.models import Shipment, ShipmentDirection, ShipmentLine, ShipmentStatus
from ...statemachine import Deadline, record_event
from ..models import Deal, DealStatus
from ..states import DELIVERY_CONFIRM, deal_machine, delivery_confirm_delay
from .deals import _require_side, get_deal, notice_data, pending_deadline
from .terms import open_after_delivery_terms

log = logging.getLogger(__name__)

#: the deadline entering ``delivered`` starts: the inspection window, whose silence is acceptance
INSPECTION = next((t.kind for t in deal_machine.timers if t.state == DealStatus.DELIVERED), "inspection")


#: the outbox kind of a carrier booking that timed out and is retried once in the background
BOOK_SHIPMENT = "deals.book_shipment"
#: shipments whose goods are no longer on their way and count neither as shipped nor delivered (ship them again)
_NOT_CARRYING = frozenset({ShipmentStatus.CANCELLED, ShipmentStatus.RETURNED, ShipmentStatus.LOST})


class Shipped(NamedTuple):
    """What :func:`ship_deal` did: the deal, the shipment stored (None while a booking the carrier did not answer is
    tried once more in the background) and the booking reference sent to the carrier (None only for a shipment
    stored before references existed)."""

    deal: Deal
    shipment: Shipment | None
    reference: str | None


def shipping_plan(deal: Deal) -> list[dict]:
    """Per deal line: ordered, on the way (in shipments not yet at an end), delivered (what arrived in delivered
    shipments) and still to ship. A cancelled, returned or lost shipment's quantities are to ship again."""
    rows = db.session.execute(
        select(ShipmentLine.deal_line_id, Shipment.status, ShipmentLine.quantity, ShipmentLine.delivered_quantity)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.deal_id == deal.id, Shipment.direction == ShipmentDirection.FORWARD)).all()
    on_way: dict[int, int] = {}
    arrived: dict[int, int] = {}
    for line_id, status, quantity, delivered in rows:
        if status == ShipmentStatus.DELIVERED:
            arrived[line_id] = arrived.get(line_id, 0) + (quantity if delivered is None else delivered)
        elif status not in _NOT_CARRYING:
            on_way[line_id] = on_way.get(line_id, 0) + quantity
    return [{"deal_line_id": line.id, "description": line.description, "unit": line.unit,
             "quantity": line.quantity, "in_transit": on_way.get(line.id, 0), "delivered": arrived.get(line.id, 0),
             "remaining": max(0, line.quantity - on_way.get(line.id, 0) - arrived.get(line.id, 0))}
            for line in deal.lines]


def deal_shipping_plan(actor: Actor, deal_id: int) -> dict:
    """The deal's shipping plan as a party (or an admin) may read it."""
    deal = get_deal(actor, deal_id)
    plan = shipping_plan(deal)
    return {"deal_id": deal.id, "lines": plan, "complete": all(p["delivered"] >= p["quantity"] for p in plan)}


def _items(deal: Deal, plan: list[dict], lines: list[dict] | None) -> list[dict]:
    """What this shipment carries: the requested quantities per line (checked against what is left to ship), or
    everything left to ship when none are named.

    :raises InvalidInputError: a line of another deal, a line named twice, or more than is left to ship.
    """
    by_id = {p["deal_line_id"]: p for p in plan}
    if not lines:
        return [{"deal_line_id": p["deal_line_id"], "description": p["description"], "unit": p["unit"],
                 "quantity": p["remaining"]} for p in plan if p["remaining"] > 0]
    items, errors = [], {}
    for i, requested in enumerate(lines):
        line = by_id.get(requested["deal_line_id"])
        if line is None:
            errors[i] = {"deal_line_id": ["not a line of this deal"]}
        elif any(item["deal_line_id"] == line["deal_line_id"] for item in items):
            errors[i] = {"deal_line_id": ["named twice"]}
        elif requested["quantity"] > line["remaining"]:
            errors[i] = {"quantity": [f"at most {line['remaining']} {line['unit']} left to ship"]}
        else:
            items.append({"deal_line_id": line["deal_line_id"], "description": line["description"],
                          "unit": line["unit"], "quantity": requested["quantity"]})
    if errors:
        raise InvalidInputError("these quantities cannot be shipped", fields={"lines": errors})
    return items


def ship_deal(actor: Actor, deal_id: int, data: dict) -> Shipped:
    """The vendor hands goods to a carrier: a shipment with tracking carries the named quantities per line (by
    default everything left to ship). The first shipment makes the deal ``shipped``; later ones ship the rest.
    With nothing left to ship, repeating returns the latest shipment.

    A carrier that does not answer in time leaves nothing booked here; the booking is queued in the outbox and
    tried once more in the background under the same reference (so the carrier makes one order, not two): the
    shipment is then ``None`` and the vendor is told how it went. The reference is returned either way (callers
    never work it out again: once this transaction commits, the count it is made from may have moved on).

    :raises IllegalTransitionError: the deal is neither funded nor shipped.
    :raises InvalidInputError: an unknown carrier, or quantities that cannot be shipped.
    :raises CarrierRefusedError: the carrier refused the booking.
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.VENDOR)
    deal = deal_machine.lock(deal.id)
    if deal.status not in (DealStatus.FUNDED, DealStatus.SHIPPED):
        deal_machine.apply(deal, "ship", actor)  # raises the 409 with the allowed transitions
    items = _items(deal, shipping_plan(deal), data.get("lines"))
    if not items and deal.status == DealStatus.SHIPPED:
        latest = shipping.latest_shipment(deal.id)
        return Shipped(deal, latest, latest.reference if latest is not None else None)
    if not items:
        raise InvalidInputError("nothing is left to ship", fields={"lines": ["nothing left to ship"]})
    booking = {key: value for key, value in data.items() if key != "lines"}
    booking.update(items=items, reference=shipping.booking_reference(deal.id))
    try:
        booked = shipping.book_with_carrier(deal, booking)
    except CarrierUnavailableError:
        add_outbox_command(BOOK_SHIPMENT, booking["reference"], {"deal_id": deal.id, "booking": booking,
                                                                 "user_id": actor.user_id}, max_attempts=1)
        record_event(deal_machine.subject, deal.id, "booking_queued", deal.status, deal.status, actor,
                     {"carrier": booking.get("carrier"), "reference": booking["reference"]})
        return Shipped(deal, None, booking["reference"])
    shipment = shipping.store_shipment(deal, booking, booked)
    _shipped(deal, shipment, actor)
    return Shipped(deal, shipment, shipment.reference)


def _plan_notice(deal: Deal) -> list[dict]:
    """The deal's shipping plan as a notification carries it (``notifications.figures.PLAN_KEY``): per line what
    was ordered, what has shipped (on its way or delivered) and what the vendor still has to ship."""
    return [{"description": p["description"], "unit": p["unit"], "ordered": p["quantity"],
             "shipped": p["in_transit"] + p["delivered"], "remaining": p["remaining"]} for p in shipping_plan(deal)]


def _shipped(deal: Deal, shipment: Shipment, actor: Actor) -> None:
    """A booked shipment: the first one ships the deal; each is announced to the buyer, with what has shipped so
    far and what is still to ship when the deal ships in parts."""
    payload = {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number}
    first = deal.status == DealStatus.FUNDED
    if first:
        deal_machine.apply(deal, "ship", actor, payload)
    else:
        record_event(deal_machine.subject, deal.id, "shipment_added", deal.status, deal.status, actor, payload)
    notify_org(deal.buyer_id, NotificationKind.DEAL_SHIPPED,
               notice_data(deal, shipment_id=shipment.id, carrier=shipment.carrier,
                           tracking_number=shipment.tracking_number,
                           inspection_days=current_app.config["INSPECTION_DAYS"], shipping_plan=_plan_notice(deal)),
               key=f"deal-{deal.id}-shipped" if first else f"deal-{deal.id}-shipment-{shipment.id}")


def book_queued(payload: dict, key: str) -> dict:
    """Outbox call of :data:`BOOK_SHIPMENT`: the carrier booking again, under the same reference."""
    deal = db.session.get(Deal, payload["deal_id"])
    return shipping.book_with_carrier(deal, payload["booking"])


def on_queued_booked(command) -> None:
    """Outbox follow-up: store the shipment the retry booked and ship the deal, unless the deal moved on meanwhile
    (cancelled or refunded: the carrier order is cancelled again) or the vendor booked it by hand already."""
    payload, booked = command.payload, command.result
    deal = deal_machine.lock(payload["deal_id"])
    booking = payload["booking"]
    vendor = Actor(ActorRole.VENDOR, org_id=deal.vendor_id, user_id=payload.get("user_id"))
    if deal.status not in (DealStatus.FUNDED, DealStatus.SHIPPED):
        carrier = enabled_carriers(current_app.config).get(booking.get("carrier"))
        if carrier is not None and carrier.capabilities.cancel:
            try:
                carrier.cancel(booked["tracking_number"], current_app.config)
            except DomainError as exc:  # nobody to tell but the log: the deal is over
                log.warning("queued booking %s for deal %s not cancelled: %s", command.key, deal.id, exc.message)
        return
    if shipping.find_by_reference(booking["reference"]) is not None:
        return  # the vendor's own retry stored it first
    shipment = shipping.store_shipment(deal, booking, booked)
    _shipped(deal, shipment, vendor)
    notify_org(deal.vendor_id, NotificationKind.SHIPMENT_BOOKED,
               notice_data(deal, carrier=shipment.carrier, tracking_number=shipment.tracking_number),
               key=f"deal-{deal.id}-booked-{command.key}")


def on_queued_booking_failed(command, exc: Exception) -> None:
    """Outbox error: after the last try the vendor is told nothing was booked and to book again."""
    if command.status != "failed":
        return
    deal = db.session.get(Deal, command.payload["deal_id"])
    notify_org(deal.vendor_id, NotificationKind.SHIPMENT_BOOKING_FAILED,
               notice_data(deal, carrier=command.payload["booking"].get("carrier"),
                           ship_by_at=deal.ship_by_at.isoformat() if deal.ship_by_at else ""),
               key=f"deal-{deal.id}-booking-failed-{command.key}")


def confirm_delivery(actor: Actor, deal_id: int) -> Deal:
    """The buyer (or, as ``system``, a carrier's delivered event) confirms arrival; the inspection window starts.
    The buyer's word also closes the deal's shipments still on their way: each becomes ``delivered``, confirmed by
    the buyer (their ``shipping.delivered`` finds the deal delivered already, so the window starts once and no money
    moves).

    :raises IllegalTransitionError: the deal is not shipped.
    """
    if actor.role == ActorRole.SYSTEM:
        deal = deal_machine.lock(deal_id)
        deal_machine.apply(deal, "confirm_delivery", actor)  # entering ``delivered`` stamps it (on_delivered)
        return deal
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    # the shipments before the deal: a carrier's event locks its shipment, then the deal (on_shipment_delivered)
    open_shipments = shipping.lock_open_shipments(deal.id)
    if deal_machine.apply(deal, "confirm_delivery", actor):  # entering ``delivered`` stamps it (on_delivered)
        shipping.confirm_receipt(open_shipments, deal.delivered_at or utcnow())
    return deal


def on_delivered(deal: Deal) -> None:
    """Entering ``delivered`` (the buyer, a carrier, or the lapse of the confirmation deadline): stamp when, and
    tell the buyer by when to accept or dispute (silence past the inspection window is acceptance)."""
    if deal.delivered_at is None:
        deal.delivered_at = utcnow()
    open_after_delivery_terms(deal)  # terms due on or after delivery fall due now
    ends = pending_deadline(deal, INSPECTION)
    notify_org(deal.buyer_id, NotificationKind.DEAL_DELIVERED,
               notice_data(deal, inspection_ends_at=ends.isoformat() if ends else None),
               key=f"deal-{deal.id}-delivered")


def on_shipment_delivered(shipment) -> None:
    """Listener of ``shipping.delivered``: when every line's quantity has arrived, the deal's delivery is confirmed
    if each delivered shipment's delivery is proven (by its carrier or a proof of delivery), else the buyer is
    asked (:func:`report_delivery`). Before that, one shipment of several arriving is told to both sides. A deal in
    any other state, e.g. disputed, is left alone."""
    # the shipment row is locked before its deal here; no path locks a deal and then its shipments
    deal = deal_machine.lock(shipment.deal_id)
    if deal.status != DealStatus.SHIPPED:
        return
    plan = shipping_plan(deal)
    open_lines = [p for p in plan if p["delivered"] < p["quantity"]]
    if open_lines:
        record_event(deal_machine.subject, deal.id, "partly_delivered", deal.status, deal.status, SYSTEM,
                     {"shipment_id": shipment.id, "lines_open": len(open_lines)})
        data = notice_data(deal, shipment_id=shipment.id, carrier=shipment.carrier,
                           tracking_number=shipment.tracking_number, lines_open=len(open_lines))
        for org_id in (deal.buyer_id, deal.vendor_id):
            notify_org(org_id, NotificationKind.DEAL_PARTLY_DELIVERED, data,
                       key=f"deal-{deal.id}-shipment-{shipment.id}-delivered-{org_id}")
        return
    delivered = db.session.execute(select(Shipment).where(
        Shipment.deal_id == deal.id, Shipment.direction == ShipmentDirection.FORWARD,
        Shipment.status == ShipmentStatus.DELIVERED)).scalars().all()
    if all(shipping.carrier_proves_delivery(s) for s in delivered):
        confirm_delivery(SYSTEM, deal.id)
    else:
        report_delivery(deal, shipment)


def report_delivery(deal: Deal, shipment: Shipment) -> None:
    """The vendor says a shipped deal arrived (ARCHITECTURE §9: a vendor's own word never moves the buyer's
    money): the deal stays ``shipped`` and records the report, the buyer is asked to confirm, and only
    silence past ``DELIVERY_CONFIRM_DAYS`` counts as delivered (a deadline firing ``confirm_delivery``;
    the buyer's confirmation or dispute leaves ``shipped`` and so cancels it). Reporting again changes nothing."""
    if delivery_confirm_deadline(deal) is not None:
        return
    due = utcnow() + delivery_confirm_delay(current_app.config)
    db.session.add(Deadline(subject_type=deal_machine.subject, subject_id=deal.id, kind=DELIVERY_CONFIRM,
                            expected_state=DealStatus.SHIPPED, transition="confirm_delivery", due_at=due))
    reporter = Actor(ActorRole.VENDOR, org_id=shipment.vendor_id)
    record_event(deal_machine.subject, deal.id, "delivery_reported", deal.status, deal.status, reporter,
                 {"shipment_id": shipment.id, "delivered_at": shipment.delivered_at.isoformat(),
                  "confirm_by": due.isoformat()})
    notify_org(deal.buyer_id, NotificationKind.DELIVERY_REPORTED,
               notice_data(deal, confirm_by=due.date().isoformat(), confirm_by_at=due.isoformat()),
               key=f"deal-{deal.id}-delivery-reported")


def delivery_confirm_deadline(deal: Deal) -> datetime | None:
    """When a vendor-reported delivery of ``deal`` counts as delivered without the buyer's word, if pending."""
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == deal_machine.subject, Deadline.subject_id == deal.id,
                                      Deadline.kind == DELIVERY_CONFIRM, Deadline.fired_at.is_(None),
                                      Deadline.cancelled_at.is_(None)).order_by(Deadline.due_at).limit(1)
    ).scalar_one_or_none()


def accept_deal(actor: Actor, deal_id: int) -> Deal:
    """The buyer accepts the goods; release is queued.

    :raises IllegalTransitionError: the deal is not delivered.
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    deal_machine.apply(deal, "accept", actor)  # entering ``accepted`` queues the release (registration.on_enter)
    return deal
