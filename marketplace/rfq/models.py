"""RFQ, invitation and quote tables."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db

INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
#: E and F terms: the seller's price stops before the main carriage, which the buyer books and pays
BUYER_PAYS_CARRIAGE = frozenset({"EXW", "FCA", "FAS", "FOB"})


class RfqStatus(StrEnum):
    DRAFT = "draft"  #: being written; invisible to vendors
    OPEN = "open"  #: published; invited (or, if open, any eligible) vendors may quote
    CLOSED = "closed"  #: quote deadline passed; the buyer compares and awards
    AWARDED = "awarded"  #: one or more quotes accepted; deals exist
    CANCELLED = "cancelled"  #: withdrawn by the buyer
    EXPIRED = "expired"  #: closed and never awarded in time


class QuoteStatus(StrEnum):
    SUBMITTED = "submitted"  #: first version in
    REVISED = "revised"  #: a later version replaced the first
    ACCEPTED = "accepted"  #: awarded (whole or some lines)
    REJECTED = "rejected"  #: the buyer chose otherwise
    WITHDRAWN = "withdrawn"  #: the vendor pulled it
    EXPIRED = "expired"  #: validity lapsed before award


#: the states in which a quote can still be awarded, revised, withdrawn or rejected
LIVE_QUOTE_STATUSES = (QuoteStatus.SUBMITTED, QuoteStatus.REVISED)


class RfqVisibility(StrEnum):
    INVITE_ONLY = "invite_only"  #: only invited vendors see and quote
    OPEN = "open"  #: also on the board of every verified vendor


class InvitationSource(StrEnum):
    MATCH = "match"  #: chosen by the matcher, with a ranked rationale
    MANUAL = "manual"  #: added by the buyer by hand


class LineChange(StrEnum):
    ADDED = "added"  #: the revision quotes a line the previous one did not
    REMOVED = "removed"  #: the revision no longer quotes the line
    CHANGED = "changed"  #: price, quantity or lead time of the line changed


class Rfq(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A buyer's request for quotation: lines to be quoted in one currency by invited (or any verified) vendors."""

    __tablename__ = "rfqs"
    __org_columns__ = ("buyer_id",)
    __noun__ = "RFQ"
    __table_args__ = (Index("ix_rfqs_status", "status", "id"),)

    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))  #: ISO 4217 code of every amount of the RFQ and its quotes
    delivery_region: Mapped[str | None] = mapped_column(String(8))  #: ISO 3166-2 or country code
    delivery_address: Mapped[str | None] = mapped_column(Text)
    incoterm: Mapped[str] = mapped_column(String(3), default="DAP")
    named_place: Mapped[str | None] = mapped_column(String(200))
    needed_by: Mapped[date | None]
    quote_deadline: Mapped[datetime | None]
    visibility: Mapped[str] = mapped_column(String(16), default=RfqVisibility.INVITE_ONLY)  #: an :class:`RfqVisibility`
    status: Mapped[str] = mapped_column(String(16), default=RfqStatus.DRAFT)  #: an :class:`RfqStatus`
    search_text: Mapped[str] = mapped_column(Text, default="")  #: folded title, description and lines
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list["RfqLine"]] = relationship(order_by="RfqLine.line_no", cascade="all, delete-orphan",
                                                  lazy="selectin", back_populates="rfq")

    def accepts_quotes(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == RfqStatus.OPEN and (self.quote_deadline is None or self.quote_deadline > now)

    def estimated_value(self) -> int:
        """Sum of target price x quantity over the lines that state a target (minor units)."""
        return sum(line.target_unit_price * line.quantity for line in self.lines if line.target_unit_price)

    def total_quantity(self) -> int:
        return max((line.quantity for line in self.lines), default=0)

    def is_awardable(self) -> bool:
        """Open or closed (or already partly awarded): lines may still be awarded."""
        return self.status in (RfqStatus.OPEN, RfqStatus.CLOSED, RfqStatus.AWARDED)

    def accepts_invitations(self) -> bool:
        return self.status in (RfqStatus.DRAFT, RfqStatus.OPEN)


class RfqLine(IdMixin, db.Model):
    """One item the buyer asks prices for; points at the quote line it was awarded to."""

    __tablename__ = "rfq_lines"
    __table_args__ = (UniqueConstraint("rfq_id", "line_no"), CheckConstraint("quantity > 0", name="quantity"))

    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    hs_code: Mapped[str | None] = mapped_column(String(10))
    category_id: Mapped[int | None]
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    target_unit_price: Mapped[int | None]  #: minor units of the RFQ's currency
    awarded_quote_line_id: Mapped[int | None] = mapped_column(ForeignKey("quote_lines.id", use_alter=True))

    rfq: Mapped["Rfq"] = relationship(back_populates="lines")


class Invitation(IdMixin, db.Model):
    """A vendor asked to quote on an RFQ, by the matcher (ranked, with its rationale) or by hand."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("rfq_id", "vendor_id"),
                      Index("ix_invitations_vendor_created", "vendor_id", "created_at"))  # weekly quota (0005)

    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  #: an :class:`InvitationSource`
    rank: Mapped[int | None]
    score: Mapped[float | None]
    rationale: Mapped[dict] = mapped_column(JSONB, default=dict)  #: which signals scored what
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    vendor = relationship("VendorProfile", lazy="joined")


class Quote(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A vendor's offer on an RFQ, in the RFQ's currency; revised in place, every version kept."""

    __tablename__ = "quotes"
    __org_columns__ = ("vendor_id", "buyer_id")  #: the vendor that wrote it and the buyer it was sent to
    __noun__ = "quote"
    __table_args__ = (UniqueConstraint("rfq_id", "vendor_id"),)

    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=QuoteStatus.SUBMITTED)  #: a :class:`QuoteStatus`
    revision: Mapped[int] = mapped_column(default=1)  #: current version number
    currency: Mapped[str] = mapped_column(String(3))  #: the RFQ's currency
    incoterm: Mapped[str] = mapped_column(String(3))
    freight: Mapped[int] = mapped_column(default=0)  #: minor units of the quote's currency, whole quote
    #: the goods as the vendor packs them, ``{"parcels": [{weight_grams, length_cm, width_cm, height_cm}],
    #: "pallets": n}``; prices the lane (the attached rate, or the buyer's estimate under E/F terms)
    shipment: Mapped[dict | None] = mapped_column(JSONB)
    #: the carrier rate ``freight`` was taken from: ``{carrier, carrier_name, service, amount (minor units),
    #: currency, transit_days, estimate, origin, destination, priced_at}``; None when freight was typed by hand
    freight_rate: Mapped[dict | None] = mapped_column(JSONB)
    lead_time_days: Mapped[int]
    valid_until: Mapped[datetime]
    #: the deal's milestone schedule: [{"name", "percent", "due": MilestoneDue}]
    payment_terms: Mapped[list] = mapped_column(JSONB)
    notes: Mapped[str] = mapped_column(Text, default="")
    revision_requested: Mapped[str | None] = mapped_column(Text)  #: the buyer's counter-offer message
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list["QuoteLine"]] = relationship(order_by="QuoteLine.rfq_line_id", cascade="all, delete-orphan",
                                                    lazy="selectin", back_populates="quote")
    vendor = relationship("VendorProfile", lazy="joined")

    def subtotal(self) -> int:
        """The goods: sum of unit price x quantity over the lines (minor units)."""
        return sum(line.unit_price * line.quantity for line in self.lines)

    @property
    def subtotal_amount(self) -> int:
        """:meth:`subtotal` as an attribute, for output schemas (minor units)."""
        return self.subtotal()

    @property
    def total_amount(self) -> int:
        """Goods plus freight (minor units)."""
        return self.subtotal() + self.freight

    def leaves_carriage_to_buyer(self) -> bool:
        """E and F terms (EXW, FCA, FAS, FOB): the buyer pays the main carriage, which the price leaves out."""
        return self.incoterm in BUYER_PAYS_CARRIAGE

    def is_live(self, now: datetime | None = None) -> bool:
        return self.status in LIVE_QUOTE_STATUSES and self.valid_until > (now or utcnow())


# A quote is owned by its vendor and read by the RFQ's buyer: both are its organisations for OrgScoped.
Quote.buyer_id = column_property(select(Rfq.buyer_id).where(Rfq.id == Quote.rfq_id).correlate_except(Rfq)
                                 .scalar_subquery())


class QuoteLine(IdMixin, db.Model):
    """The vendor's price and quantity for one RFQ line."""

    __tablename__ = "quote_lines"
    __table_args__ = (UniqueConstraint("quote_id", "rfq_line_id"), CheckConstraint("quantity > 0", name="quantity"),
                      CheckConstraint("unit_price >= 0", name="unit_price"))

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    rfq_line_id: Mapped[int] = mapped_column(ForeignKey("rfq_lines.id"))
    unit_price: Mapped[int]  #: minor units of the quote's currency
    quantity: Mapped[int]
    lead_time_days: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    quote: Mapped["Quote"] = relationship(back_populates="lines")


class QuoteVersion(IdMixin, db.Model):
    """A frozen copy of each quote revision, so earlier versions stay readable."""

    __tablename__ = "quote_versions"
    __table_args__ = (UniqueConstraint("quote_id", "revision"),)

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    revision: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
