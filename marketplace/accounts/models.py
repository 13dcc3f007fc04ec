"""Accounts tables: users, organisations, memberships and hashed API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, TimestampMixin, utcnow
from ..extensions import db


class OrgKind(StrEnum):
    BUYER = "buyer"  #: buys through RFQs
    VENDOR = "vendor"  #: lists goods and quotes
    PLATFORM = "platform"  #: the operator: admins and support


#: roles a membership may hold, per organisation kind
ROLES: dict[str, tuple[str, ...]] = {
    OrgKind.BUYER: ("owner", "admin", "requester", "approver", "finance"),
    OrgKind.VENDOR: ("owner", "admin", "sales", "fulfilment"),
    OrgKind.PLATFORM: ("admin", "support"),
}
#: roles that may manage members
MANAGERS = ("owner", "admin")


class User(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)  #: stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    is_active: Mapped[bool] = mapped_column(default=True)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", lazy="selectin")


class Organization(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(f"kind IN ({','.join(repr(str(k)) for k in OrgKind)})", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16))  #: an :class:`OrgKind`
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="VN")  #: ISO 3166-1 alpha-2
    currency: Mapped[str] = mapped_column(String(3), default="VND")  #: default currency for RFQs
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    #: buyer orgs: deals above this total (in ``currency`` minor units) need an approver; NULL = never
    approval_threshold: Mapped[int | None]

    def is_kind(self, kind: str) -> bool:
        return self.kind == kind


class Membership(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(lazy="joined")

    def can_manage_members(self) -> bool:
        return self.role in MANAGERS


class ApiToken(IdMixin, db.Model):
    """A bearer token; only its SHA-256 is stored. Bound to one membership's organisation."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="api")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
