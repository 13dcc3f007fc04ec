"""Accounts verbs: register, log in, issue and revoke tokens, add members."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, select, update

from .. import registry
from ..actors import Actor
from ..database import utcnow
from ..errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from ..extensions import db
from ..http.fields import to_minor
from ..http.pagination import paginate
from .models import (
    MANAGERS,
    ROLES,
    ApiToken,
    MemberRole,
    Membership,
    Organization,
    OrgKind,
    RecoveryCode,
    User,
)

#: fact published, in the same transaction, once a new organisation's row is flushed: ``fn(org)``
#: (the vendors package creates a vendor organisation's profile)
ORGANIZATION_CREATED = "accounts.organization_created"


@functools.lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    """argon2id; the library's recommended cost unless ARGON2_TIME_COST / ARGON2_MEMORY_KIB say otherwise."""
    cfg = current_app.config
    return _hasher_for(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"])


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash."""
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Session:
    """What a valid token resolves to."""

    user: User
    organization: Organization
    membership: Membership
    token: ApiToken

    @property
    def role(self) -> str:
        """The caller's :class:`~.models.MemberRole` in the organisation of the token."""
        return self.membership.role

    @property
    def kind(self) -> str:
        """The :class:`~.models.OrgKind` of the organisation of the token."""
        return self.organization.kind

    @property
    def memberships(self) -> list[Membership]:
        """Every membership of the caller (all their organisations)."""
        return self.user.memberships


@dataclass(frozen=True)
class Grant:
    """A bearer token just issued, with who it is for (shown once: only its digest is stored)."""

    token: str
    user: User
    organization: Organization
    role: str
    token_type: str = "Bearer"


def create_user(email: str, name: str, password: str, locale: str = "vi") -> User:
    """Create a user; e-mails are unique case-insensitively.

    :raises ConflictError: the e-mail is taken.
    """
    email = email.strip().lower()
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise ConflictError("an account with this e-mail already exists", code="email_taken")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def create_organization(kind: str, name: str, *, country: str = "VN", currency: str = "VND", locale: str = "vi",
                        approval_threshold: int | None = None) -> Organization:
    """Create an organisation and tell the listeners of :data:`ORGANIZATION_CREATED` (same transaction)."""
    org = Organization(kind=kind, name=name.strip(), country=country, currency=currency, locale=locale,
                       approval_threshold=approval_threshold)
    db.session.add(org)
    db.session.flush()
    registry.publish(ORGANIZATION_CREATED, org)
    return org


def add_membership(user: User, org: Organization, role: str) -> Membership:
    """Give ``user`` a ``role`` in ``org``.

    :raises InvalidInputError: the role does not exist for the organisation's kind.
    """
    if role not in ROLES[org.kind]:
        raise InvalidInputError(f"role must be one of {', '.join(ROLES[org.kind])}", fields={"role": ["unknown role"]})
    membership = Membership(user_id=user.id, org_id=org.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def issue_token(user: User, org: Organization, name: str = "api") -> str:
    """Create a bearer token bound to ``org``; only its digest is stored, the token is shown once."""
    token = "mkp_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, org_id=org.id, token_hash=_token_digest(token), name=name))
    db.session.flush()
    return token


def register_account(data: dict) -> Grant:
    """Register a user with a new buyer or vendor organisation they own, and log them in.

    :raises ConflictError: the e-mail is taken.
    """
    org_data = data["organization"]
    user = create_user(data["email"], data["name"], data["password"], org_data.get("locale", "vi"))
    org = create_organization(org_data["kind"], org_data["name"], country=org_data["country"],
                              currency=org_data["currency"], locale=org_data["locale"])
    add_membership(user, org, MemberRole.OWNER)
    return Grant(issue_token(user, org, "login"), user, org, MemberRole.OWNER)


def check_password(email: str, password: str) -> User:
    """The first factor: the user whose e-mail and password these are.

    :raises UnauthorizedError: wrong e-mail or password (we do not say which).
    """
    user = db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        verify_password(hash_password("timing-equaliser"), password)  # same cost whether or not the e-mail exists
        raise UnauthorizedError("wrong e-mail or password", code="bad_credentials")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise UnauthorizedError("wrong e-mail or password", code="bad_credentials")
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def grant_session(user: User, organization_id: int | None = None, name: str = "login") -> Grant:
    """A token for one of the user's organisations (the first one unless ``organization_id`` says).

    :raises ForbiddenError: the user belongs to no organisation.
    :raises NotFoundError: ``organization_id`` is not one of the user's organisations.
    """
    memberships = sorted(user.memberships, key=lambda m: m.id)
    if not memberships:
        raise ForbiddenError("this account belongs to no organisation")
    membership = memberships[0]
    if organization_id is not None:
        membership = next((m for m in memberships if m.org_id == organization_id), None)
        if membership is None:
            raise NotFoundError("no such organisation")
    return Grant(issue_token(user, membership.organization, name), user, membership.organization, membership.role)


def login(email: str, password: str, organization_id: int | None = None, otp: str | None = None,
          name: str = "login") -> Grant:
    """Check credentials (and the second factor when the user has one) and issue a token.

    :raises UnauthorizedError: wrong e-mail or password, or a missing or wrong second-factor code.
    """
    user = check_password(email, password)
    if user.has_second_factor:
        if not otp:
            raise UnauthorizedError("enter the code from your authenticator app", code="second_factor_required")
        if not verify_second_factor(user, otp):
            raise UnauthorizedError("the code is wrong or has expired", code="bad_second_factor")
    return grant_session(user, organization_id, name)


#: how many one-time recovery codes a user gets when turning the second factor on
RECOVERY_CODES = 10
#: the issuer shown in authenticator apps
TOTP_ISSUER = "Marketplace"


def begin_second_factor(user: User) -> str:
    """Start turning on TOTP: a new secret kept unconfirmed until :func:`enable_second_factor` (an
    otpauth:// URI for the authenticator app is :func:`second_factor_uri`).

    :raises ConflictError: the second factor is already on.
    """
    if user.has_second_factor:
        raise ConflictError("the second factor is already on", code="second_factor_on")
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return user.totp_secret


def second_factor_uri(user: User) -> str:
    """The otpauth:// URI of the user's (pending or active) TOTP secret, for a QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def enable_second_factor(user: User, code: str) -> list[str]:
    """Confirm the pending secret with a code from the app; returns the recovery codes (shown once).

    :raises ConflictError: no setup was started, or the second factor is already on.
    :raises InvalidInputError: the code does not match the secret.
    """
    if user.has_second_factor or not user.totp_secret:
        raise ConflictError("start the setup first", code="no_pending_second_factor")
    if not pyotp.TOTP(user.totp_secret).verify(_digits(code), valid_window=1):
        raise InvalidInputError.at(("code",), "the code is wrong or has expired")
    user.totp_enabled_at = utcnow()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_token_digest(c)) for c in codes)
    db.session.flush()
    return codes


def disable_second_factor(user: User, code: str) -> None:
    """Turn TOTP off after proving it once more (platform staff may not).

    :raises ForbiddenError: platform staff must keep a second factor.
    :raises InvalidInputError: the code is wrong.
    """
    if any(m.organization.kind == OrgKind.PLATFORM for m in user.memberships):
        raise ForbiddenError("platform staff must keep a second factor")
    if not verify_second_factor(user, code):
        raise InvalidInputError.at(("code",), "the code is wrong or has expired")
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def verify_second_factor(user: User, code: str) -> bool:
    """Whether ``code`` is the current TOTP code or an unspent recovery code (which is spent now)."""
    if not user.has_second_factor:
        return False
    text = (code or "").strip().lower()
    if pyotp.TOTP(user.totp_secret).verify(_digits(text), valid_window=1):
        return True
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _token_digest(text),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .returning(RecoveryCode.id)
    ).first()
    return spent is not None


def recovery_codes_left(user: User) -> int:
    """How many unspent recovery codes the user has."""
    return db.session.execute(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar_one()


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def authenticate(token: str) -> Session | None:
    """Resolve a bearer token to its session, or None when it is unknown, revoked or expired."""
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).scalar_one_or_none()
    now = utcnow()
    if row is None or not row.is_usable(now):
        return None
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == row.user_id, Membership.org_id == row.org_id)
    ).scalar_one_or_none()
    if membership is None or not membership.user.is_active:
        return None
    return Session(user=membership.user, organization=membership.organization, membership=membership, token=row)


def revoke_token(token_id: int) -> None:
    """Revoke the token ``token_id`` (idempotent; an unknown id is a no-op)."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def _own_organization(actor: Actor, org_id: int) -> Organization:
    """The organisation ``org_id`` if it is the actor's own (anything else does not exist for the caller).

    :raises NotFoundError: another organisation, or no such organisation.
    """
    return Organization.one(Organization.for_org(actor.org_id), org_id)


def _require_manager(actor: Actor, message: str) -> None:
    """:raises ForbiddenError: the actor's membership role may not manage members or settings."""
    if actor.member_role not in MANAGERS:
        raise ForbiddenError(message)


def can_manage(actor: Actor) -> bool:
    """Whether the actor's role manages members and the organisation's settings (owners and admins)."""
    return actor.member_role in MANAGERS


def is_manager_role(role: str) -> bool:
    """Whether ``role`` manages members and settings."""
    return role in MANAGERS


def roles_for(kind: str) -> tuple[MemberRole, ...]:
    """The roles a membership may hold in an organisation of ``kind``."""
    return ROLES[kind]


def add_member(actor: Actor, org_id: int, data: dict) -> Membership:
    """Add a person to the actor's organisation with a role (creating their account if new).

    :raises NotFoundError: ``org_id`` is not the actor's organisation.
    :raises ForbiddenError: the actor may not manage members.
    :raises ConflictError: the person is already a member.
    """
    org = _own_organization(actor, org_id)
    _require_manager(actor, "only owners and admins manage members")
    if data["role"] not in ROLES[org.kind]:
        raise InvalidInputError("unknown role", fields={"role": [f"must be one of {', '.join(ROLES[org.kind])}"]})
    email = data["email"].strip().lower()
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = create_user(email, data["name"], data["password"], org.locale)
    elif db.session.execute(Membership.for_org(org.id).where(Membership.user_id == user.id)).first():
        raise ConflictError("this person is already a member", code="already_member")
    return add_membership(user, org, data["role"])


def update_organization(actor: Actor, org_id: int, data: dict) -> Organization:
    """Owners and admins change their organisation's name, currency, language, tax code and approval threshold.

    :raises NotFoundError: not the actor's organisation.
    :raises ForbiddenError: the actor may not manage the organisation.
    :raises InvalidInputError: the threshold does not fit the currency, or is negative.
    """
    org = _own_organization(actor, org_id)
    _require_manager(actor, "only owners and admins change the organisation")
    for key in ("name", "currency", "locale"):
        if key in data:
            setattr(org, key, data[key])
    if "tax_code" in data:
        org.tax_code = (data["tax_code"] or "").strip() or None
    if "approval_threshold" in data:
        raw = data["approval_threshold"]
        org.approval_threshold = None if raw is None else to_minor(raw, org.currency, ("approval_threshold",))
    db.session.flush()
    return org


def list_members(actor: Actor, org_id: int, params: dict) -> dict:
    """One page of the members of the actor's organisation, by membership id.

    :raises NotFoundError: not the actor's organisation.
    """
    org = _own_organization(actor, org_id)
    return paginate(Membership.for_org(org.id), params, Membership.id)


def change_member_role(actor: Actor, org_id: int, membership_id: int, role: str) -> Membership:
    """Owners and admins give a member of their organisation another role.

    :raises NotFoundError: not the actor's organisation, or no such member in it.
    :raises ForbiddenError: the actor may not manage members.
    :raises InvalidInputError: the role does not exist for the organisation's kind.
    :raises ConflictError: the change would leave the organisation without an owner.
    """
    org = _own_organization(actor, org_id)
    _require_manager(actor, "only owners and admins manage members")
    if role not in ROLES[org.kind]:
        raise InvalidInputError.at(("role",), "unknown role")
    # one role change per organisation at a time: two owners cannot demote each other at once
    db.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    membership = db.session.execute(
        Membership.for_org(org.id).where(Membership.id == membership_id).with_for_update(of=Membership)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if membership is None:
        raise NotFoundError("no such member")
    if membership.role == role:
        return membership  # nothing changes
    if membership.role == MemberRole.OWNER and role != MemberRole.OWNER and org.kind != OrgKind.PLATFORM:
        owners = db.session.execute(select(func.count(Membership.id)).where(
            Membership.org_id == org.id, Membership.role == MemberRole.OWNER)).scalar_one()
        if owners <= 1:
            raise ConflictError("the organisation must keep at least one owner", code="last_owner")
    if membership.role == MemberRole.OWNER and actor.member_role != MemberRole.OWNER:
        raise ForbiddenError("only owners change an owner's role")
    if role == MemberRole.OWNER and actor.member_role != MemberRole.OWNER:
        raise ForbiddenError("only owners make someone an owner")
    membership.role = role
    db.session.flush()
    return membership


def update_profile(user_id: int, data: dict) -> User:
    """A person changes their own name, language or time zone (an IANA name; empty: the platform's default).

    :raises InvalidInputError: an unknown time zone or language.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user")
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise InvalidInputError.at(("name",), "enter your name")
        user.name = name
    if "locale" in data:
        if data["locale"] not in ("vi", "en"):
            raise InvalidInputError.at(("locale",), "unknown language")
        user.locale = data["locale"]
    if "timezone" in data:
        zone = (data["timezone"] or "").strip() or None
        if zone is not None and not valid_timezone(zone):
            raise InvalidInputError.at(("timezone",), "unknown time zone, use a name such as Asia/Ho_Chi_Minh")
        user.timezone = zone
    db.session.flush()
    return user


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (``Asia/Ho_Chi_Minh``)."""
    if "/" not in name and name not in ("UTC",):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


#: the shortest password accepted anywhere (sign-up, new members, password changes)
MIN_PASSWORD_LENGTH = 10


def change_password(user_id: int, current_password: str, new_password: str, keep_token_id: int | None = None) -> None:
    """A person changes their password after proving the current one; their other sessions are logged out.

    :raises InvalidInputError: the current password is wrong, or the new one is too short.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user")
    if not verify_password(user.password_hash, current_password or ""):
        raise InvalidInputError.at(("current_password",), "the current password is wrong")
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInputError.at(("new_password",), "use at least 10 characters")
    user.password_hash = hash_password(new_password)
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                                              ApiToken.id != (keep_token_id or 0)).values(revoked_at=utcnow()))
    db.session.flush()


def count_users() -> int:
    """How many users exist."""
    return db.session.execute(select(func.count(User.id))).scalar_one()
