"""Deal and deal line tables. Milestones (the deal's payment schedule) are escrow's table: a deal
holds them through ``Deal.milestones``; ``Milestone`` and ``MilestoneStatus`` are re-exported here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin
from ..escrow.models import Milestone, MilestoneStatus
from ..extensions import db

__all__ = ["Deal", "DealLine", "DealStatus", "Milestone", "MilestoneStatus"]


class DealStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  #: total above the buyer's threshold: an approver must agree
    AWAITING_PAYMENT = "awaiting_payment"  #: the buyer pays each milestone into escrow
    FUNDED = "funded"  #: every milestone is held in escrow; the vendor may ship
    SHIPPED = "shipped"  #: handed to a carrier
    DELIVERED = "delivered"  #: arrived; the inspection window runs
    ACCEPTED = "accepted"  #: the buyer accepted (or the window lapsed); release is queued
    RELEASED = "released"  #: money released to the vendor's payable, minus commission
    CLOSED = "closed"  #: archived
    CANCELLED = "cancelled"  #: stopped before any money was held
    DISPUTED = "disputed"  #: release frozen until an admin decides
    RESOLVED = "resolved"  #: a dispute decision has been settled
    REFUNDED = "refunded"  #: every held milestone went back to the buyer


class Deal(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """One awarded vendor's deal: frozen terms, lines, and the milestones paid into escrow."""

    __tablename__ = "deals"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "deal"
    __table_args__ = (CheckConstraint("total = subtotal + freight", name="total"),)

    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))  #: a :class:`DealStatus`
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]  #: minor units: sum of line amounts
    freight: Mapped[int]  #: minor units
    total: Mapped[int]  #: minor units: what the buyer pays into escrow
    commission_bps: Mapped[int]  #: frozen at award
    terms: Mapped[dict] = mapped_column(JSONB)  #: frozen quote terms (incoterm, lead time, payment terms)
    gateway: Mapped[str | None] = mapped_column(String(32))
    ship_by_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[DealLine]] = relationship(order_by="DealLine.id", cascade="all, delete-orphan", lazy="selectin")
    milestones: Mapped[list[Milestone]] = relationship(order_by=Milestone.seq, cascade="all, delete-orphan",
                                                       lazy="selectin")

    def is_fully_funded(self) -> bool:
        return all(m.status == MilestoneStatus.FUNDED for m in self.milestones)

    def can_release(self) -> bool:
        return self.status == DealStatus.ACCEPTED

    def accepts_payment(self) -> bool:
        """Milestones of this deal may be paid now (escrow asks this of the deals it is given)."""
        return self.status == DealStatus.AWAITING_PAYMENT

    def held_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.status == MilestoneStatus.FUNDED]

    def held_amount(self) -> int:
        """Minor units still held in escrow for this deal (less anything a partial acceptance released)."""
        return sum(m.held_amount for m in self.held_milestones())


class DealLine(IdMixin, db.Model):
    __tablename__ = "deal_lines"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    rfq_line_id: Mapped[int] = mapped_column(ForeignKey("rfq_lines.id"))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[int]  #: minor units
    amount: Mapped[int]  #: minor units: unit_price x quantity
