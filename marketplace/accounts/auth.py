"""Request authentication: bearer tokens resolve to a session on ``g``; views declare who may call."""

from __future__ import annotations

import functools
from typing import Callable

from flask import g

from ..actors import Actor, ActorRole
from ..errors import ForbiddenError, UnauthorizedError
from ..http import idempotency
from ..http.auth import bearer_token
from .models import MemberRole, OrgKind
from .services import Session, authenticate

#: organisation kind -> the role it plays in state-machine tables
ACTOR_ROLE = {OrgKind.BUYER: ActorRole.BUYER, OrgKind.VENDOR: ActorRole.VENDOR, OrgKind.PLATFORM: ActorRole.ADMIN}


def current() -> Session:
    """The session of the authenticated request."""
    return g.session


def _actor(s: Session) -> Actor:
    return Actor(ACTOR_ROLE[s.kind], user_id=s.user.id, org_id=s.organization.id, member_role=s.role)


def current_actor() -> Actor:
    """The authenticated caller as a state-machine actor."""
    return _actor(g.session)


def optional_actor() -> Actor | None:
    """The caller on public endpoints as an actor; None without a (valid) bearer token."""
    session = optional_session()
    return _actor(session) if session else None


def _load_session() -> Session:
    token = bearer_token()
    if token is None:
        raise UnauthorizedError("send a bearer token: Authorization: Bearer <token>")
    session = authenticate(token)
    if session is None:
        raise UnauthorizedError("the token is unknown, revoked or expired", code="bad_token")
    return session


def optional_session() -> Session | None:
    """The caller's session on public endpoints: None without a (valid) bearer token."""
    token = bearer_token()
    return authenticate(token) if token else None


def login_required(*kinds: OrgKind, roles: tuple[MemberRole, ...] | None = None) -> Callable:
    """Require a valid token; optionally one of the organisation ``kinds`` (:class:`OrgKind`) and one of the
    membership ``roles`` (:class:`MemberRole`)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.session = _load_session()
            if kinds and g.session.kind not in kinds:
                raise ForbiddenError(f"this needs a {' or '.join(kinds)} organisation")
            if roles and g.session.role not in roles:
                raise ForbiddenError(f"this needs one of the roles: {', '.join(roles)}")
            replay = idempotency.claim(g.session.user.id)
            if replay is not None:  # the same Idempotency-Key and body: the stored response
                return replay
            return view(*args, **kwargs)

        wrapper._login_required = True  # read by the OpenAPI security marker
        return wrapper

    return decorator
