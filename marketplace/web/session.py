"""The web session: a signed, HttpOnly, SameSite cookie holding an API token of the same accounts.

Logging in on a page issues the same kind of token the API's login does (named ``web``); logging out
revokes it. Every page resolves the cookie's token exactly as the API resolves a bearer token, so the
two can never disagree about who someone is or what they may do.
"""

from __future__ import annotations

import functools
from typing import Callable
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for

from ..accounts.models import MemberRole, OrgKind
from ..accounts.services import Grant, Session, authenticate

#: session keys: the token, and the user waiting for their second factor after a right password
TOKEN_KEY = "token"
PENDING_KEY = "pending_user"


def start(grant: Grant) -> None:
    """Log the person in: a fresh session (no fixation) holding the grant's token."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[TOKEN_KEY] = grant.token
    session.permanent = True


def end() -> None:
    """Forget the session (the caller revokes the token)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load() -> Session | None:
    """The session of the cookie's token, set on ``g`` for the services and templates; None when logged out."""
    if "session" in g:
        return g.session
    token = session.get(TOKEN_KEY)
    found = authenticate(token) if token else None
    if found is None and token:
        session.pop(TOKEN_KEY, None)  # revoked or expired elsewhere: the cookie is useless now
    g.session = found
    return found


def safe_next(target: str | None, default: str) -> str:
    """Where to go after logging in: only a path on this site (never another host)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


#: pages a platform admin without a second factor may still see (to set it up)
SECOND_FACTOR_SETUP = "web_account.security"


def page_login_required(*kinds: OrgKind, roles: tuple[MemberRole, ...] | None = None) -> Callable:
    """A page for logged-in people (optionally of organisation ``kinds`` and membership ``roles``).

    Logged out: the login page, coming back here afterwards. Wrong kind or role: the 403 page.
    Platform staff must have a second factor before any other page.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            who = load()
            if who is None:
                return redirect(url_for("web_public.login", next=request.full_path.rstrip("?")))
            if (who.kind == OrgKind.PLATFORM and not who.user.has_second_factor
                    and request.endpoint != SECOND_FACTOR_SETUP):
                return redirect(url_for(SECOND_FACTOR_SETUP))
            if kinds and who.kind not in kinds:
                abort(403)
            if roles and who.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
