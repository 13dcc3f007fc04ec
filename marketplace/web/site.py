"""Wires the interface into the app: Babel, CSRF, cookies, security headers, filters, error pages, blueprints."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_wtf.csrf import generate_csrf

from ..accounts.models import MemberRole, OrgKind
from ..extensions import babel, csrf
from ..settings import LOCALES
from . import i18n, session
from .menu import menu_for
from .views import BLUEPRINTS

HERE = Path(__file__).resolve().parent

#: the policy every page is served with: nothing inline, nothing from another origin
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'self'; "
                           "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")
#: the interactive API page (swagger-ui) needs its inline bootstrap script; nothing else does
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'")

#: people-facing titles and messages of the error pages, by status
ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your role does not allow this page or action.")),
    404: (_l("Page not found"), _l("There is nothing here, or it belongs to another organisation.")),
    405: (_l("Not allowed"), _l("This page does not accept that kind of request.")),
    409: (_l("Not possible now"), _l("This is not possible in the current state. Reload the page to see it.")),
    413: (_l("File too large"), _l("The file is larger than allowed.")),
    422: (_l("Invalid input"), _l("Some of what you entered is not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Your data is unchanged.")),
}
#: the CSRF refusal gets its own words (an expired page is the usual cause)
CSRF_MESSAGE = _l("The form has expired or was not sent from this site. Reload the page and try again.")


#: people-facing words for roles and organisation kinds (``|status("role")``, ``|status("org_kind")``)
i18n.register_labels("role", {
    MemberRole.OWNER: _l("owner"), MemberRole.ADMIN: _l("admin"), MemberRole.REQUESTER: _l("requester"),
    MemberRole.APPROVER: _l("approver"), MemberRole.FINANCE: _l("finance"), MemberRole.SALES: _l("sales"),
    MemberRole.FULFILMENT: _l("fulfilment"), MemberRole.SUPPORT: _l("support"),
})
i18n.register_labels("org_kind", {OrgKind.BUYER: _l("buyer"), OrgKind.VENDOR: _l("vendor"),
                                  OrgKind.PLATFORM: _l("platform")})


def render_error_page(status: int, code: str, message: str):
    """The error page for people, in their language (the API keeps its JSON envelope)."""
    title, text = ERROR_PAGES.get(status, ERROR_PAGES[500 if status >= 500 else 400])
    if code == "bad_request" and "CSRF" in (message or ""):
        text = CSRF_MESSAGE
    try:
        session.load()
    except Exception:  # noqa: BLE001 - the database may be why we are here; the page must still render
        g.session = None
    return render_template("errors/error.html", status=status, title=title, text=text), status


def init_web(app: Flask) -> None:
    """Bind Babel and CSRF, set the cookie policy, register filters, headers and the blueprints."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        SESSION_COOKIE_NAME="mkt_session",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        WTF_CSRF_CHECK_DEFAULT=False,  # the API authenticates by bearer token; pages check CSRF themselves
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_I18N_ENABLED=True,
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=app.config["DEFAULT_TIMEZONE"],
    )
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone,
                   default_translation_directories=str(HERE / "translations"))
    csrf.init_app(app)
    app.jinja_env.filters.update(money=i18n.money, number=i18n.number, when=i18n.when, iso=i18n.iso,
                                 status=i18n.status_label, unit=i18n.unit_label, quantity=i18n.quantity,
                                 region=i18n.region_name)
    app.jinja_env.globals.update(csrf_token=generate_csrf, LOCALES=LOCALES, OrgKind=OrgKind, MemberRole=MemberRole,
                                 has_page=lambda endpoint: endpoint in app.view_functions)
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def _page_context():
        if request.path.startswith("/api/"):
            return {}
        who = g.get("session")
        return {"who": who, "menu": menu_for(who), "lang": i18n.locale_code(), "demo": app.config["DEMO_MODE"]}

    @app.after_request
    def _security_headers(response):
        policy = DOCS_POLICY if request.path.startswith("/api/v1/docs") else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if not request.path.startswith("/api/") and response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")  # pages carry private data
        return response

    names = {blueprint.name for blueprint in BLUEPRINTS}

    @app.before_request
    def _fresh_request() -> None:
        # the app context (and ``g``) can outlive a request (tests, CLI): who is asking and in which
        # language is decided anew for every request
        g.pop("session", None)
        refresh()

    @app.teardown_request
    def _forget_caller(exc) -> None:
        g.pop("session", None)  # nothing of this request's caller survives into the next one

    @app.before_request
    def _protect() -> None:
        # every state-changing page request carries the form's CSRF token (a refusal is the 400 page)
        if request.blueprint in names and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
