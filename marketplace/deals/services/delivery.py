"""Shipping and delivery of a funded deal: ship, confirm delivery (by the buyer, a carrier's delivered
shipment, or the buyer's silence past the confirmation deadline after the vendor reported it), accept."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ...actors import SYSTEM, Actor, ActorRole
from ...database import utcnow
from ...extensions import db
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...shipping import services as shipping
from ...shipping.models import Shipment
from ...statemachine import Deadline, record_event
from ..models import Deal, DealStatus
from ..states import DELIVERY_CONFIRM, deal_machine, delivery_confirm_delay
from .deals import _require_side, get_deal, notice_data, pending_deadline

#: the deadline entering ``delivered`` starts: the inspection window, whose silence is acceptance
INSPECTION = next((t.kind for t in deal_machine.timers if t.state == DealStatus.DELIVERED), "inspection")


def ship_deal(actor: Actor, deal_id: int, data: dict) -> tuple[Deal, Shipment]:
    """The vendor hands the goods to a carrier; a shipment with tracking is created. Repeating returns it.

    :raises IllegalTransitionError: the deal is not funded.
    :raises InvalidInputError: an unknown carrier.
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.VENDOR)
    deal = deal_machine.lock(deal.id)
    if deal.status == DealStatus.SHIPPED:
        return deal, shipping.latest_shipment(deal.id)
    if deal.status != DealStatus.FUNDED:
        deal_machine.apply(deal, "ship", actor)  # raises the 409 with the allowed transitions
    shipment = shipping.create_shipment(deal, data)
    deal_machine.apply(deal, "ship", actor, {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number})
    notify_org(deal.buyer_id, NotificationKind.DEAL_SHIPPED,
               notice_data(deal, shipment_id=shipment.id, carrier=shipment.carrier,
                           tracking_number=shipment.tracking_number,
                           inspection_days=current_app.config["INSPECTION_DAYS"]), key=f"deal-{deal.id}-shipped")
    return deal, shipment


def confirm_delivery(actor: Actor, deal_id: int) -> Deal:
    """The buyer (or, as ``system``, a carrier's delivered event) confirms arrival; the inspection window starts.

    :raises IllegalTransitionError: the deal is not shipped.
    """
    deal = get_deal(actor, deal_id) if actor.role != ActorRole.SYSTEM else deal_machine.lock(deal_id)
    if actor.role != ActorRole.SYSTEM:
        _require_side(deal, actor, ActorRole.BUYER)
    deal_machine.apply(deal, "confirm_delivery", actor)  # entering ``delivered`` stamps it (on_delivered)
    return deal


def on_delivered(deal: Deal) -> None:
    """Entering ``delivered`` (the buyer, a carrier, or the lapse of the confirmation deadline): stamp when, and
    tell the buyer by when to accept or dispute (silence past the inspection window is acceptance)."""
    if deal.delivered_at is None:
        deal.delivered_at = utcnow()
    ends = pending_deadline(deal, INSPECTION)
    notify_org(deal.buyer_id, NotificationKind.DEAL_DELIVERED,
               notice_data(deal, inspection_ends_at=ends.isoformat() if ends else None),
               key=f"deal-{deal.id}-delivered")


def on_shipment_delivered(shipment) -> None:
    """Listener of ``shipping.delivered``: a shipment its carrier proves delivered confirms the delivery of
    a shipped deal; a delivery the vendor reports itself only asks the buyer (:func:`report_delivery`).
    A deal in any other state, e.g. disputed, is left alone."""
    # the shipment row is locked before its deal here; no path locks a deal and then its shipments
    deal = deal_machine.lock(shipment.deal_id)
    if deal.status != DealStatus.SHIPPED:
        return
    if shipping.carrier_proves_delivery(shipment):
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
