"""Request authentication: bearer tokens resolve to a session on ``g``; views declare who may call."""

from __future__ import annotations

import functools
from typing import Callable

from flask import g, request

from ..errors import ForbiddenError, UnauthorizedError
from ..statemachine import Actor
from .services import Session, authenticate

#: organisation kind -> the role it plays in state-machine tables
ACTOR_ROLE = {"buyer": "buyer", "vendor": "vendor", "platform": "admin"}


def current() -> Session:
    return g.session


def current_actor() -> Actor:
    s = g.session
    return Actor(ACTOR_ROLE[s.kind], user_id=s.user.id, org_id=s.organization.id, member_role=s.role)


def _load_session() -> Session:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("send a bearer token: Authorization: Bearer <token>")
    session = authenticate(token.strip())
    if session is None:
        raise UnauthorizedError("the token is unknown, revoked or expired", code="bad_token")
    return session


def login_required(*kinds: str, roles: tuple[str, ...] | None = None) -> Callable:
    """Require a valid token; optionally an organisation kind (buyer/vendor/platform) and roles."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.session = _load_session()
            if kinds and g.session.kind not in kinds:
                raise ForbiddenError(f"this needs a {' or '.join(kinds)} organisation")
            if roles and g.session.role not in roles:
                raise ForbiddenError(f"this needs one of the roles: {', '.join(roles)}")
            return view(*args, **kwargs)

        wrapper._login_required = True  # read by the OpenAPI security marker
        return wrapper

    return decorator
