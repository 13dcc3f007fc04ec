"""Vendor profiles and catalog tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ARRAY, CheckConstraint, Computed, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin
from ..extensions import db


class VerificationStatus(StrEnum):
    UNVERIFIED = "unverified"  #: new; may draft products, may not publish or quote
    PENDING = "pending"  #: submitted for review
    VERIFIED = "verified"  #: checked by the platform; may publish and quote
    REJECTED = "rejected"  #: refused with a reason; may resubmit
    SUSPENDED = "suspended"  #: switched off by an admin


class ProductStatus(StrEnum):
    DRAFT = "draft"  #: visible to the vendor only
    ACTIVE = "active"  #: listed (needs a verified vendor)
    ARCHIVED = "archived"  #: kept for history, not listed


class VendorProfile(TimestampMixin, db.Model):
    """A vendor organisation's public profile; its id is the organisation's id."""

    __tablename__ = "vendor_profiles"

    id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    #: ISO 3166-2 subdivisions (``VN-SG``) or whole countries (``VN``) the vendor delivers to
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=list)
    certifications: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    monthly_capacity: Mapped[int | None]  #: units per month the vendor says it can supply
    status: Mapped[str] = mapped_column(String(16), default=VerificationStatus.UNVERIFIED, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    commission_bps: Mapped[int | None]  #: overrides the platform default when set
    version: Mapped[int] = mapped_column(default=1)

    organization = relationship("Organization", lazy="joined")

    def is_verified(self) -> bool:
        return self.status == VerificationStatus.VERIFIED

    def serves(self, region: str | None) -> bool:
        if not region:
            return True
        country = region.split("-", 1)[0]
        return region in self.regions or country in self.regions


class Product(IdMixin, TimestampMixin, OrgScoped, db.Model):
    __tablename__ = "products"
    __org_column__ = "vendor_id"
    __table_args__ = (
        UniqueConstraint("vendor_id", "sku"),
        CheckConstraint("moq >= 1", name="moq_positive"),
        Index("ix_products_search", "search_vector", postgresql_using="gin"),
        Index("ix_products_status_id", "status", "id"),
    )

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    name_vi: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    hs_code: Mapped[str | None] = mapped_column(String(10), index=True)
    category_id: Mapped[int | None]
    unit: Mapped[str] = mapped_column(String(16))
    pack_size: Mapped[int] = mapped_column(default=1)
    moq: Mapped[int] = mapped_column(default=1)  #: minimum order quantity, in ``unit``
    stock_qty: Mapped[int | None]  #: NULL = made to order (see lead time)
    lead_time_days: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=ProductStatus.DRAFT)
    #: accent-folded name + description + HS code, for core full-text search
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_vector = mapped_column(TSVECTOR, Computed("to_tsvector('simple', search_text)", persisted=True))

    tiers: Mapped[list["PriceTier"]] = relationship(order_by="PriceTier.min_qty", cascade="all, delete-orphan",
                                                    lazy="selectin")
    vendor: Mapped[VendorProfile] = relationship(lazy="joined")

    def unit_price_for(self, quantity: int) -> int | None:
        """The public tier price for ``quantity`` units (the highest break not above it)."""
        price = None
        for tier in self.tiers:
            if tier.min_qty <= quantity:
                price = tier.unit_price
        return price


class PriceTier(IdMixin, db.Model):
    __tablename__ = "price_tiers"
    __table_args__ = (UniqueConstraint("product_id", "min_qty"), CheckConstraint("unit_price >= 0", name="price"),
                      CheckConstraint("min_qty >= 1", name="min_qty"))

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    min_qty: Mapped[int]  #: the quantity break
    unit_price: Mapped[int]  #: minor units of the product's currency


def vendor_by_id(vendor_id: int):
    return select(VendorProfile).where(VendorProfile.id == vendor_id)
