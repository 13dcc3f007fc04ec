"""The notification feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, utcnow
from ..extensions import db


class Notification(IdMixin, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key"), Index("ix_notifications_org", "org_id", "id"))

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(200))  #: de-duplicates repeats of the same fact
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
