"""The notification feed: one row per fact told to an organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, OrgScoped, utcnow
from ..extensions import db


class Notification(OrgScoped, IdMixin, db.Model):
    """A feed item of one organisation; the text is rendered per reader (:func:`messages.render`)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key"), Index("ix_notifications_org", "org_id", "id"))
    __org_columns__ = ("org_id",)
    __noun__ = "notification"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))  #: a key of ``messages.MESSAGES``
    key: Mapped[str] = mapped_column(String(200))  #: de-duplicates repeats of the same fact
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
