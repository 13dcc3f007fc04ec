"""Shipment and tracking-event tables, and the normalised shipment statuses with their progress rank."""

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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class ShipmentStatus(StrEnum):
    """Normalised tracking statuses: every carrier's codes map onto these (``Carrier.normalise``)."""

    PRE_TRANSIT = "pre_transit"  #: booked; the carrier does not have the goods yet
    PICKED_UP = "picked_up"  #: the carrier collected the goods
    IN_TRANSIT = "in_transit"  #: on the way
    OUT_FOR_DELIVERY = "out_for_delivery"  #: on the last leg to the buyer
    DELIVERY_FAILED = "delivery_failed"  #: a delivery attempt failed; the carrier will retry
    EXCEPTION = "exception"  #: held up (customs, address problem, damage report)
    RETURN_IN_TRANSIT = "return_in_transit"  #: on the way back to the vendor
    DELIVERED = "delivered"  #: handed to the buyer (terminal)
    RETURNED = "returned"  #: back with the vendor (terminal)
    LOST = "lost"  #: the carrier lost it (terminal)
    CANCELLED = "cancelled"  #: the booking was cancelled (terminal)


class ShipmentDirection(StrEnum):
    FORWARD = "forward"  #: the vendor's goods on their way to the buyer
    RETURN = "return"  #: the buyer sending goods back to the vendor (a dispute's return)


#: progress rank of each status: a later event with a lower rank never moves a shipment backwards
#: (terminal statuses outrank everything)
TRACKING_RANK: dict[ShipmentStatus, int] = {
    ShipmentStatus.PRE_TRANSIT: 0, ShipmentStatus.PICKED_UP: 1, ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.OUT_FOR_DELIVERY: 3, ShipmentStatus.DELIVERY_FAILED: 3, ShipmentStatus.EXCEPTION: 3,
    ShipmentStatus.RETURN_IN_TRANSIT: 4,
    ShipmentStatus.DELIVERED: 5, ShipmentStatus.RETURNED: 5, ShipmentStatus.LOST: 5, ShipmentStatus.CANCELLED: 5,
}
#: statuses after which nothing moves the shipment any more
TERMINAL = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.LOST, ShipmentStatus.CANCELLED})


class Shipment(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """One consignment of a deal; its parties are the deal's, copied so the shipment scopes itself."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number"),)
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "shipment"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's buyer
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's vendor
    carrier: Mapped[str] = mapped_column(String(32))  #: adapter code, e.g. ``manual``
    tracking_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default=ShipmentStatus.PRE_TRANSIT)  #: a :class:`ShipmentStatus`
    raw_status: Mapped[str | None] = mapped_column(String(64))  #: the carrier's own code, kept as sent
    last_event_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    #: a :class:`ShipmentDirection`: the deal's goods going out, or coming back in a dispute's return
    direction: Mapped[str] = mapped_column(String(8), default=ShipmentDirection.FORWARD,
                                           server_default=ShipmentDirection.FORWARD.value)

    #: our deterministic booking key ``MKT-D<deal>-S<n>``, sent to the carrier (GHN client_order_code, GHTK order
    #: id, Viettel Post ORDER_NUMBER): a retried booking takes up the carrier's first order instead of a second
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: polling fallback (carriers that do not push here): when to ask the carrier next, and failed asks in a row
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    poll_failures: Mapped[int] = mapped_column(default=0, server_default="0")

    events: Mapped[list[TrackingEvent]] = relationship(order_by="TrackingEvent.occurred_at", lazy="selectin")
    lines: Mapped[list[ShipmentLine]] = relationship(order_by="ShipmentLine.id", lazy="selectin",
                                                       cascade="all, delete-orphan")
    proof: Mapped[DeliveryProof | None] = relationship(lazy="selectin", uselist=False)

    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def moves_forward(self, status: str, occurred_at: datetime) -> bool:
        """Would an event with ``status`` at ``occurred_at`` move this shipment (never backwards)?"""
        if self.is_terminal():
            return False
        new, old = TRACKING_RANK[ShipmentStatus(status)], TRACKING_RANK[ShipmentStatus(self.status)]
        newer = self.last_event_at is None or occurred_at >= self.last_event_at
        return new > old or (new == old and newer)


class TrackingEvent(IdMixin, db.Model):
    """One status report of a shipment, as the carrier (or the vendor, for manual shipments) sent it."""

    __tablename__ = "tracking_events"
    __table_args__ = (Index("ix_tracking_events_shipment", "shipment_id", "occurred_at"),
                      UniqueConstraint("shipment_id", "dedupe_key"))

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(24))  #: a :class:`ShipmentStatus`
    raw_code: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    dedupe_key: Mapped[str] = mapped_column(String(200))  #: carriers resend events; same key = same event


class ShipmentLine(IdMixin, db.Model):
    """How much of one deal line travels in a shipment, and how much of it arrived."""

    __tablename__ = "shipment_lines"
    __table_args__ = (UniqueConstraint("shipment_id", "deal_line_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("delivered_quantity IS NULL OR delivered_quantity BETWEEN 0 AND quantity",
                                      name="delivered_within_shipped"))

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    deal_line_id: Mapped[int] = mapped_column(ForeignKey("deal_lines.id"), index=True)
    quantity: Mapped[int]  #: shipped, in the deal line's unit
    #: what the receiver took (proof of delivery); None: all of ``quantity`` once the shipment is delivered
    delivered_quantity: Mapped[int | None]

    def arrived(self) -> int:
        return self.quantity if self.delivered_quantity is None else self.delivered_quantity


class DeliveryProof(IdMixin, db.Model):
    """Proof of delivery of a built-in carrier's shipment: who received it, and a photo or signature image (a
    content-addressed blob, its SHA-256 kept)."""

    __tablename__ = "delivery_proofs"

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), unique=True)
    receiver_name: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
    image_sha256: Mapped[str] = mapped_column(String(64))
    image_type: Mapped[str] = mapped_column(String(64))  #: sniffed, e.g. ``image/png``
    image_bytes: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
