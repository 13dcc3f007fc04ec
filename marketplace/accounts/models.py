"""Accounts tables: users, organisations, memberships and hashed API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class OrgKind(StrEnum):
    """What an organisation is on the marketplace (``login_required`` takes these)."""

    BUYER = "buyer"  #: buys through RFQs
    VENDOR = "vendor"  #: lists goods and quotes
    PLATFORM = "platform"  #: the operator: admins and support


class MemberRole(StrEnum):
    """The role a membership gives a person inside their organisation (``login_required(roles=...)``)."""

    OWNER = "owner"  #: created the organisation; manages members and settings
    ADMIN = "admin"  #: manages members and settings; on the platform, a platform admin
    REQUESTER = "requester"  #: buyers: drafts RFQs and publishes those below the approval threshold
    APPROVER = "approver"  #: buyers: may also approve what is above the approval threshold
    FINANCE = "finance"  #: buyers: pays deals
    SALES = "sales"  #: vendors: lists products and quotes
    FULFILMENT = "fulfilment"  #: vendors: ships deals
    SUPPORT = "support"  #: platform: reads the admin queues, decides nothing


#: roles a membership may hold, per organisation kind
ROLES: dict[str, tuple[MemberRole, ...]] = {
    OrgKind.BUYER: (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.REQUESTER, MemberRole.APPROVER, MemberRole.FINANCE),
    OrgKind.VENDOR: (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES, MemberRole.FULFILMENT),
    OrgKind.PLATFORM: (MemberRole.ADMIN, MemberRole.SUPPORT),
}
#: roles that may manage members and the organisation's settings
MANAGERS = (MemberRole.OWNER, MemberRole.ADMIN)
#: vendor roles that may list goods and quote
SELLERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES)


class User(IdMixin, TimestampMixin, db.Model):
    """A person who logs in; belongs to organisations through memberships."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)  #: stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    #: IANA zone for times on pages; NULL = the platform's DEFAULT_TIMEZONE
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: base32 TOTP secret (RFC 6238); set while being confirmed, enabled once ``totp_enabled_at`` is set
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", lazy="selectin")

    @property
    def has_second_factor(self) -> bool:
        """Whether logging in needs a TOTP code (or a recovery code) after the password."""
        return self.totp_enabled_at is not None


class Organization(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A buyer, vendor or platform organisation; it is its own owner for :class:`OrgScoped` reads."""

    __tablename__ = "organizations"
    __org_columns__ = ("id",)
    __noun__ = "organisation"
    __table_args__ = (CheckConstraint(f"kind IN ({','.join(repr(str(k)) for k in OrgKind)})", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16))  #: an :class:`OrgKind`
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="VN")  #: ISO 3166-1 alpha-2
    currency: Mapped[str] = mapped_column(String(3), default="VND")  #: default currency for RFQs
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    #: buyer orgs: deals above this total (in ``currency`` minor units) need an approver; NULL = never
    approval_threshold: Mapped[int | None]
    #: the tax code (MST) its invoices carry (buyers: checked against the vendor's VAT e-invoices)
    tax_code: Mapped[str | None] = mapped_column(String(32))

    def is_kind(self, kind: str) -> bool:
        return self.kind == kind


class Membership(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A person's role in one organisation."""

    __tablename__ = "memberships"
    __org_columns__ = ("org_id",)
    __noun__ = "member"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  #: a :class:`MemberRole` allowed for the organisation's kind

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(lazy="joined")

class RecoveryCode(IdMixin, db.Model):
    """A one-time code that replaces the TOTP code once (when the phone is lost); only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]  #: set when the code was spent; a spent code never works again


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
