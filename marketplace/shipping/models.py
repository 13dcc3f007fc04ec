"""Shipment and tracking-event tables, and the normalised tracking statuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, TimestampMixin, utcnow
from ..extensions import db

#: normalised statuses with their progress rank; a later event with a lower rank never moves a
#: shipment backwards (terminal statuses outrank everything)
TRACKING_RANK = {
    "pre_transit": 0, "picked_up": 1, "in_transit": 2, "out_for_delivery": 3, "delivery_failed": 3,
    "exception": 3, "return_in_transit": 4, "delivered": 5, "returned": 5, "lost": 5, "cancelled": 5,
}
TERMINAL = {"delivered", "returned", "lost", "cancelled"}


class Shipment(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number"),)

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(32))  #: adapter code, e.g. ``manual``
    tracking_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default="pre_transit")
    raw_status: Mapped[str | None] = mapped_column(String(64))  #: the carrier's own code, kept as sent
    last_event_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    details: Mapped[dict] = mapped_column(JSONB, default=dict)

    events: Mapped[list["TrackingEvent"]] = relationship(order_by="TrackingEvent.occurred_at", lazy="selectin")


class TrackingEvent(IdMixin, db.Model):
    __tablename__ = "tracking_events"
    __table_args__ = (Index("ix_tracking_events_shipment", "shipment_id", "occurred_at"),
                      UniqueConstraint("shipment_id", "dedupe_key"))

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(24))
    raw_code: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    dedupe_key: Mapped[str] = mapped_column(String(200))  #: carriers resend events; same key = same event
