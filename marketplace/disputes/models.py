"""Dispute and dispute-message tables, and the dispute's statuses, reasons and outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class DisputeStatus(StrEnum):
    OPEN = "open"  #: the buyer opened the case; the vendor has not answered yet
    NEGOTIATING = "negotiating"  #: the vendor answered; the parties talk
    ESCALATED = "escalated"  #: a party (or the response timer) asked the platform to step in
    UNDER_REVIEW = "under_review"  #: a platform admin is reviewing the case
    DECIDED = "decided"  #: an admin decided how the held money is split; settlement is queued
    SETTLING = "settling"  #: the decided money is being moved
    RESOLVED = "resolved"  #: the decision's money has moved; the case is closed
    WITHDRAWN = "withdrawn"  #: the buyer withdrew, which accepts the deal


#: statuses of a case that is over; any other status is a live case (at most one per deal)
FINISHED = (DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN)
#: statuses whose decided money still has to move (the sweeper re-drives these)
UNSETTLED = (DisputeStatus.DECIDED, DisputeStatus.SETTLING)
#: statuses of a decided case: the decision is final, whatever the settlement job has done
DECIDED = (DisputeStatus.DECIDED, DisputeStatus.SETTLING, DisputeStatus.RESOLVED)


class DisputeReason(StrEnum):
    NOT_RECEIVED = "not_received"  #: nothing arrived
    NOT_AS_DESCRIBED = "not_as_described"  #: the goods differ from the deal's terms
    DAMAGED = "damaged"  #: the goods arrived damaged
    OTHER = "other"  #: anything else, explained in the description


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
    # at most one live dispute per deal
    __table_args__ = (Index("uq_disputes_live_deal", "deal_id", unique=True, postgresql_where=text(_live_predicate())),)
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "dispute"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's buyer
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's vendor
    currency: Mapped[str] = mapped_column(String(3))  #: the deal's currency (of every amount in ``decision``)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=DisputeStatus.OPEN)  #: a :class:`DisputeStatus`
    reason: Mapped[str] = mapped_column(String(32))  #: a :class:`DisputeReason`
    description: Mapped[str] = mapped_column(Text)
    #: the admin's decision: {"outcome", "held", "allocations": [{"party", "amount"}], "note"}; amounts
    #: in minor units of ``currency``, the allocations summing to ``held``
    decision: Mapped[dict | None] = mapped_column(JSONB)
    decided_by: Mapped[int | None]
    decided_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    def is_live(self) -> bool:
        return self.status not in FINISHED

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
                "allocations": [{**a, "currency": self.currency} for a in self.decision["allocations"]]}


class DisputeMessage(IdMixin, db.Model):
    """One message of a case's conversation (read through its dispute, which scopes it)."""

    __tablename__ = "dispute_messages"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
