"""Shipping and delivery of a funded deal: ship, confirm delivery (by the buyer or a delivered shipment), accept."""

from __future__ import annotations

from ...actors import SYSTEM, Actor, ActorRole
from ...database import utcnow
from ...shipping import services as shipping
from ...shipping.models import Shipment
from ..models import Deal, DealStatus
from ..states import deal_machine
from .deals import _require_side, get_deal


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
    return deal, shipment


def confirm_delivery(actor: Actor, deal_id: int) -> Deal:
    """The buyer (or a carrier's delivered event) confirms arrival; the inspection window starts.

    :raises IllegalTransitionError: the deal is not shipped.
    """
    deal = get_deal(actor, deal_id) if actor.role != ActorRole.SYSTEM else deal_machine.lock(deal_id)
    if actor.role != ActorRole.SYSTEM:
        _require_side(deal, actor, ActorRole.BUYER)
    if deal_machine.apply(deal, "confirm_delivery", actor):
        deal.delivered_at = utcnow()
    return deal


def on_shipment_delivered(shipment) -> None:
    """Listener of ``shipping.delivered``: a delivered shipment confirms the delivery of a shipped deal
    (a deal in any other state, e.g. disputed, is left alone)."""
    # the shipment row is locked before its deal here; no path locks a deal and then its shipments
    deal = deal_machine.lock(shipment.deal_id)
    if deal.status == DealStatus.SHIPPED:
        confirm_delivery(SYSTEM, deal.id)


def accept_deal(actor: Actor, deal_id: int) -> Deal:
    """The buyer accepts the goods; release is queued.

    :raises IllegalTransitionError: the deal is not delivered.
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    deal_machine.apply(deal, "accept", actor)  # entering ``accepted`` queues the release (registration.on_enter)
    return deal
