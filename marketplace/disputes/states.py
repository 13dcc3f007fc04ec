"""The dispute lifecycle as a transition table, built from :class:`DisputeStatus`, with its timers.

Every timed state stores its deadline on the case (``deadline_at``, ``deadline_kind``) when its timer
starts, so the desk and the pages show it; untimed states clear it (``negotiation.on_state_entered``).
Response, evidence and return deadlines count business days on the ``BUSINESS_CALENDAR``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..actors import ActorRole
from ..business_days import deadline_from_config
from ..database import utcnow
from ..extensions import db
from ..statemachine import StateMachine, Timer, Transition
from .models import Dispute, EvidenceRequest, EvidenceRequestStatus
from .models import DisputeStatus as S

BUYER, VENDOR, ADMIN, SYSTEM = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM
PARTIES = frozenset({BUYER, VENDOR})
#: a case still being argued: an admin may decide it, the parties may make and accept offers
LIVE = (S.OPEN, S.NEGOTIATING, S.ESCALATED, S.UNDER_REVIEW, S.EVIDENCE_REQUESTED)
#: states from which an admin may ask a party for evidence
REVIEWING = (S.ESCALATED, S.UNDER_REVIEW, S.EVIDENCE_REQUESTED)

#: timer kinds (``deadline_kind``); each names what happens when it lapses (pages word it)
RESPONSE = "response"  #: the respondent did not answer in time: the case escalates (the silence is recorded)
NEGOTIATION = "negotiation"  #: the parties did not agree in time: the case escalates
EVIDENCE = "evidence"  #: an evidence request lapsed: recorded, the case goes back to review
RETURN_SHIP = "return_ship"  #: the buyer did not ship the goods back: the held money goes to the vendor
RETURN_INSPECTION = "return_inspection"  #: the vendor did not inspect the returned goods: the refund settles


def response_due(dispute: Dispute, config) -> datetime:
    """The end of the respondent's last business day to answer (counted from the opening)."""
    return deadline_from_config(dispute.created_at or utcnow(), config["DISPUTE_RESPONSE_BUSINESS_DAYS"], config)


def negotiation_due(dispute: Dispute, config) -> datetime:
    """When the negotiation ends: ``DISPUTE_NEGOTIATION_DAYS`` calendar days after the opening."""
    return (dispute.created_at or utcnow()) + timedelta(days=config["DISPUTE_NEGOTIATION_DAYS"])


def evidence_due(dispute: Dispute, config) -> datetime:
    """The latest due time of the case's open evidence requests (each has its own)."""
    due = db.session.execute(
        select(func.max(EvidenceRequest.due_at)).where(EvidenceRequest.dispute_id == dispute.id,
                                                       EvidenceRequest.status == EvidenceRequestStatus.OPEN)
    ).scalar_one_or_none()
    return due or deadline_from_config(utcnow(), config["DISPUTE_EVIDENCE_BUSINESS_DAYS"], config)


def return_ship_due(dispute: Dispute, config) -> datetime:
    """The end of the buyer's last business day to ship the goods back (counted from the outcome)."""
    return deadline_from_config(utcnow(), config["DISPUTE_RETURN_SHIP_BUSINESS_DAYS"], config)


def inspection_due(dispute: Dispute, config) -> datetime:
    """The end of the vendor's last business day to inspect the returned goods (counted from their arrival)."""
    return deadline_from_config(utcnow(), config["DISPUTE_RETURN_INSPECTION_BUSINESS_DAYS"], config)


def _stamped(kind: str, due):
    """A timer's delay that also writes the deadline on the case (what the desk and the pages show)."""

    def delay(dispute: Dispute, config) -> timedelta:
        at = due(dispute, config)
        dispute.deadline_at, dispute.deadline_kind = at, kind
        return at - utcnow()

    return delay


dispute_machine = StateMachine(
    subject="dispute",
    model=Dispute,
    states=tuple(S),
    transitions=[
        # the respondent's first word (a message or an offer); a vendor-filed case's respondent is the buyer
        Transition("respond", (S.OPEN,), S.NEGOTIATING, PARTIES),
        # a party (after DISPUTE_ESCALATE_AFTER_DAYS) or a lapsed response/negotiation timer
        Transition("escalate", (S.OPEN, S.NEGOTIATING), S.ESCALATED, frozenset({BUYER, VENDOR, SYSTEM})),
        Transition("review", (S.ESCALATED,), S.UNDER_REVIEW, frozenset({ADMIN})),
        Transition("request_evidence", REVIEWING, S.EVIDENCE_REQUESTED, frozenset({ADMIN})),
        Transition("evidence_answered", (S.EVIDENCE_REQUESTED,), S.UNDER_REVIEW, PARTIES),
        Transition("evidence_lapsed", (S.EVIDENCE_REQUESTED,), S.UNDER_REVIEW, frozenset({SYSTEM})),
        # an admin's decision; ``decide_return`` when the goods must come back first
        Transition("decide", LIVE, S.DECIDED, frozenset({ADMIN})),
        Transition("decide_return", LIVE, S.AWAITING_RETURN, frozenset({ADMIN})),
        # a party accepted the other's offer: the parties' own decision, as final as an admin's
        Transition("agree", LIVE, S.DECIDED, PARTIES),
        Transition("agree_return", LIVE, S.AWAITING_RETURN, PARTIES),
        Transition("ship_return", (S.AWAITING_RETURN,), S.RETURN_IN_TRANSIT, frozenset({BUYER})),
        Transition("return_delivered", (S.RETURN_IN_TRANSIT,), S.RETURN_INSPECTION, frozenset({SYSTEM})),
        # the vendor confirms receipt, or the inspection window lapses: the decided refund settles
        Transition("accept_return", (S.RETURN_IN_TRANSIT, S.RETURN_INSPECTION), S.DECIDED,
                   frozenset({VENDOR, SYSTEM})),
        # the vendor refuses the returned goods with a reason: the platform decides again
        Transition("reject_return", (S.RETURN_IN_TRANSIT, S.RETURN_INSPECTION), S.ESCALATED, frozenset({VENDOR})),
        # nothing shipped back in time: the fallback (release to the vendor) settles
        Transition("return_lapsed", (S.AWAITING_RETURN,), S.DECIDED, frozenset({SYSTEM})),
        Transition("settle", (S.DECIDED,), S.SETTLING, frozenset({SYSTEM})),
        Transition("resolve", (S.SETTLING,), S.RESOLVED, frozenset({SYSTEM})),
        Transition("withdraw", (S.OPEN, S.NEGOTIATING, S.ESCALATED), S.WITHDRAWN, frozenset({BUYER})),
    ],
    timers=[
        Timer(S.OPEN, RESPONSE, "escalate", _stamped(RESPONSE, response_due)),
        Timer(S.NEGOTIATING, NEGOTIATION, "escalate", _stamped(NEGOTIATION, negotiation_due)),
        Timer(S.EVIDENCE_REQUESTED, EVIDENCE, "evidence_lapsed", _stamped(EVIDENCE, evidence_due)),
        Timer(S.AWAITING_RETURN, RETURN_SHIP, "return_lapsed", _stamped(RETURN_SHIP, return_ship_due)),
        Timer(S.RETURN_INSPECTION, RETURN_INSPECTION, "accept_return", _stamped(RETURN_INSPECTION, inspection_due)),
    ],
)

#: states whose timer writes ``deadline_at``; entering any other state clears it
TIMED = frozenset(t.state for t in dispute_machine.timers)
