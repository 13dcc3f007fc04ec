"""Dispute and dispute-message tables, and the dispute's statuses, reasons and outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class DisputeStatus(StrEnum):
    OPEN = "open"  #: the buyer opened the case; the vendor has not answered yet
    NEGOTIATING = "negotiating"  #: the vendor answered; the parties talk
    ESCALATED = "escalated"  #: a party (or the response timer) asked the platform to step in
    UNDER_REVIEW = "under_review"  #: a platform admin is reviewing the case
    EVIDENCE_REQUESTED = "evidence_requested"  #: an admin asked a party for evidence, due by a deadline
    DECIDED = "decided"  #: an admin decided how the held money is split; settlement is queued
    SETTLING = "settling"  #: the decided money is being moved
    RESOLVED = "resolved"  #: the decision's money has moved; the case is closed
    AWAITING_RETURN = "awaiting_return"  #: the outcome needs the goods back: the buyer is to ship them
    RETURN_IN_TRANSIT = "return_in_transit"  #: the buyer shipped the goods back (a return shipment)
    RETURN_INSPECTION = "return_inspection"  #: the goods are back with the vendor, who inspects them
    WITHDRAWN = "withdrawn"  #: the buyer withdrew, which accepts the deal


#: statuses of a case that is over; any other status is a live case (at most one per deal)
FINISHED = (DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN)
#: statuses whose decided money still has to move (the sweeper re-drives these)
UNSETTLED = (DisputeStatus.DECIDED, DisputeStatus.SETTLING)
#: statuses of a decided case: the decision is final, whatever the settlement job has done (a return
#: outcome waits for the goods first; only the vendor's rejection of returned goods reopens the case)
DECIDED = (DisputeStatus.DECIDED, DisputeStatus.SETTLING, DisputeStatus.RESOLVED, DisputeStatus.AWAITING_RETURN,
           DisputeStatus.RETURN_IN_TRANSIT, DisputeStatus.RETURN_INSPECTION)
#: statuses of a decided case waiting for returned goods (no money moves yet)
RETURNING = (DisputeStatus.AWAITING_RETURN, DisputeStatus.RETURN_IN_TRANSIT, DisputeStatus.RETURN_INSPECTION)


class DisputeReason(StrEnum):
    NOT_RECEIVED = "not_received"  #: nothing arrived
    NOT_AS_DESCRIBED = "not_as_described"  #: the goods differ from the deal's terms
    DAMAGED = "damaged"  #: the goods arrived damaged
    QUANTITY_SHORT = "quantity_short"  #: fewer goods arrived than the deal's lines say
    LATE = "late"  #: shipped or delivered after the agreed date
    WRONG_ITEM = "wrong_item"  #: other goods than the deal's lines arrived
    OTHER = "other"  #: anything else, explained in the description (the only reason a vendor files under)


#: reasons each side may file under: a vendor files only when the buyer neither confirms nor answers
#: (``other``, explained in the description); every other reason is a buyer's complaint about the goods
VENDOR_REASONS = (DisputeReason.OTHER,)


class RequestedOutcome(StrEnum):
    REFUND = "refund"  #: the buyer wants the claimed amount back, keeping nothing it has to return
    PARTIAL_REFUND = "partial_refund"  #: the buyer keeps the goods for a lower price
    RETURN_AND_REFUND = "return_and_refund"  #: the buyer sends the goods back and is refunded
    REPLACEMENT = "replacement"  #: the vendor ships the goods again
    RELEASE = "release"  #: the vendor asks for the held money (a vendor's filing)


class DisputeOutcome(StrEnum):
    RELEASE = "release"  #: everything held goes to the vendor
    REFUND = "refund"  #: everything held goes back to the buyer
    SPLIT = "split"  #: the vendor gets a stated share, the buyer the rest


class DisputeParty(StrEnum):
    VENDOR = "vendor"  #: the selling organisation
    BUYER = "buyer"  #: the buying organisation


def _live_predicate() -> str:
    """The partial index predicate, built from the enum: live cases only."""
    return "status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in FINISHED))


class Dispute(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """A buyer's case against one deal; its parties are the deal's, copied so the case scopes itself."""

    __tablename__ = "disputes"
    __table_args__ = (
        # at most one live dispute per deal
        Index("uq_disputes_live_deal", "deal_id", unique=True, postgresql_where=text(_live_predicate())),
        # the dispute desk's live cases, oldest first, without reading the finished ones (migration 0031)
        Index("ix_disputes_live_created", "created_at", "id", postgresql_where=text(_live_predicate())),
    )
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "dispute"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's buyer
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's vendor
    currency: Mapped[str] = mapped_column(String(3))  #: the deal's currency (of every amount in ``decision``)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(24), default=DisputeStatus.OPEN)  #: a :class:`DisputeStatus`
    reason: Mapped[str] = mapped_column(String(32))  #: a :class:`DisputeReason`
    description: Mapped[str] = mapped_column(Text)
    #: the admin's decision: {"outcome", "held", "allocations": [{"party", "amount"}], "note"}; amounts
    #: in minor units of ``currency``, the allocations summing to ``held``
    decision: Mapped[dict | None] = mapped_column(JSONB)
    decided_by: Mapped[int | None]
    decided_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # --- filing: who filed, scope and claim (migration 0013) ---
    opened_by_party: Mapped[str] = mapped_column(String(8), default=DisputeParty.BUYER)  #: a :class:`DisputeParty`
    requested_outcome: Mapped[str | None] = mapped_column(String(24))  #: a :class:`RequestedOutcome`
    #: minor units of ``currency`` the filer claims: at most what was held when the case was opened
    claimed_amount: Mapped[int] = mapped_column(default=0)
    #: the lines in dispute: [{"deal_line_id", "description", "quantity", "unit", "unit_price", "amount"}], amounts
    #: in minor units of ``currency`` (the claimed quantity's value); the whole deal when no line was named
    scope: Mapped[list] = mapped_column(JSONB, default=list)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  #: the platform staff member
    assigned_at: Mapped[datetime | None]

    @property
    def scope_lines(self) -> list[dict]:
        """The lines in dispute, each with the case's currency (what the API shows)."""
        return [{**line, "currency": self.currency} for line in self.scope or []]

    def is_opened_by(self, org_id: int | None) -> bool:
        """Whether the organisation ``org_id`` filed this case."""
        return self.party_of(org_id) == self.opened_by_party and org_id is not None
    # --- negotiation and deadlines (migration 0014) ---
    #: when the current state's timer fires (None: nothing is timed now); what fires is ``deadline_kind``
    deadline_at: Mapped[datetime | None]
    deadline_kind: Mapped[str | None] = mapped_column(String(32))  #: a ``disputes.states`` timer kind
    escalated_at: Mapped[datetime | None]  #: when the platform was (last) asked to step in
    #: the buyer's return shipment of an outcome with a return (``shipments`` row, direction ``return``)
    return_shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    return_received_at: Mapped[datetime | None]  #: when the vendor (or the inspection lapse) accepted the return

    def is_live(self) -> bool:
        return self.status not in FINISHED

    @classmethod
    def live_clause(cls):
        """The SQL condition of a live case with its values written out, as the partial indexes' predicate: PostgreSQL
        uses a partial index only for a query it can prove implies the predicate, and bound values (a prepared
        statement's generic plan) prove nothing."""
        return cls.status.not_in(bindparam("finished", [s.value for s in FINISHED], expanding=True, literal_execute=True))

    def is_decided(self) -> bool:
        """Whether an admin's decision is recorded: it is final (settled or not), nothing argues it any more."""
        return self.decision is not None or self.status in DECIDED

    def party_of(self, org_id: int | None) -> DisputeParty | None:
        """Which side of the case the organisation ``org_id`` is on (None: neither, e.g. the platform)."""
        if org_id is not None and org_id == self.buyer_id:
            return DisputeParty.BUYER
        if org_id is not None and org_id == self.vendor_id:
            return DisputeParty.VENDOR
        return None

    def vendor_share(self) -> int:
        """Minor units the decision gives the vendor (0 before a decision)."""
        if not self.decision:
            return 0
        return sum(a["amount"] for a in self.decision["allocations"] if a["party"] == DisputeParty.VENDOR)

    @property
    def decision_summary(self) -> dict | None:
        """The decision with its currency on every amount (what the API shows)."""
        if not self.decision:
            return None
        return {"outcome": self.decision["outcome"], "note": self.decision.get("note", ""), "currency": self.currency,
                "held": self.decision.get("held", sum(a["amount"] for a in self.decision["allocations"])),
                "allocations": [{**a, "currency": self.currency} for a in self.decision["allocations"]],
                # negotiation (0014): who decided, why (shown to both sides), a return first, a return's fallback
                "rationale": self.decision.get("rationale") or self.decision.get("note", ""),
                "by": self.decision.get("by", "admin"), "return_required": self.decision.get("return_required", False),
                "offer_id": self.decision.get("offer_id"), "fallback": self.decision.get("fallback")}


class DisputeMessage(IdMixin, db.Model):
    """One message of a case's conversation (read through its dispute, which scopes it)."""

    __tablename__ = "dispute_messages"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# === evidence (migration 0013) ===


class EvidenceKind(StrEnum):
    UPLOAD = "upload"  #: a file a party or an admin uploaded (PDF, PNG or JPEG by its bytes)
    RECORD = "record"  #: the deal's own record, attached by the platform at opening (a JSON snapshot)


class RecordType(StrEnum):
    TERMS = "terms"  #: the frozen terms, lines and figures of the deal
    PAYMENTS = "payments"  #: the milestones and what each holds, released or refunded
    SHIPMENTS = "shipments"  #: the shipments and their tracking events
    DELIVERY = "delivery"  #: the proof of delivery: who confirmed it, when, and the carrier's delivered events


class DisputeEvidence(IdMixin, db.Model):
    """One piece of evidence of a case: immutable once written (the database refuses UPDATE and DELETE).

    Read through its dispute, which scopes it: both parties and platform admins see every piece.
    """

    __tablename__ = "dispute_evidence"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  #: an :class:`EvidenceKind`
    record_type: Mapped[str | None] = mapped_column(String(16))  #: a :class:`RecordType` (records only)
    party: Mapped[str] = mapped_column(String(8))  #: who added it: ``buyer``, ``vendor`` or ``platform``
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  #: the person (None: the platform itself)
    added_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)  #: of the file's bytes (records: of the JSON file)
    description: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict | None] = mapped_column(JSONB)  #: a record's content (uploads live in the blob store)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# === negotiation: offers, evidence requests (migration 0014) ===


class OfferStatus(StrEnum):
    OPEN = "open"  #: waiting for the other party's answer
    ACCEPTED = "accepted"  #: the other party accepted: it is the case's decision, agreed by the parties
    REJECTED = "rejected"  #: the other party refused it, with a reason
    WITHDRAWN = "withdrawn"  #: its proposer took it back
    SUPERSEDED = "superseded"  #: its proposer made a newer offer
    CLOSED = "closed"  #: the case was decided another way (an admin, the other party's offer) while it was open


class DisputeOffer(IdMixin, db.Model):
    """A party's proposed settlement of a case: how the held money is split, with or without a return.

    Read through its dispute, which scopes it. At most one open offer per party and case.
    """

    __tablename__ = "dispute_offers"
    __table_args__ = (Index("uq_dispute_offers_open", "dispute_id", "party", unique=True,
                            postgresql_where=text("status = 'open'")),)

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    party: Mapped[str] = mapped_column(String(8))  #: the proposer's side, a :class:`DisputeParty`
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OPEN)  #: an :class:`OfferStatus`
    currency: Mapped[str] = mapped_column(String(3))  #: the dispute's currency (of every amount here)
    held: Mapped[int]  #: minor units of the dispute's currency held when it was made (the split must still fit)
    vendor_amount: Mapped[int]  #: minor units of the held money the vendor would get (before commission)
    buyer_amount: Mapped[int]  #: minor units refunded to the buyer (``held - vendor_amount``)
    return_required: Mapped[bool] = mapped_column(default=False)  #: the buyer ships the goods back first
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)  #: why it was rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceRequestStatus(StrEnum):
    OPEN = "open"  #: the party has not answered yet
    ANSWERED = "answered"  #: the party answered (a message and/or evidence)
    LAPSED = "lapsed"  #: the due time passed unanswered: recorded, the case went back to review
    CANCELLED = "cancelled"  #: the case was decided before an answer


class EvidenceRequest(IdMixin, db.Model):
    """An admin's request to one party of a case for evidence, due by a deadline (read through its dispute)."""

    __tablename__ = "dispute_evidence_requests"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    party: Mapped[str] = mapped_column(String(8))  #: who is asked, a :class:`DisputeParty`
    message: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=EvidenceRequestStatus.OPEN)  #: an EvidenceRequestStatus
    due_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    evidence_ids: Mapped[list] = mapped_column(JSONB, default=list)  #: ``dispute_evidence`` ids the answer cites
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
