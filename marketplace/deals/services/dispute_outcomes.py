"""Outcomes of a dispute the parties reach themselves, and the return-and-refund flow, around the deal.

Every verb locks the deal first, then the case (then an offer): the same order as decisions and
settlements, so concurrent decisions, offers and acceptances serialise and only one outcome is recorded.
Entering ``decided`` (an admin, an accepted offer, returned goods accepted, a lapsed return) queues the
settlement job (:func:`on_decided`), which moves exactly the recorded split.
"""

from __future__ import annotations

from sqlalchemy import select

from ...actors import Actor
from ...database import utcnow
from ...disputes import negotiation
from ...disputes import services as cases
from ...disputes.models import (
    Dispute,
    DisputeOffer,
    DisputeParty,
    DisputeStatus,
    EvidenceRequest,
)
from ...disputes.states import LIVE
from ...errors import IllegalTransitionError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.fields import to_minor
from ...money import allocate, commission_for, format_amount
from ...shipping import services as shipping
from ...shipping.models import Shipment, ShipmentDirection
from ..models import Deal
from ..states import deal_machine
from .deals import get_deal
from .delivery import on_shipment_delivered as on_forward_delivered
from .disputes import queue_settlement


def _locked(actor: Actor, dispute_id: int) -> tuple[Deal, Dispute]:
    """The case as ``actor`` sees it and its deal, both locked (deal first).

    :raises NotFoundError: unknown, or another organisation's dispute.
    """
    dispute = cases.get_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    return deal, cases.lock_dispute(dispute.id)


# --- offers ---------------------------------------------------------------------------------------


def make_offer(actor: Actor, dispute_id: int, data: dict) -> DisputeOffer:
    """A party proposes a split of the money held for the case (``vendor_amount`` and/or ``buyer_amount``),
    with or without a return, and a note; its own previous open offer is superseded.

    :raises NotFoundError: unknown dispute, or the actor is not a party.
    :raises ConflictError: decided (``already_decided``), not live, nothing held, a return with no refund.
    :raises InvalidInputError: amounts malformed, above the held money, or not adding up to it.
    """
    deal, dispute = _locked(actor, dispute_id)
    held = deal.held_amount()
    vendor_amount, _ = negotiation.split_of(data, held, deal.currency,
                                            lambda text, path: to_minor(text, deal.currency, path))
    return negotiation.make_offer(actor, dispute, held, vendor_amount,
                                  return_required=data.get("return_required", False), note=data.get("note", ""))


def accept_offer(actor: Actor, dispute_id: int, offer_id: int) -> Dispute:
    """The other party accepts an open offer: the split is recorded as the parties' final decision and its
    settlement queued (with a return: the case waits for the goods).

    :raises NotFoundError: unknown dispute or offer, or not a party.
    :raises ConflictError: ``already_decided``, ``offer_not_open``, ``own_offer``, ``offer_stale``.
    """
    deal, dispute = _locked(actor, dispute_id)  # lock order: deal, dispute, then the offer
    negotiation.accept_offer(actor, dispute, offer_id, deal.held_amount())
    return dispute


def reject_offer(actor: Actor, dispute_id: int, offer_id: int, reason: str) -> DisputeOffer:
    """The other party rejects an open offer with a reason.

    :raises NotFoundError: unknown dispute or offer, or not a party.
    :raises ConflictError: ``already_decided``, ``offer_not_open``, ``own_offer``.
    """
    _, dispute = _locked(actor, dispute_id)
    return negotiation.reject_offer(actor, dispute, offer_id, reason)


def withdraw_offer(actor: Actor, dispute_id: int, offer_id: int) -> DisputeOffer:
    """The proposer withdraws its open offer.

    :raises NotFoundError: unknown dispute or offer, or not a party.
    :raises ConflictError: ``already_decided``, ``offer_not_open``, ``not_own_offer``.
    """
    _, dispute = _locked(actor, dispute_id)
    return negotiation.withdraw_offer(actor, dispute, offer_id)


# --- escalation and evidence ----------------------------------------------------------------------


def escalate_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """A party asks the platform to step in (from ``DISPUTE_ESCALATE_AFTER_DAYS`` after the opening).

    :raises NotFoundError: unknown dispute, or not a party.
    :raises ConflictError: ``already_decided``, ``too_early``.
    :raises IllegalTransitionError: the case is not open or negotiating.
    """
    _, dispute = _locked(actor, dispute_id)
    return negotiation.escalate(actor, dispute)


def request_evidence(actor: Actor, dispute_id: int, data: dict) -> EvidenceRequest:
    """An admin asks a party for evidence by a business-day deadline (default ``DISPUTE_EVIDENCE_BUSINESS_DAYS``).

    :raises NotFoundError: unknown dispute.
    :raises ConflictError: ``already_decided``.
    :raises IllegalTransitionError: the case is not escalated or under review.
    """
    _, dispute = _locked(actor, dispute_id)
    return negotiation.request_evidence(actor, dispute, data["party"], data["message"], data.get("due_business_days"))


def answer_evidence_request(actor: Actor, dispute_id: int, request_id: int, data: dict) -> EvidenceRequest:
    """The asked party answers an evidence request (a message and/or evidence ids of the case).

    :raises NotFoundError: unknown dispute or request, or a request to the other party.
    :raises ConflictError: ``already_decided``, ``request_not_open``.
    :raises InvalidInputError: an empty answer, or evidence that is not the case's.
    """
    _, dispute = _locked(actor, dispute_id)
    return negotiation.answer_evidence_request(actor, dispute, request_id, data.get("answer", ""),
                                               data.get("evidence_ids") or [])


# --- the return -----------------------------------------------------------------------------------


def ship_return(actor: Actor, dispute_id: int, data: dict) -> Dispute:
    """The buyer ships the goods back: a return shipment (carrier and tracking) is booked and the case waits
    for the vendor's receipt. Repeating returns the case as it is.

    :raises NotFoundError: unknown dispute, or not its buyer.
    :raises IllegalTransitionError: the case is not waiting for a return.
    :raises InvalidInputError: an unknown carrier.
    :raises ConflictError: the tracking number is already in use with this carrier.
    """
    deal, dispute = _locked(actor, dispute_id)
    negotiation.require_returning(actor, dispute, DisputeParty.BUYER)
    if dispute.status == DisputeStatus.RETURN_IN_TRANSIT and dispute.return_shipment_id:
        return dispute  # already shipped: a double click
    if dispute.status != DisputeStatus.AWAITING_RETURN:
        raise IllegalTransitionError(f"cannot ship a return for a dispute that is {dispute.status}",
                                     details={"state": dispute.status, "allowed": []})
    shipment = shipping.create_shipment(deal, data, direction=ShipmentDirection.RETURN)
    negotiation.ship_return(actor, dispute, shipment.id)
    return dispute


def confirm_return_receipt(actor: Actor, dispute_id: int) -> Dispute:
    """The vendor confirms the returned goods arrived: the decided refund settles.

    :raises NotFoundError: unknown dispute, or not its vendor.
    :raises IllegalTransitionError: no return is on its way or being inspected.
    """
    _, dispute = _locked(actor, dispute_id)
    negotiation.require_returning(actor, dispute, DisputeParty.VENDOR)
    negotiation.accept_return(actor, dispute)
    return dispute


def reject_returned_goods(actor: Actor, dispute_id: int, reason: str) -> Dispute:
    """The vendor refuses the returned goods with a reason: the case escalates and the platform decides again.

    :raises NotFoundError: unknown dispute, or not its vendor.
    :raises IllegalTransitionError: no return is on its way or being inspected.
    """
    _, dispute = _locked(actor, dispute_id)
    negotiation.require_returning(actor, dispute, DisputeParty.VENDOR)
    negotiation.reject_return(actor, dispute, reason)
    return dispute


def on_shipment_delivered(shipment: Shipment) -> None:
    """Listener of ``shipping.delivered``: a return shipment's delivery starts the vendor's inspection window;
    a shipment to the buyer confirms (or asks about) the deal's delivery."""
    if shipment.direction != ShipmentDirection.RETURN:
        on_forward_delivered(shipment)
        return
    dispute_id = db.session.execute(select(Dispute.id).where(Dispute.return_shipment_id == shipment.id)).scalar()
    if dispute_id is None:
        return
    dispute = cases.find_dispute(dispute_id)
    deal_machine.lock(dispute.deal_id)  # the shipment, then the deal, then the case (as forward deliveries do)
    dispute = cases.lock_dispute(dispute_id)
    if dispute.status == DisputeStatus.RETURN_IN_TRANSIT:
        negotiation.return_delivered(dispute)


def on_decided(dispute: Dispute) -> None:
    """Entering ``decided`` (by anyone: an admin, an accepted offer, a return accepted or lapsed): a return
    never shipped falls back to the vendor, returned goods count as received, and the settlement is queued."""
    if (dispute.decision or {}).get("return_required"):
        if dispute.return_shipment_id is None:
            negotiation.apply_return_fallback(dispute)
        elif dispute.return_received_at is None:  # the inspection window lapsed in silence: accepted
            dispute.return_received_at = dispute.updated_at
    negotiation.on_state_entered(dispute)
    queue_settlement(dispute.id)


def require_party(actor: Actor, dispute: Dispute) -> DisputeParty:
    """The actor's side of a case it can see (pages use it to draw the right buttons).

    :raises NotFoundError: the actor is not a party.
    """
    party = dispute.party_of(actor.org_id)
    if party is None:
        raise NotFoundError("no such dispute")
    return party


# --- what pages show ------------------------------------------------------------------------------


def negotiation_state(actor: Actor, dispute: Dispute) -> dict:
    """What the negotiation part of a dispute page shows the viewer: the money held, the offers (newest
    first) with what the viewer may do on each, the evidence requests, the return shipment, whether the
    viewer may offer or escalate (and from when), and the current deadline with its kind.

    :raises NotFoundError: the case's deal is not the actor's to see.
    """
    deal = get_deal(actor, dispute.deal_id)
    party = dispute.party_of(actor.org_id)
    live = dispute.status in LIVE and not dispute.is_decided()
    escalate_from = negotiation.escalate_after(dispute) if dispute.created_at else None
    shipment = db.session.get(Shipment, dispute.return_shipment_id) if dispute.return_shipment_id else None
    return {
        "party": party, "held": deal.held_amount(), "currency": deal.currency, "live": live,
        "offers": negotiation.offers(dispute), "requests": negotiation.evidence_requests(dispute),
        "can_offer": live and party is not None,
        "can_escalate": party is not None and dispute.status in (DisputeStatus.OPEN, DisputeStatus.NEGOTIATING),
        "escalate_from": escalate_from, "too_early": escalate_from is not None and utcnow() < escalate_from,
        "return_shipment": shipment, "deadline_at": dispute.deadline_at, "deadline_kind": dispute.deadline_kind,
    }


def offer_preview(actor: Actor, dispute_id: int, buyer_amount: str) -> dict:
    """Exactly what an offer refunding ``buyer_amount`` (a decimal string) would move: the buyer's refund,
    the vendor's gross share, the commission on it and the vendor's net (minor units of ``currency``).

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises InvalidInputError: an amount that is malformed or above the held money.
    """
    dispute = cases.get_dispute(actor, dispute_id)
    deal = get_deal(actor, dispute.deal_id)
    held = deal.held_amount()
    refund = to_minor(buyer_amount, deal.currency, ("buyer_amount",))
    if refund > held:
        raise InvalidInputError.at(("buyer_amount",), f"between 0 and {format_amount(held, deal.currency)}")
    shares = allocate(held - refund, [m.held_amount for m in deal.held_milestones()]) if held else []
    commission = sum(commission_for(share, deal.commission_bps) for share in shares if share)
    return {"currency": deal.currency, "held": held, "to_buyer": refund, "vendor_gross": held - refund,
            "commission": commission, "to_vendor": held - refund - commission}
