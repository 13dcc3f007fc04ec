"""Contracts, their versions (the first, and each amendment), the items of a version, and call-offs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin
from ..extensions import db


class ContractStatus(StrEnum):
    PROPOSED = "proposed"  #: its first version waits for both sides' signatures
    ACTIVE = "active"  #: signed by both: call-offs from ``starts_on`` to ``ends_on``
    DECLINED = "declined"  #: a side refused to sign, with a reason
    WITHDRAWN = "withdrawn"  #: its proposer took it back before both signed
    LAPSED = "lapsed"  #: not signed by both in ``CONTRACT_SIGN_DAYS``
    EXPIRED = "expired"  #: its validity ended; deals under way go on
    TERMINATED = "terminated"  #: ended early by a side, with a reason; deals under way go on


class VersionStatus(StrEnum):
    PROPOSED = "proposed"  #: waits for the side that has not accepted it yet
    ACCEPTED = "accepted"  #: both sides accepted: in force for call-offs placed from then on
    DECLINED = "declined"  #: the other side refused it, with a reason
    WITHDRAWN = "withdrawn"  #: its proposer took it back
    LAPSED = "lapsed"  #: not accepted by both in ``CONTRACT_SIGN_DAYS``


class ContractSource(StrEnum):
    AWARD = "award"  #: an RFQ awarded as a contract: the quote's prices and terms
    PRICE_LIST = "price_list"  #: agreed from a negotiated price list
    DIRECT = "direct"  #: items and prices written by the proposer
    RENEWAL = "renewal"  #: renewed from an earlier contract (``renewed_from_id``)


class Contract(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A framework agreement between one buyer organisation and one vendor. Its terms live in versions: the
    version numbered ``current_version`` is in force; ``ends_on`` mirrors that version's."""

    __tablename__ = "contracts"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "contract"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)

    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  #: a :class:`ContractStatus`
    source: Mapped[str] = mapped_column(String(16))  #: a :class:`ContractSource`
    starts_on: Mapped[date] = mapped_column(Date)  #: first day call-offs may be placed (platform time zone)
    ends_on: Mapped[date] = mapped_column(Date)  #: last day, inclusive (the version in force's)
    current_version: Mapped[int] = mapped_column(default=1)  #: the number of the version in force
    proposed_by_org: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rfq_id: Mapped[int | None] = mapped_column(ForeignKey("rfqs.id"), index=True)  #: ``source`` award
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id", ondelete="SET NULL"))
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)  #: why it was declined or terminated
    ended_at: Mapped[datetime | None]  #: when it expired or was terminated
    version: Mapped[int] = mapped_column(default=1)  #: row version (the state machine's guard)

    versions: Mapped[list[ContractVersion]] = relationship(order_by="ContractVersion.number", lazy="selectin",
                                                           cascade="all, delete-orphan", back_populates="contract")

    def version_numbered(self, number: int) -> ContractVersion:
        return next(v for v in self.versions if v.number == number)

    @property
    def terms(self) -> ContractVersion:
        """The version in force (the proposed first version while the contract is unsigned)."""
        return self.version_numbered(self.current_version)

    @property
    def pending_version(self) -> ContractVersion | None:
        """The version waiting for acceptance, if any (the first one, or an amendment)."""
        return next((v for v in self.versions if v.status == VersionStatus.PROPOSED), None)


class ContractVersion(IdMixin, TimestampMixin, db.Model):
    """The terms of a contract as one side proposed them: accepted by both, they apply to later call-offs."""

    __tablename__ = "contract_versions"
    __table_args__ = (UniqueConstraint("contract_id", "number"),
                      CheckConstraint("max_value > 0", name="max_value_positive"),
                      CheckConstraint("committed_value IS NULL OR committed_value <= max_value", name="committed"))

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  #: 1 for the contract as first proposed, then one per amendment
    status: Mapped[str] = mapped_column(String(16))  #: a :class:`VersionStatus`
    summary: Mapped[str] = mapped_column(Text, default="")  #: what an amendment changes, in the proposer's words
    proposed_by_org: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ends_on: Mapped[date] = mapped_column(Date)
    max_value: Mapped[int]  #: minor units: call-offs' goods together may not exceed it
    committed_value: Mapped[int | None]  #: minor units the buyer intends to order over the period
    payment_terms: Mapped[list[dict]] = mapped_column(JSONB)  #: ``[{name, percent, due, net_days?}]``
    incoterm: Mapped[str | None] = mapped_column(String(3))
    named_place: Mapped[str | None] = mapped_column(String(200))
    delivery_region: Mapped[str | None] = mapped_column(String(8))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    lead_time_days: Mapped[int | None]  #: days from a call-off's payment to shipment
    buyer_accepted_at: Mapped[datetime | None]
    buyer_accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    vendor_accepted_at: Mapped[datetime | None]
    vendor_accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)  #: why it was declined
    version: Mapped[int] = mapped_column(default=1)  #: row version (the state machine's guard)

    contract: Mapped[Contract] = relationship(back_populates="versions", lazy="joined")
    items: Mapped[list[ContractItem]] = relationship(order_by="ContractItem.item_no", lazy="selectin",
                                                     cascade="all, delete-orphan")

    def item(self, item_no: int) -> ContractItem | None:
        return next((i for i in self.items if i.item_no == item_no), None)


class ContractItem(IdMixin, db.Model):
    """One item of a version at a fixed unit price (cheaper from a tier's quantity on); ``item_no`` stays the
    same across versions so utilisation adds up over amendments."""

    __tablename__ = "contract_items"
    __table_args__ = (UniqueConstraint("version_id", "item_no"), CheckConstraint("unit_price >= 0", name="price"),
                      CheckConstraint("committed_qty IS NULL OR committed_qty >= 1", name="committed_qty"))

    version_id: Mapped[int] = mapped_column(ForeignKey("contract_versions.id", ondelete="CASCADE"), index=True)
    item_no: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    sku: Mapped[str | None] = mapped_column(String(64))
    #: the goods' category (the product's, or the RFQ line's): a call-off's commission follows it
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[int]  #: minor units of the contract's currency
    tiers: Mapped[list[dict]] = mapped_column(JSONB, default=list)  #: ``[{min_qty, unit_price}]``, cheaper breaks
    committed_qty: Mapped[int | None]  #: units the buyer intends to call off over the period

    def price_at(self, quantity: int) -> int:
        """The unit price for a call-off line of ``quantity``: the deepest tier reached, else the base price."""
        reached = [t for t in self.tiers if t["min_qty"] <= quantity]
        return min(reached, key=lambda t: -t["min_qty"])["unit_price"] if reached else self.unit_price


class CallOff(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """An order placed against an active contract at the prices of the version then in force: one deal."""

    __tablename__ = "call_offs"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "call-off"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    contract_version: Mapped[int]  #: the number of the version whose prices and terms it took
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), unique=True)
    placed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]  #: minor units: what counts against the contract's maximum value
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[CallOffLine]] = relationship(order_by="CallOffLine.item_no", lazy="selectin",
                                                    cascade="all, delete-orphan")


class CallOffLine(IdMixin, db.Model):
    __tablename__ = "call_off_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    call_off_id: Mapped[int] = mapped_column(ForeignKey("call_offs.id", ondelete="CASCADE"), index=True)
    item_no: Mapped[int]
    quantity: Mapped[int]
    unit_price: Mapped[int]  #: minor units, frozen at the call-off
    amount: Mapped[int]
