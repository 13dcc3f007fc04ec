"""Shipping and delivery of a funded deal: ship, confirm delivery, accept."""

from __future__ import annotations

from sqlalchemy import select

from ...database import utcnow
from ...extensions import db
from ...statemachine import Actor
from ..models import Deal, DealStatus
from ..states import deal_machine
from .deals import _require_side, get_deal
from .payments import queue_release


def ship_deal(actor: Actor, deal_id: int, data: dict):
    """The vendor hands the goods to a carrier; a shipment with tracking is created."""
    from ...shipping.services import create_shipment

    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "vendor")
    deal = deal_machine.lock(deal.id)
    if deal.status == DealStatus.SHIPPED:
        shipment = deal_shipments(deal)[-1]
        return deal, shipment
    if deal.status != DealStatus.FUNDED:
        deal_machine.apply(deal, "ship", actor)  # raises the 409 with the allowed transitions
    shipment = create_shipment(deal, data)
    deal_machine.apply(deal, "ship", actor, {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number})
    return deal, shipment


def deal_shipments(deal: Deal):
    from ...shipping.models import Shipment

    return list(db.session.execute(select(Shipment).where(Shipment.deal_id == deal.id).order_by(Shipment.id)).scalars())


def confirm_delivery(actor: Actor, deal_id: int) -> Deal:
    """The buyer (or a carrier's delivered event) confirms arrival; the inspection window starts."""
    deal = get_deal(actor, deal_id) if actor.role != "system" else db.session.get(Deal, deal_id)
    if actor.role != "system":
        _require_side(deal, actor, "buyer")
    if deal_machine.apply(deal, "confirm_delivery", actor):
        deal.delivered_at = utcnow()
    return deal


def accept_deal(actor: Actor, deal_id: int) -> Deal:
    """The buyer accepts the goods; release is queued."""
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, "buyer")
    if deal_machine.apply(deal, "accept", actor):
        queue_release(deal)
    return deal
