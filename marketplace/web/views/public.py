"""Pages anyone may open: the home page, logging in (with the second factor) and out, the language switcher."""

from __future__ import annotations

import pyotp
from flask import Blueprint, current_app, redirect, request, url_for
from flask import session as cookie
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ...accounts import services as accounts
from ...accounts.models import OrgKind, User
from ...errors import UnauthorizedError
from ...extensions import db, limiter
from ...http.limits import address_and_field
from ...settings import LOCALES
from .. import session
from ..forms import Form, attempt, page, show_error

bp = Blueprint("web_public", __name__)

#: where each kind of organisation lands after logging in
HOME = {OrgKind.BUYER: "web_buyer.search", OrgKind.VENDOR: "web_vendor.onboarding",
        OrgKind.PLATFORM: "web_admin.verifications"}


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SecondFactorForm(Form):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=32)], render_kw={"autocomplete": "one-time-code"})


def home_url(who) -> str:
    """The first page of a logged-in person's work."""
    endpoint = HOME.get(who.kind, "web_deals.deals")
    return url_for(endpoint) if endpoint in current_app.view_functions else url_for("web_deals.deals")


@bp.get("/")
def index():
    """Logged in: the person's first page; otherwise the login page."""
    who = session.load()
    return redirect(home_url(who) if who else url_for("web_public.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=address_and_field("email"),
               methods=["POST"])
def login():
    """E-mail and password; then the second factor for people who have one."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.check_password(form.email.data, form.password.data)
        except UnauthorizedError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            target = session.safe_next(request.args.get("next"), "")
            if user.has_second_factor:
                db.session.commit()
                cookie[session.PENDING_KEY] = user.id
                return redirect(url_for("web_public.second_factor", next=target or None))
            grant = attempt(form, lambda: accounts.grant_session(user, name="web"))
            if grant is not None:
                session.start(grant)
                return redirect(target or url_for("web_public.index"))
    demo_logins = current_app.config["DEMO_MODE"] and demo_accounts()
    return page("public/login.html", form, demo_logins=demo_logins, demo_code=demo_code,
                demo_password=DEMO_PASSWORD)


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def second_factor():
    """The code from the authenticator app (or a recovery code) after a right password."""
    user_id = cookie.get(session.PENDING_KEY)
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return redirect(url_for("web_public.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if accounts.verify_second_factor(user, form.code.data):
            grant = attempt(form, lambda: accounts.grant_session(user, name="web"))
            if grant is not None:
                session.start(grant)
                return redirect(session.safe_next(request.args.get("next"), url_for("web_public.index")))
        else:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(_l("The code is wrong or has expired."))]
    return page("public/second_factor.html", form, demo_code=demo_code(user))


@bp.post("/logout")
def logout():
    """Revoke the session's token and forget the cookie."""
    who = session.load()
    if who is not None:
        accounts.revoke_token(who.token.id)
        db.session.commit()
    session.end()
    return redirect(url_for("web_public.login"))


@bp.post("/language")
def language():
    """The switcher: remember the language for this browser (and for the user, when logged in)."""
    lang = request.form.get("lang")
    if lang in LOCALES:
        cookie["lang"] = lang
        who = session.load()
        if who is not None and who.user.locale != lang:
            who.user.locale = lang
            db.session.commit()
    return redirect(session.safe_next(request.form.get("next"), url_for("web_public.index")))


#: the demo data set's e-mail domain and password (``marketplace demo`` seeds these accounts)
DEMO_DOMAIN = "@demo.local"
DEMO_PASSWORD = "demo-password-1"


def demo_code(user: User) -> str | None:
    """Demo mode only: the current second-factor code of a demo account that has one (so visitors can log in)."""
    if (not current_app.config["DEMO_MODE"] or not user.email.endswith(DEMO_DOMAIN)
            or not user.has_second_factor):
        return None
    return pyotp.TOTP(user.totp_secret).now()


def demo_accounts() -> list[User]:
    """Demo mode only: the seeded accounts, listed on the login page."""
    return list(db.session.execute(select(User).where(User.email.endswith(DEMO_DOMAIN)).order_by(User.id)).scalars())
