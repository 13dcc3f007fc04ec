"""The case side of negotiating a dispute: offers between the parties, escalation, the admin's evidence
requests, recording an outcome (by the parties or an admin) and the steps of a return.

Nothing here moves money or touches the deal: ``deals.services.dispute_outcomes`` locks the deal first
(lock order everywhere: deal, dispute, offer), passes what is held, and queues the settlement. Every
refusal is a 409 with a code; every state change is told to both parties and the platform's staff.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..accounts.models import Organization, OrgKind
from ..actors import SYSTEM, Actor, ActorRole
from ..business_days import deadline_from_config
from ..database import utcnow
from ..errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.pagination import paginate
from ..money import format_amount
from ..notifications.models import NotificationKind
from ..notifications.services import notify_org
from ..statemachine import Event, record_event
from .models import (
    Dispute,
    DisputeEvidence,
    DisputeOffer,
    DisputeOutcome,
    DisputeParty,
    DisputeStatus,
    EvidenceRequest,
    EvidenceRequestStatus,
    OfferStatus,
)
from .services import get_dispute, lock_dispute, refuse_if_decided
from .states import LIVE, RESPONSE, REVIEWING, TIMED, dispute_machine

#: how a state reads in a notification, per locale
STATE_WORDS: dict[str, dict[str, str]] = {
    "vi": {"open": "đang mở, chờ bên kia trả lời", "negotiating": "đang thương lượng",
           "escalated": "đã chuyển lên nền tảng", "under_review": "quản trị viên đang xem xét",
           "evidence_requested": "đang chờ bằng chứng", "decided": "đã có quyết định, đang chờ chuyển tiền",
           "settling": "đang chuyển tiền", "resolved": "đã giải quyết xong", "withdrawn": "đã rút",
           "awaiting_return": "chờ bên mua gửi trả hàng", "return_in_transit": "hàng trả đang vận chuyển",
           "return_inspection": "nhà cung cấp đang kiểm tra hàng trả"},
    "en": {"open": "open, waiting for the other party's answer", "negotiating": "negotiating",
           "escalated": "escalated to the platform", "under_review": "under review by the platform",
           "evidence_requested": "waiting for evidence", "decided": "decided, the money is about to move",
           "settling": "settling", "resolved": "resolved", "withdrawn": "withdrawn",
           "awaiting_return": "waiting for the buyer to ship the goods back",
           "return_in_transit": "returned goods on their way",
           "return_inspection": "the vendor inspects the returned goods"},
}


def other_party(party: str) -> DisputeParty:
    return DisputeParty.VENDOR if party == DisputeParty.BUYER else DisputeParty.BUYER


def respondent(dispute: Dispute) -> DisputeParty:
    """The side that answers the case: the other side of whoever filed it."""
    return other_party(dispute.opened_by_party or DisputeParty.BUYER)


def _org_of(dispute: Dispute, party: str) -> int:
    return dispute.buyer_id if party == DisputeParty.BUYER else dispute.vendor_id


def _party(actor: Actor, dispute: Dispute) -> DisputeParty:
    """The actor's side of the case (the caller read the case scoped: only its parties and admins get here).

    :raises ForbiddenError: platform staff (they decide instead of negotiating).
    """
    party = dispute.party_of(actor.org_id)
    if party is None:
        raise ForbiddenError("only the parties of a dispute do this")
    return party


def platform_org_ids() -> list[int]:
    """The platform's organisations (their staff are told of every case's changes)."""
    return list(db.session.execute(select(Organization.id).where(Organization.kind == OrgKind.PLATFORM)).scalars())


def tell_everyone(dispute: Dispute, kind: NotificationKind, data: dict, key: str) -> None:
    """Notify both parties and the platform's staff once per ``key``."""
    for org_id in (dispute.buyer_id, dispute.vendor_id, *platform_org_ids()):
        notify_org(org_id, kind, data, key=f"{key}-org{org_id}")


def on_state_entered(dispute: Dispute) -> None:
    """Entering any state (by anyone, a deadline included): clear the deadline of an untimed state, note an
    escalation, record lapsed evidence requests, and tell both parties and the platform."""
    status = dispute.status
    if status not in TIMED:
        dispute.deadline_at, dispute.deadline_kind = None, None
    if status == DisputeStatus.ESCALATED:
        dispute.escalated_at = utcnow()
        last = _last_event(dispute.id)
        if last is not None and (last.payload or {}).get("deadline") == RESPONSE:  # the respondent stayed silent
            record_event(dispute_machine.subject, dispute.id, "respondent_silent", status, status, SYSTEM,
                         {"party": respondent(dispute).value})
    if status == DisputeStatus.UNDER_REVIEW:
        _lapse_open_requests(dispute)
    tell_everyone(dispute, NotificationKind.DISPUTE_STATE_CHANGED,
                  {"dispute_id": dispute.id, "deal_id": dispute.deal_id, "state": status,
                   "state_vi": STATE_WORDS["vi"].get(status, status),
                   "state_en": STATE_WORDS["en"].get(status, status)},
                  key=f"dispute-{dispute.id}-v{dispute.version}")


def _last_event(dispute_id: int) -> Event | None:
    return db.session.execute(
        select(Event).where(Event.subject_type == dispute_machine.subject, Event.subject_id == dispute_id)
        .order_by(Event.id.desc()).limit(1)
    ).scalar_one_or_none()


def _lapse_open_requests(dispute: Dispute) -> None:
    """Requests still open when the case goes back to review were not answered in time: recorded as lapsed."""
    lapsed = list(db.session.execute(
        update(EvidenceRequest).where(EvidenceRequest.dispute_id == dispute.id,
                                      EvidenceRequest.status == EvidenceRequestStatus.OPEN)
        .values(status=EvidenceRequestStatus.LAPSED).returning(EvidenceRequest.id, EvidenceRequest.party)
        .execution_options(synchronize_session="fetch")
    ).all())
    for request_id, party in lapsed:
        record_event(dispute_machine.subject, dispute.id, "evidence_request_lapsed", dispute.status, dispute.status,
                     SYSTEM, {"request_id": request_id, "party": party})


def _respond_if_respondent(actor: Actor, dispute: Dispute, party: str) -> None:
    if dispute.status == DisputeStatus.OPEN and party == respondent(dispute):
        dispute_machine.apply(dispute, "respond", actor)


def _refuse_unless_live(dispute: Dispute) -> None:
    refuse_if_decided(dispute)
    if dispute.status not in LIVE:
        raise ConflictError(f"the dispute is {dispute.status}", code="dispute_not_live",
                            details={"state": dispute.status})


# --- offers ---------------------------------------------------------------------------------------


def split_of(data: dict, held: int, currency: str, to_minor) -> tuple[int, int]:
    """(vendor amount, buyer amount) of an offer's or decision's input: either side's amount, or both summing
    to ``held``; ``to_minor(text, path)`` parses a decimal string.

    :raises InvalidInputError: no amount, an amount above what is held, or two that do not sum to it.
    """
    vendor = to_minor(data["vendor_amount"], ("vendor_amount",)) if data.get("vendor_amount") is not None else None
    buyer = to_minor(data["buyer_amount"], ("buyer_amount",)) if data.get("buyer_amount") is not None else None
    shown = format_amount(held, currency)
    if vendor is None and buyer is None:
        raise InvalidInputError("say what the vendor gets or what the buyer gets back",
                                fields={"buyer_amount": ["the buyer's refund or the vendor's amount is needed"]})
    for name, value in (("vendor_amount", vendor), ("buyer_amount", buyer)):
        if value is not None and value > held:
            raise InvalidInputError("an amount is more than the money held",
                                    fields=InvalidInputError.nest((name,), f"between 0 and {shown}"))
    if vendor is not None and buyer is not None and vendor + buyer != held:
        raise InvalidInputError("the two amounts must add up to the money held",
                                fields=InvalidInputError.nest(("buyer_amount",),
                                                              f"the two amounts must add up to {shown}"))
    vendor = held - buyer if vendor is None else vendor
    return vendor, held - vendor


def make_offer(actor: Actor, dispute: Dispute, held: int, vendor_amount: int, *, return_required: bool,
               note: str = "") -> DisputeOffer:
    """A party proposes how the ``held`` money is split (``vendor_amount`` to the vendor, the rest back to
    the buyer), with or without a return; it supersedes the party's own open offer. The caller has locked
    the deal and then the case.

    :raises ForbiddenError: platform staff (not a party).
    :raises ConflictError: the case is decided (``already_decided``) or not open to offers (``dispute_not_live``),
        nothing is held (``nothing_held``), or a return with no refund (``return_without_refund``).
    """
    party = _party(actor, dispute)
    _refuse_unless_live(dispute)
    if held <= 0:
        raise ConflictError("nothing is held in escrow for this dispute", code="nothing_held")
    if return_required and vendor_amount >= held:
        raise ConflictError("a return only makes sense with a refund to the buyer", code="return_without_refund")
    db.session.execute(update(DisputeOffer).where(DisputeOffer.dispute_id == dispute.id, DisputeOffer.party == party,
                                                  DisputeOffer.status == OfferStatus.OPEN)
                       .values(status=OfferStatus.SUPERSEDED).execution_options(synchronize_session="fetch"))
    offer = DisputeOffer(dispute_id=dispute.id, party=party, proposed_by=actor.user_id, status=OfferStatus.OPEN,
                         currency=dispute.currency, held=held, vendor_amount=vendor_amount,
                         buyer_amount=held - vendor_amount,
                         return_required=return_required, note=note)
    db.session.add(offer)
    db.session.flush()
    _respond_if_respondent(actor, dispute, party)
    money = {"currency": dispute.currency, "released": format_amount(offer.vendor_amount, dispute.currency),
             "refunded": format_amount(offer.buyer_amount, dispute.currency)}
    record_event(dispute_machine.subject, dispute.id, "offer_made", dispute.status, dispute.status, actor,
                 {"offer_id": offer.id, "party": party.value, "return_required": return_required, **money})
    notify_org(_org_of(dispute, other_party(party)), NotificationKind.DISPUTE_OFFER_MADE,
               {"dispute_id": dispute.id, "deal_id": dispute.deal_id, "offer_id": offer.id, **money,
                "return_vi": " (bên mua gửi trả hàng trước)" if return_required else "",
                "return_en": " (the buyer ships the goods back first)" if return_required else ""},
               key=f"dispute-{dispute.id}-offer-{offer.id}")
    return offer


def lock_offer(dispute: Dispute, offer_id: int) -> DisputeOffer:
    """The case's offer under its row lock (after the deal and the case: lock order deal, dispute, offer).

    :raises NotFoundError: no such offer on this case.
    """
    offer = db.session.execute(
        select(DisputeOffer).where(DisputeOffer.id == offer_id, DisputeOffer.dispute_id == dispute.id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None:
        raise NotFoundError("no such offer")
    return offer


def _refuse_unless_open(offer: DisputeOffer) -> None:
    if offer.status != OfferStatus.OPEN:
        raise ConflictError(f"the offer is {offer.status}", code="offer_not_open", details={"state": offer.status})


def accept_offer(actor: Actor, dispute: Dispute, offer_id: int, held: int) -> DisputeOffer:
    """The other party accepts an open offer: it becomes the case's decision, agreed by the parties and as
    final as an admin's (with a return, the case waits for the goods first). The caller has locked the
    deal and the case, and queues the settlement.

    :raises NotFoundError: no such offer on this case.
    :raises ForbiddenError: platform staff (not a party).
    :raises ConflictError: the case is decided (``already_decided``) or not live, the offer is not open
        (``offer_not_open``), it is the actor's own (``own_offer``), or the held money changed since it was
        made (``offer_stale``).
    """
    party = _party(actor, dispute)
    refuse_if_decided(dispute)  # before the offer: a decided case answers with its decision
    offer = lock_offer(dispute, offer_id)
    _refuse_unless_open(offer)
    if offer.party == party:
        raise ConflictError("a party cannot accept its own offer", code="own_offer")
    _refuse_unless_live(dispute)
    if offer.held != held:
        raise ConflictError("the money held changed since this offer was made; make a new one", code="offer_stale",
                            details={"held": format_amount(held, dispute.currency)})
    offer.status, offer.answered_by, offer.answered_at = OfferStatus.ACCEPTED, actor.user_id, utcnow()
    record_outcome(actor, dispute, vendor_share=offer.vendor_amount, held=held, rationale=offer.note,
                   return_required=offer.return_required, by="parties", offer_id=offer.id)
    return offer


def reject_offer(actor: Actor, dispute: Dispute, offer_id: int, reason: str) -> DisputeOffer:
    """The other party refuses an open offer, with a reason (its proposer is told).

    :raises NotFoundError: no such offer on this case.
    :raises ForbiddenError: platform staff (not a party).
    :raises ConflictError: decided, not open, or the actor's own offer (``own_offer``).
    """
    party = _party(actor, dispute)
    refuse_if_decided(dispute)
    offer = lock_offer(dispute, offer_id)
    _refuse_unless_open(offer)
    if offer.party == party:
        raise ConflictError("a party cannot reject its own offer; withdraw it", code="own_offer")
    offer.status, offer.answered_by, offer.answered_at, offer.reason = (OfferStatus.REJECTED, actor.user_id,
                                                                        utcnow(), reason)
    _respond_if_respondent(actor, dispute, party)
    record_event(dispute_machine.subject, dispute.id, "offer_rejected", dispute.status, dispute.status, actor,
                 {"offer_id": offer.id, "reason": reason})
    notify_org(_org_of(dispute, offer.party), NotificationKind.DISPUTE_OFFER_REJECTED,
               {"dispute_id": dispute.id, "deal_id": dispute.deal_id, "offer_id": offer.id, "reason": reason},
               key=f"dispute-{dispute.id}-offer-{offer.id}-rejected")
    return offer


def withdraw_offer(actor: Actor, dispute: Dispute, offer_id: int) -> DisputeOffer:
    """The proposer takes back its open offer.

    :raises NotFoundError: no such offer on this case.
    :raises ForbiddenError: platform staff (not a party).
    :raises ConflictError: decided, not open, or another party's offer (``not_own_offer``).
    """
    party = _party(actor, dispute)
    refuse_if_decided(dispute)
    offer = lock_offer(dispute, offer_id)
    _refuse_unless_open(offer)
    if offer.party != party:
        raise ConflictError("only its proposer may withdraw an offer", code="not_own_offer")
    offer.status, offer.answered_at = OfferStatus.WITHDRAWN, utcnow()
    record_event(dispute_machine.subject, dispute.id, "offer_withdrawn", dispute.status, dispute.status, actor,
                 {"offer_id": offer.id})
    return offer


def offers(dispute: Dispute) -> list[DisputeOffer]:
    """The case's offers, newest first (the caller has checked who may see the case)."""
    return list(db.session.execute(
        select(DisputeOffer).where(DisputeOffer.dispute_id == dispute.id).order_by(DisputeOffer.id.desc())
    ).scalars())


def list_offers(actor: Actor, dispute_id: int, params: dict) -> dict:
    """One page of a case's offers, oldest first (its buyer, its vendor and admins).

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises InvalidInputError: a bad cursor.
    """
    dispute = get_dispute(actor, dispute_id)
    return paginate(select(DisputeOffer).where(DisputeOffer.dispute_id == dispute.id), params, DisputeOffer.id)


# --- the outcome ----------------------------------------------------------------------------------


def allocation_lines(vendor_share: int, held: int) -> list[dict]:
    """The decision's allocation lines: the vendor's release and the buyer's refund, summing to ``held``."""
    return [{"kind": "release_to_vendor", "party": DisputeParty.VENDOR.value, "amount": vendor_share},
            {"kind": "refund_to_buyer", "party": DisputeParty.BUYER.value, "amount": held - vendor_share}]


def outcome_of(vendor_share: int, held: int) -> DisputeOutcome:
    if vendor_share == held:
        return DisputeOutcome.RELEASE
    return DisputeOutcome.REFUND if vendor_share == 0 else DisputeOutcome.SPLIT


def record_outcome(actor: Actor, dispute: Dispute, *, vendor_share: int, held: int, rationale: str,
                   return_required: bool = False, by: str = "admin", offer_id: int | None = None,
                   note: str = "") -> bool:
    """Record the case's decision (an admin's, or the parties' accepted offer): allocation lines summing to
    ``held``, the rationale both sides read, whether the goods come back first. Final once recorded. True if
    recorded now (False: the same transition was applied already).

    :raises IllegalTransitionError: the case is decided, settling, or over.
    :raises ConflictError: a return with no refund (``return_without_refund``).
    """
    if return_required and vendor_share >= held:
        raise ConflictError("a return only makes sense with a refund to the buyer", code="return_without_refund")
    outcome = outcome_of(vendor_share, held)
    allocations = allocation_lines(vendor_share, held)
    transition = ("agree" if by == "parties" else "decide") + ("_return" if return_required else "")
    shown = [{**a, "amount": format_amount(a["amount"], dispute.currency)} for a in allocations]
    payload = {"outcome": outcome.value, "allocations": shown, "currency": dispute.currency, "by": by,
               "return_required": return_required, **({"offer_id": offer_id} if offer_id else {})}
    # the decision is written before the transition: entering ``decided`` queues its settlement
    locked = lock_dispute(dispute.id)
    if locked.status not in LIVE:
        dispute_machine.apply(locked, transition, actor, payload)  # raises the 409 (or is the no-op)
        return False
    locked.decision = {"outcome": outcome.value, "allocations": allocations, "held": held, "note": note or rationale,
                       "rationale": rationale, "by": by, "return_required": return_required, "offer_id": offer_id}
    locked.decided_by = actor.user_id
    locked.decided_at = utcnow()
    # a new outcome's return starts afresh (a rejected earlier return keeps its shipment on the timeline)
    locked.return_shipment_id, locked.return_received_at = None, None
    db.session.execute(update(DisputeOffer).where(DisputeOffer.dispute_id == dispute.id,
                                                  DisputeOffer.status == OfferStatus.OPEN)
                       .values(status=OfferStatus.CLOSED).execution_options(synchronize_session="fetch"))
    db.session.execute(update(EvidenceRequest).where(EvidenceRequest.dispute_id == dispute.id,
                                                     EvidenceRequest.status == EvidenceRequestStatus.OPEN)
                       .values(status=EvidenceRequestStatus.CANCELLED).execution_options(synchronize_session="fetch"))
    db.session.flush()
    dispute_machine.apply(locked, transition, actor, payload)
    return True


def apply_return_fallback(dispute: Dispute) -> bool:
    """An outcome with a return whose goods never came back: the held money goes to the vendor instead
    (recorded on the decision and the timeline). True if the fallback applied now."""
    decision = dispute.decision or {}
    if not decision.get("return_required") or dispute.return_received_at is not None or decision.get("fallback"):
        return False
    held = decision["held"]
    dispute.decision = {**decision, "agreed_allocations": decision["allocations"],
                        "allocations": allocation_lines(held, held), "outcome": DisputeOutcome.RELEASE.value,
                        "fallback": "return_not_shipped"}
    record_event(dispute_machine.subject, dispute.id, "return_fallback", dispute.status, dispute.status, SYSTEM,
                 {"outcome": DisputeOutcome.RELEASE.value, "released": format_amount(held, dispute.currency),
                  "currency": dispute.currency})
    return True


# --- escalation -----------------------------------------------------------------------------------


def escalate_after(dispute: Dispute):
    """From when a party may ask the platform to step in."""
    return dispute.created_at + timedelta(days=current_app.config["DISPUTE_ESCALATE_AFTER_DAYS"])


def escalate(actor: Actor, dispute: Dispute) -> Dispute:
    """A party asks the platform to step in (from ``DISPUTE_ESCALATE_AFTER_DAYS`` after the opening).

    :raises ForbiddenError: platform staff (not a party).
    :raises ConflictError: decided, too early (``too_early``, ``details.allowed_from``).
    :raises IllegalTransitionError: the case is not open or negotiating.
    """
    _party(actor, dispute)
    refuse_if_decided(dispute)
    allowed_from = escalate_after(dispute)
    if dispute.status in (DisputeStatus.OPEN, DisputeStatus.NEGOTIATING) and utcnow() < allowed_from:
        raise ConflictError("a party may escalate only some days after the opening", code="too_early",
                            details={"allowed_from": allowed_from.isoformat()})
    dispute_machine.apply(dispute, "escalate", actor)
    return dispute


# --- evidence requests ----------------------------------------------------------------------------


def request_evidence(actor: Actor, dispute: Dispute, party: str, message: str, due_business_days: int | None = None
                     ) -> EvidenceRequest:
    """An admin asks one party for evidence, due at the end of a business day; the case waits for it.

    :raises ConflictError: decided (``already_decided``).
    :raises IllegalTransitionError: the case is not escalated or under review.
    """
    refuse_if_decided(dispute)
    if dispute.status not in REVIEWING:
        dispute_machine.apply(dispute, "request_evidence", actor)  # raises the 409 with what is allowed
    days = current_app.config["DISPUTE_EVIDENCE_BUSINESS_DAYS"] if due_business_days is None else due_business_days
    request = EvidenceRequest(dispute_id=dispute.id, party=party, message=message, requested_by=actor.user_id,
                              status=EvidenceRequestStatus.OPEN, evidence_ids=[],
                              due_at=deadline_from_config(utcnow(), days, current_app.config))
    db.session.add(request)
    db.session.flush()
    dispute_machine.apply(dispute, "request_evidence", actor,
                          {"request_id": request.id, "party": party, "due_at": request.due_at.isoformat()})
    notify_org(_org_of(dispute, party), NotificationKind.DISPUTE_EVIDENCE_REQUESTED,
               {"dispute_id": dispute.id, "deal_id": dispute.deal_id, "request_id": request.id, "message": message,
                "due_at": request.due_at.isoformat()}, key=f"dispute-{dispute.id}-evidence-request-{request.id}")
    return request


def answer_evidence_request(actor: Actor, dispute: Dispute, request_id: int, answer: str,
                            evidence_ids: list[int]) -> EvidenceRequest:
    """The asked party answers (a message and/or evidence of this case it uploaded); when no request is left
    open the case goes back to review.

    :raises ForbiddenError: platform staff (not a party).
    :raises NotFoundError: no such request, or a request to the other party.
    :raises ConflictError: decided, or the request is not open (``request_not_open``: answered or lapsed).
    :raises InvalidInputError: an empty answer, or evidence that is not this case's.
    """
    party = _party(actor, dispute)
    refuse_if_decided(dispute)
    request = db.session.execute(
        select(EvidenceRequest).where(EvidenceRequest.id == request_id, EvidenceRequest.dispute_id == dispute.id)
        .with_for_update()
    ).scalar_one_or_none()
    if request is None or request.party != party:
        raise NotFoundError("no such evidence request")
    if request.status != EvidenceRequestStatus.OPEN:
        raise ConflictError(f"the evidence request is {request.status}", code="request_not_open",
                            details={"state": request.status})
    if not answer.strip() and not evidence_ids:
        raise InvalidInputError.at(("answer",), "write an answer or name the evidence you uploaded")
    known = set(db.session.execute(select(DisputeEvidence.id).where(DisputeEvidence.dispute_id == dispute.id,
                                                                    DisputeEvidence.id.in_(evidence_ids or [0])))
                .scalars())
    for i, evidence_id in enumerate(evidence_ids):
        if evidence_id not in known:
            raise InvalidInputError.at(("evidence_ids", i), "not evidence of this dispute")
    request.status, request.answer, request.evidence_ids = EvidenceRequestStatus.ANSWERED, answer, list(evidence_ids)
    request.answered_by, request.answered_at = actor.user_id, utcnow()
    db.session.flush()
    record_event(dispute_machine.subject, dispute.id, "evidence_answered", dispute.status, dispute.status, actor,
                 {"request_id": request.id, "evidence_ids": list(evidence_ids)})
    still_open = db.session.execute(select(EvidenceRequest.id).where(
        EvidenceRequest.dispute_id == dispute.id, EvidenceRequest.status == EvidenceRequestStatus.OPEN
    ).limit(1)).first()
    if still_open is None and dispute.status == DisputeStatus.EVIDENCE_REQUESTED:
        dispute_machine.apply(dispute, "evidence_answered", actor, {"request_id": request.id})
    elif still_open is not None:
        dispute_machine.restart_timers(dispute)  # the remaining requests' latest due time
    return request


def evidence_requests(dispute: Dispute) -> list[EvidenceRequest]:
    """The case's evidence requests, oldest first (the caller has checked who may see the case)."""
    return list(db.session.execute(
        select(EvidenceRequest).where(EvidenceRequest.dispute_id == dispute.id).order_by(EvidenceRequest.id)
    ).scalars())


def list_evidence_requests(actor: Actor, dispute_id: int, params: dict) -> dict:
    """One page of a case's evidence requests, oldest first (its buyer, its vendor and admins).

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises InvalidInputError: a bad cursor.
    """
    dispute = get_dispute(actor, dispute_id)
    return paginate(select(EvidenceRequest).where(EvidenceRequest.dispute_id == dispute.id), params,
                    EvidenceRequest.id)


# --- the return -----------------------------------------------------------------------------------


def ship_return(actor: Actor, dispute: Dispute, shipment_id: int) -> None:
    """The buyer has shipped the goods back (the deal side booked the return shipment).

    :raises IllegalTransitionError: the case is not waiting for a return.
    """
    dispute_machine.apply(dispute, "ship_return", actor, {"shipment_id": shipment_id})
    dispute.return_shipment_id = shipment_id


def require_returning(actor: Actor, dispute: Dispute, party: DisputeParty) -> None:
    """The actor must be ``party`` of a case waiting for its return.

    :raises NotFoundError: not a party of the case, or the other party (e.g. a buyer confirming its own return).
    """
    if _party(actor, dispute) != party:
        raise NotFoundError("no such dispute")


def return_delivered(dispute: Dispute) -> bool:
    """The return shipment's carrier delivered it to the vendor: the inspection window starts."""
    return dispute_machine.apply(dispute, "return_delivered", SYSTEM, {"shipment_id": dispute.return_shipment_id})


def accept_return(actor: Actor, dispute: Dispute) -> bool:
    """The vendor confirms the goods came back (or the inspection window lapsed): the refund settles.

    :raises IllegalTransitionError: no return is on its way or being inspected.
    """
    moved_by = actor if actor.role != ActorRole.SYSTEM else SYSTEM
    if dispute.status in (DisputeStatus.RETURN_IN_TRANSIT, DisputeStatus.RETURN_INSPECTION):
        dispute.return_received_at = utcnow()
        db.session.flush()
    return dispute_machine.apply(dispute, "accept_return", moved_by)


def reject_return(actor: Actor, dispute: Dispute, reason: str) -> bool:
    """The vendor refuses the returned goods with a reason: the recorded outcome is set aside (kept on the
    timeline) and the platform decides again.

    :raises IllegalTransitionError: no return is on its way or being inspected.
    """
    if dispute.status not in (DisputeStatus.RETURN_IN_TRANSIT, DisputeStatus.RETURN_INSPECTION):
        return dispute_machine.apply(dispute, "reject_return", actor)  # raises the 409
    previous = dispute.decision or {}
    set_aside = {"outcome": previous.get("outcome"), "by": previous.get("by", "admin"),
                 "held": format_amount(previous.get("held", 0), dispute.currency), "currency": dispute.currency,
                 "allocations": [{**a, "amount": format_amount(a["amount"], dispute.currency)}
                                 for a in previous.get("allocations", [])]}
    dispute.decision, dispute.decided_by, dispute.decided_at = None, None, None
    db.session.flush()
    return dispute_machine.apply(dispute, "reject_return", actor, {"reason": reason, "set_aside": set_aside})
