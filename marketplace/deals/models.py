"""Deal and deal line tables. Milestones (the deal's payment schedule) are escrow's table: a deal
holds them through ``Deal.milestones``; ``Milestone`` and ``MilestoneStatus`` are re-exported here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..escrow.models import Milestone, MilestoneStatus
from ..extensions import db

__all__ = ["Deal", "DealLine", "DealSource", "DealStatus", "Milestone", "MilestoneStatus"]


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


class DealSource(StrEnum):
    RFQ = "rfq"  #: an award of quotes on an RFQ
    ORDER = "order"  #: a vendor's confirmation of a catalog order
    CONTRACT = "contract"  #: a call-off against a framework contract


#: the deal states in which a milestone due on or after delivery takes the buyer's money (held until the
#: release, or released at once once the deal was released); a dispute freezes it, a resolution cancels it
PAYABLE_AFTER_DELIVERY = (DealStatus.DELIVERED, DealStatus.ACCEPTED, DealStatus.RELEASED, DealStatus.CLOSED)


class Deal(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """One awarded vendor's deal: frozen terms, lines, and the milestones paid into escrow."""

    __tablename__ = "deals"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "deal"
    __table_args__ = (CheckConstraint("total = subtotal + freight", name="total"),
                      # the dispute metrics count a window of recent deals per vendor and buyer: index-only
                      Index("ix_deals_window", "created_at", "vendor_id", "buyer_id", "status"))

    rfq_id: Mapped[int | None] = mapped_column(ForeignKey("rfqs.id"), index=True)  #: None unless ``source`` is rfq
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    #: the catalog order it came from (``source`` order)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    #: the framework contract it was called off against (``source`` contract)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="rfq", server_default="rfq")  #: a :class:`DealSource`
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

    def accepts_payment(self, milestone: Milestone | None = None) -> bool:
        """Milestones of this deal may be paid now (escrow asks this of the deals it is given); with
        ``milestone``, whether that one may: a term due on or after delivery is paid once the goods are
        delivered, and while no dispute freezes the deal's money."""
        if milestone is not None and milestone.is_after_delivery():
            return self.status in PAYABLE_AFTER_DELIVERY
        return self.status == DealStatus.AWAITING_PAYMENT

    def is_ready_to_ship(self) -> bool:
        """Every milestone due before shipment is held in escrow (terms due after delivery are credit)."""
        return all(m.status == MilestoneStatus.FUNDED for m in self.milestones if not m.is_after_delivery())

    def held_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.status == MilestoneStatus.FUNDED]

    def held_amount(self) -> int:
        """Minor units still held in escrow for this deal (less anything a partial acceptance released)."""
        return sum(m.held_amount for m in self.held_milestones())


class DealLine(IdMixin, db.Model):
    __tablename__ = "deal_lines"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    rfq_line_id: Mapped[int | None] = mapped_column(ForeignKey("rfq_lines.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))  #: the catalog product ordered, if any
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[int]  #: minor units
    amount: Mapped[int]  #: minor units: unit_price x quantity


class DealEInvoice(IdMixin, db.Model):
    """A VAT e-invoice (Decree 123/2020 XML, perhaps its PDF) the vendor attached to a deal, as parsed and as
    checked against the deal: ``mismatches`` lists every disagreement (empty: it matches)."""

    __tablename__ = "deal_e_invoices"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    xml_sha256: Mapped[str] = mapped_column(String(64))  #: the stored XML (content-addressed upload)
    xml_filename: Mapped[str] = mapped_column(String(255))
    xml_size: Mapped[int]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  #: the stored PDF rendition, if sent
    pdf_filename: Mapped[str | None] = mapped_column(String(255))
    pdf_size: Mapped[int | None]
    #: what the XML says: form, series, number, issued_on, currency, seller/buyer name and tax code, and the
    #: amounts as decimal strings (subtotal, vat, total)
    fields: Mapped[dict] = mapped_column(JSONB, default=dict)
    total: Mapped[int | None]  #: minor units: the invoice's total with VAT (TgTTTBSo)
    mismatches: Mapped[list] = mapped_column(JSONB, default=list)  #: ``[{"field", "expected", "actual"}]``
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_flagged(self) -> bool:
        """The invoice disagrees with the deal in at least one field."""
        return bool(self.mismatches)
