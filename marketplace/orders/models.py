"""Carts, catalog orders, their lines and the stock they reserve."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class OrderStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  #: total above the buyer's threshold: an approver must agree
    PLACED = "placed"  #: sent to the vendor, who confirms or rejects before its deadline
    CONFIRMED = "confirmed"  #: the vendor confirmed: a deal with frozen terms exists (``Deal.order_id``)
    REJECTED = "rejected"  #: the vendor refused it, with a reason; stock released
    CANCELLED = "cancelled"  #: the buyer withdrew it, an approver refused it, or the vendor let it lapse


class ReservationStatus(StrEnum):
    HELD = "held"  #: counted against the product's stock
    RELEASED = "released"  #: given back (order rejected, cancelled, lapsed, or its deal cancelled)
    CONSUMED = "consumed"  #: the goods shipped: taken off ``products.stock_qty``


class CartItem(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """One product in one buyer member's cart (a cart is per member, ordering for the member's organisation)."""

    __tablename__ = "cart_items"
    __org_columns__ = ("org_id",)
    __noun__ = "cart item"
    __table_args__ = (UniqueConstraint("org_id", "user_id", "product_id"),
                      CheckConstraint("quantity >= 1", name="quantity_positive"))

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int]  #: in the product's unit


class Order(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """One buyer's order to one vendor at catalog or negotiated prices; confirmed, it becomes a deal."""

    __tablename__ = "orders"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "order"
    __table_args__ = (CheckConstraint("total = subtotal + freight", name="total"),)

    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"), index=True)
    placed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(24))  #: an :class:`OrderStatus`
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]  #: minor units: sum of line amounts
    freight: Mapped[int] = mapped_column(default=0)  #: minor units (catalog prices are ex-works: none)
    total: Mapped[int]  #: minor units
    delivery_region: Mapped[str | None] = mapped_column(String(8))  #: ISO 3166-2, e.g. ``VN-SG``
    delivery_address: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)  #: why it was rejected or cancelled
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.id", cascade="all, delete-orphan",
                                                  lazy="selectin")


class OrderLine(IdMixin, db.Model):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[int]  #: minor units, frozen when placed
    amount: Mapped[int]  #: minor units: unit_price x quantity
    price_source: Mapped[str] = mapped_column(String(16))  #: a ``vendors.models.PriceSource``
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id", ondelete="SET NULL"))


class StockReservation(IdMixin, TimestampMixin, db.Model):
    """Units of a product held for an order; available stock is ``stock_qty`` less the held reservations."""

    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_held", "product_id", postgresql_where=sql_text("status = 'held'")),
                      CheckConstraint("quantity >= 1", name="quantity_positive"))

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=ReservationStatus.HELD)  #: a :class:`ReservationStatus`


class VendorOrderTerms(db.Model):
    """A vendor's default payment terms for catalog orders (``[{name, percent, due, net_days?}]``); a confirmed
    order's deal is paid by them. No row: 100 % before shipment."""

    __tablename__ = "vendor_order_terms"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), primary_key=True)
    payment_terms: Mapped[list[dict]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
