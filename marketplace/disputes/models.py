"""Dispute and dispute-message tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, TimestampMixin, utcnow
from ..extensions import db


class Dispute(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "disputes"
    # at most one live dispute per deal
    __table_args__ = (Index("uq_disputes_live_deal", "deal_id", unique=True,
                            postgresql_where="status NOT IN ('resolved', 'withdrawn')"),)

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(32))  #: not_received | not_as_described | damaged | other
    description: Mapped[str] = mapped_column(Text)
    #: the admin's decision: {"outcome", "allocations": [{"party", "amount"}], "note"}; sums to the held amount
    decision: Mapped[dict | None] = mapped_column(JSONB)
    decided_by: Mapped[int | None]
    decided_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class DisputeMessage(IdMixin, db.Model):
    __tablename__ = "dispute_messages"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
