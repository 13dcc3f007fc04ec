"""Pages every logged-in person has: profile, security (second factor), members, notifications; and sign-up."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...accounts import services as accounts
from ...accounts.auth import current, current_actor
from ...accounts.models import OrgKind
from ...accounts.schemas import MemberCreateSchema, RegisterSchema
from ...extensions import db, limiter
from ...money import CURRENCY_EXPONENTS
from ...notifications import preferences
from ...notifications import services as notifications
from ...notifications.links import page_path
from ...notifications.models import NotificationKind, NotificationTopic
from .. import session
from ..forms import AmountField, Form, attempt, load, page
from ..i18n import LANG_KEY, locale_code

bp = Blueprint("web_account", __name__, url_prefix="/account")


#: the form rules' messages in the reader's language (WTForms ships no Vietnamese catalogue)
REQUIRED = DataRequired(message=_l("Please fill in this field."))
PASSWORD_RULE = Length(min=10, max=200, message=_l("Use at least 10 characters (at most 200)."))


#: the shape of an e-mail address (the API's schema checks it fully)
EMAIL_RULE = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address such as lan@congty.vn."))


def _length(maximum: int, minimum: int = -1) -> Length:
    return Length(min=minimum, max=maximum, message=_l("This text is too long or too short."))


#: the languages offered, each named in itself
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
CURRENCIES = [(c, c) for c in sorted(CURRENCY_EXPONENTS)]
#: time zones suggested in the profile form (any IANA name is accepted)
SUGGESTED_ZONES = ("Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
                   "Asia/Seoul", "Europe/London", "Europe/Berlin", "America/New_York", "UTC")


# --- sign-up --------------------------------------------------------------------------------------

class SignupForm(Form):
    name = StringField(_l("Your name"), validators=[REQUIRED, _length(200)])
    email = EmailField(_l("E-mail"), validators=[REQUIRED, EMAIL_RULE, _length(254)])
    password = PasswordField(_l("Password"), validators=[REQUIRED, PASSWORD_RULE],
                             render_kw={"autocomplete": "new-password"})
    org_name = StringField(_l("Company name"), validators=[REQUIRED, _length(200, 2)])
    kind = RadioField(_l("Your company"), choices=[(OrgKind.BUYER.value, _l("buys goods (buyer)")),
                                                   (OrgKind.VENDOR.value, _l("sells goods (vendor)"))],
                      validators=[REQUIRED])
    country = StringField(_l("Country (ISO code)"), default="VN", validators=[REQUIRED, _length(2, 2)])
    currency = SelectField(_l("Currency"), choices=CURRENCIES, default="VND")
    locale = SelectField(_l("Language"), choices=LANGUAGES)


#: the API schema's field names -> the form's
SIGNUP_FIELDS = {"organization-name": "org_name", "organization-kind": "kind", "organization-country": "country",
                 "organization-currency": "currency", "organization-locale": "locale"}


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def signup():
    """A person creates an account with a new buyer or vendor organisation they own, and is logged in."""
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = locale_code()
    if form.validate_on_submit():
        data = {"name": form.name.data, "email": form.email.data, "password": form.password.data,
                "organization": {"name": form.org_name.data, "kind": form.kind.data,
                                 "country": (form.country.data or "").strip().upper(),
                                 "currency": form.currency.data, "locale": form.locale.data}}
        grant = attempt(form, lambda: accounts.register_account(load(RegisterSchema(), data)), SIGNUP_FIELDS)
        if grant is not None:
            session.start(grant)
            cookie[LANG_KEY] = grant.user.locale
            flash(_("Welcome! Your account for %(org)s is ready.", org=grant.organization.name))
            return redirect(url_for("web_public.index"))
    return page("account/signup.html", form)


# --- profile --------------------------------------------------------------------------------------

class ProfileForm(Form):
    name = StringField(_l("Your name"), validators=[REQUIRED, _length(200)])
    locale = SelectField(_l("Language"), choices=LANGUAGES)
    timezone = StringField(_l("Time zone"), validators=[Optional(), _length(64)],
                           render_kw={"list": "zones", "placeholder": "Asia/Ho_Chi_Minh"})


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[REQUIRED, _length(200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[REQUIRED, PASSWORD_RULE],
                                 render_kw={"autocomplete": "new-password"})


class OrganizationForm(Form):
    name = StringField(_l("Company name"), validators=[REQUIRED, _length(200, 2)])
    currency = SelectField(_l("Currency"), choices=CURRENCIES)
    tax_code = StringField(_l("Tax code"), validators=[Optional(), Regexp(
        r"^[0-9A-Za-z -]{5,32}$", message=_l("Use 5 to 32 letters, digits, spaces or dashes."))])
    approval_threshold = AmountField(_l("Approval threshold"))


@bp.route("/", methods=["GET", "POST"])
@session.page_login_required()
def profile():
    """The person's profile and password; the organisation's settings for owners and admins."""
    who = current()
    actor = current_actor()
    manager = accounts.can_manage(actor)
    org = who.organization
    action = request.form.get("action") if request.method == "POST" else None
    profile_form = ProfileForm(prefix="profile", formdata=request.form if action == "profile" else None,
                               data={"name": who.user.name, "locale": who.user.locale, "timezone": who.user.timezone})
    password_form = PasswordForm(prefix="password", formdata=request.form if action == "password" else None)
    org_form = OrganizationForm(prefix="org", formdata=request.form if action == "organization" else None,
                                data={"name": org.name, "currency": org.currency, "tax_code": org.tax_code})
    if action is None and org.approval_threshold is not None:
        org_form.approval_threshold.data = _amount_text(org.approval_threshold, org.currency)
    submitted = None
    if action == "profile":
        submitted = profile_form
        if profile_form.validate():
            user = attempt(profile_form, lambda: accounts.update_profile(who.user.id, {
                "name": profile_form.name.data, "locale": profile_form.locale.data,
                "timezone": profile_form.timezone.data}), _prefixed("profile", profile_form))
            if user is not None:
                cookie[LANG_KEY] = user.locale
                flash(_("Your profile was saved."))
                return redirect(url_for(".profile"))
    elif action == "password":
        submitted = password_form
        if password_form.validate():
            done = attempt(password_form, lambda: accounts.change_password(
                who.user.id, password_form.current_password.data, password_form.new_password.data,
                keep_token_id=who.token.id) or True, _prefixed("password", password_form))
            if done:
                flash(_("Your password was changed. Your other sessions were logged out."))
                return redirect(url_for(".profile"))
    elif action == "organization":
        submitted = org_form
        if org_form.validate():
            data = {"name": org_form.name.data, "currency": org_form.currency.data,
                    "tax_code": (org_form.tax_code.data or "").strip() or None}
            if org.kind == OrgKind.BUYER:
                data["approval_threshold"] = org_form.approval_threshold.data
            updated = attempt(org_form, lambda: accounts.update_organization(actor, org.id, data),
                              _prefixed("org", org_form))
            if updated is not None:
                flash(_("The organisation's settings were saved."))
                return redirect(url_for(".profile"))
    elif request.method == "POST":
        return redirect(url_for(".profile"))
    status = 422 if submitted is not None else 200
    return render_template("account/profile.html", profile_form=profile_form, password_form=password_form,
                           org_form=org_form, manager=manager, org=org, zones=SUGGESTED_ZONES), status


def _prefixed(prefix: str, form: Form) -> dict[str, str]:
    """The service's field names -> the prefixed form's (``timezone`` -> ``profile-timezone``)."""
    return {field.short_name: f"{prefix}-{field.short_name}" for field in form}


def _amount_text(minor: int, currency: str) -> str:
    """Minor units as the plain decimal a person edits (``2000000000``, ``12.5``)."""
    exponent = CURRENCY_EXPONENTS.get(currency, 0)
    if not exponent:
        return str(minor)
    whole, part = divmod(minor, 10 ** exponent)
    return f"{whole}.{part:0{exponent}d}"


# --- security: the second factor ------------------------------------------------------------------

class CodeForm(Form):
    code = StringField(_l("6-digit code from your authenticator app"), validators=[REQUIRED, _length(32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


def _qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code, an inline SVG data URI (the CSP allows ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@bp.route("/security", methods=["GET", "POST"])
@session.page_login_required()
def security():
    """The second factor: turn TOTP on (platform staff must), see how many recovery codes are left, turn it off."""
    who = current()
    user = who.user
    action = request.form.get("action") if request.method == "POST" else None
    form = CodeForm(formdata=request.form if action in ("enable", "disable") else None)
    codes = None
    if action == "begin":
        form = CodeForm(formdata=None)
        attempt(form, lambda: accounts.begin_second_factor(user))
    elif action == "enable" and form.validate():
        codes = attempt(form, lambda: accounts.enable_second_factor(user, form.code.data))
    elif action == "disable" and form.validate():
        if attempt(form, lambda: accounts.disable_second_factor(user, form.code.data) or True):
            flash(_("The second factor is off."))
            return redirect(url_for(".security"))
    pending = not user.has_second_factor and bool(user.totp_secret)
    context = {
        "form": form, "codes": codes, "pending": pending, "enabled": user.has_second_factor,
        "staff": any(m.organization.kind == OrgKind.PLATFORM for m in user.memberships),
        "left": accounts.recovery_codes_left(user) if user.has_second_factor else 0,
    }
    if pending:
        uri = accounts.second_factor_uri(user)
        context.update(secret=user.totp_secret, qr=_qr_data_uri(uri))
    status = 422 if action in ("enable", "disable") and form.has_errors else 200
    return render_template("account/security.html", **context), status


# --- members --------------------------------------------------------------------------------------

class InviteForm(Form):
    name = StringField(_l("Name"), validators=[REQUIRED, _length(200)])
    email = EmailField(_l("E-mail"), validators=[REQUIRED, EMAIL_RULE, _length(254)])
    role = SelectField(_l("Role"))
    password = PasswordField(_l("First password (tell them; they change it in their profile)"),
                             validators=[REQUIRED, PASSWORD_RULE],
                             render_kw={"autocomplete": "new-password"})


class RoleForm(Form):
    role = SelectField(_l("Role"))


def _role_choices(kind: str) -> list[tuple[str, str]]:
    return [(str(role), _status(role)) for role in accounts.roles_for(kind)]


def _first_member_role(kind: str) -> str:
    """The role a new member gets unless the manager picks another: the first that manages nothing."""
    return next((str(r) for r in accounts.roles_for(kind) if not accounts.is_manager_role(r)), "")


def _status(value: str) -> str:
    """A member role in the page's language."""
    return current_app.jinja_env.filters["status"](value, "role")


def _members_page(invite: InviteForm, role_form: RoleForm | None = None):
    who = current()
    actor = current_actor()
    params = {"limit": 50, "cursor": request.args.get("cursor")}
    members = accounts.list_members(actor, who.organization.id, params)
    return page("account/members.html", invite, members=members, manager=accounts.can_manage(actor),
                role_form=role_form, roles=_role_choices(who.organization.kind), org=who.organization)


@bp.route("/members", methods=["GET", "POST"])
@session.page_login_required()
def members():
    """The organisation's members; owners and admins add people and change their roles."""
    who = current()
    form = InviteForm()
    form.role.choices = _role_choices(who.organization.kind)
    if not form.is_submitted():
        form.role.data = _first_member_role(who.organization.kind)
    if form.validate_on_submit():
        data = {"name": form.name.data, "email": form.email.data, "password": form.password.data,
                "role": form.role.data}
        added = attempt(form, lambda: accounts.add_member(current_actor(), who.organization.id,
                                                          load(MemberCreateSchema(), data)))
        if added is not None:
            flash(_("%(name)s was added as %(role)s.", name=added.user.name, role=_status(added.role)))
            return redirect(url_for(".members"))
    return _members_page(form)


@bp.post("/members/<int:membership_id>/role")
@session.page_login_required()
def member_role(membership_id: int):
    """Give a member another role (owners and admins)."""
    who = current()
    form = RoleForm()
    form.role.choices = _role_choices(who.organization.kind)
    if form.validate_on_submit():
        changed = attempt(form, lambda: accounts.change_member_role(current_actor(), who.organization.id,
                                                                     membership_id, form.role.data))
        if changed is not None:
            flash(_("%(name)s is now %(role)s.", name=changed.user.name, role=_status(changed.role)))
            return redirect(url_for(".members"))
    invite = InviteForm(formdata=None)
    invite.role.choices = form.role.choices
    return _members_page(invite, form)[0], 422


# --- notifications --------------------------------------------------------------------------------

def notification_link(org_kind: str, kind: str, data: dict) -> str | None:
    """The page a notification is about, for a reader in an organisation of ``org_kind`` (None: no such page);
    the same page its e-mail links to (:func:`notifications.links.page_path`)."""
    path = page_path(org_kind, kind, data)
    return request.script_root + path if path else None


@bp.get("/notifications", endpoint="notifications")
@session.page_login_required()
def notifications_page():
    """The notification centre: the organisation's feed in the reader's language, unread ones marked."""
    params = {"limit": 30, "cursor": request.args.get("cursor")}
    actor = current_actor()
    feed = notifications.feed(actor, params)
    links = {n.id: notification_link(current().kind, n.kind, n.data) for n in feed["items"]}
    return render_template("account/notifications.html", feed=feed, links=links,
                           unread=notifications.unread_count(actor))


@bp.post("/notifications/<int:notification_id>/read")
@session.page_login_required()
def mark_read(notification_id: int):
    """Mark one notification read."""
    notifications.mark_read(current_actor(), notification_id)  # another organisation's: the 404 page
    db.session.commit()
    return redirect(session.safe_next(request.form.get("next"), url_for(".notifications")))


@bp.post("/notifications/read")
@session.page_login_required()
def mark_all_read():
    """Mark every notification read."""
    form = Form()
    marked = attempt(form, lambda: notifications.mark_all_read(current_actor()))
    if marked:
        flash(_("Every notification is marked read."))
    return redirect(url_for(".notifications"))


@bp.get("/notifications/unread")
def unread():
    """The unread count in the header (an htmx fragment: the bell and the number, or nothing)."""
    who = session.load()
    count = 0
    if who is not None and (who.kind != OrgKind.PLATFORM or who.user.has_second_factor):
        count = notifications.unread_count(current_actor())
    return render_template("account/_unread.html", count=count)



# --- notification settings: e-mail per topic -------------------------------------------------------

#: each topic's name and what it holds, in the reader's language
TOPIC_LABELS = {
    NotificationTopic.DEALS: (_l("Deals and money"), _l("Approvals, payments, shipping, delivery, release of the money,"
                                                        " refunds, cancellations.")),
    NotificationTopic.RFQS: (_l("RFQs and quotes"),
                             _l("Invitations to quote, quotes and their revisions, awards, RFQ approvals.")),
    NotificationTopic.DISPUTES: (_l("Disputes"), _l("Disputes, offers, messages and decisions.")),
    NotificationTopic.ACCOUNT: (_l("Account and verification"),
                                _l("The vendor's verification and re-verification; platform alerts for admins.")),
}
#: the kinds that ask for an action (always e-mailed): the organisations they reach and how the page names them
ACTION_LABELS = {
    NotificationKind.RFQ_APPROVAL_REQUESTED: (OrgKind.BUYER, _l("an RFQ waits for your approval")),
    NotificationKind.DEAL_APPROVAL_REQUESTED: (OrgKind.BUYER, _l("a deal waits for your approval")),
    NotificationKind.DEAL_PAYABLE: (OrgKind.BUYER, _l("a deal waits for payment")),
    NotificationKind.DELIVERY_REPORTED: (OrgKind.BUYER, _l("a delivery waits for your confirmation")),
    NotificationKind.DEAL_FUNDED: (OrgKind.VENDOR, _l("a deal is funded and must be shipped")),
    NotificationKind.SHIP_BY_DUE: (OrgKind.VENDOR, _l("the ship-by date is near")),
    NotificationKind.VENDOR_VERIFICATION_REQUESTED: (OrgKind.PLATFORM, _l("a vendor waits for verification")),
    NotificationKind.VENDOR_CHANGE_REVIEW: (OrgKind.PLATFORM, _l("a vendor's change waits for re-verification")),
    NotificationKind.DISPUTE_OPENED: (OrgKind.VENDOR, _l("a buyer opened a dispute you must answer")),
    NotificationKind.DISPUTE_OPENED_BY_VENDOR: (OrgKind.BUYER, _l("a vendor opened a dispute you must answer")),
    NotificationKind.DISPUTE_OFFER_MADE: ((OrgKind.BUYER, OrgKind.VENDOR), _l("a settlement offer waits for your answer")),
    NotificationKind.DISPUTE_EVIDENCE_REQUESTED: ((OrgKind.BUYER, OrgKind.VENDOR),
                                                  _l("the platform asks you for evidence by a deadline")),
    NotificationKind.MILESTONE_DUE: (OrgKind.BUYER, _l("a payment falls due after delivery")),
    NotificationKind.MILESTONE_DUE_SOON: (OrgKind.BUYER, _l("a payment due after delivery is near its date")),
    NotificationKind.MILESTONE_OVERDUE: (OrgKind.BUYER, _l("a payment due after delivery is overdue")),
    NotificationKind.ORDER_APPROVAL_REQUESTED: (OrgKind.BUYER, _l("an order waits for your approval")),
    NotificationKind.ORDER_PLACED: (OrgKind.VENDOR, _l("an order waits for your confirmation")),
    NotificationKind.ORDER_CONFIRM_DUE: (OrgKind.VENDOR, _l("an order's confirmation deadline is near")),
    NotificationKind.CONTRACT_PROPOSED: ((OrgKind.BUYER, OrgKind.VENDOR), _l("a contract waits for your signature")),
    NotificationKind.CONTRACT_AMENDMENT_PROPOSED: ((OrgKind.BUYER, OrgKind.VENDOR), _l("a contract amendment waits for your acceptance")),
    NotificationKind.CONTRACT_EXPIRING: ((OrgKind.BUYER, OrgKind.VENDOR), _l("a contract ends soon")),
}
#: the one label of every topic's switch (the topic's name is its fieldset's legend)
EMAIL_ME = _l("Send me these e-mails")


class NotificationSettingsForm(Form):
    deals = BooleanField(EMAIL_ME)
    rfqs = BooleanField(EMAIL_ME)
    disputes = BooleanField(EMAIL_ME)
    account = BooleanField(EMAIL_ME)


def _always_emailed(org_kind: str, topic: str) -> list[str]:
    """What of ``topic`` is always e-mailed to members of an ``org_kind`` organisation, in the reader's words."""
    found = [ACTION_LABELS[kind] for kind in preferences.always_emailed(topic) if kind in ACTION_LABELS]
    return [str(label) for audience, label in found
            if org_kind == audience or (isinstance(audience, tuple) and org_kind in audience)]


@bp.route("/notifications/settings", methods=["GET", "POST"], endpoint="notification_settings")
@session.page_login_required()
def notification_settings():
    """Which e-mails the member gets, per topic; the in-app feed always has everything, and what asks for an
    action is always e-mailed (the page says which)."""
    actor = current_actor()
    current_choice = preferences.get_preferences(actor)["email"]
    form = NotificationSettingsForm(data=current_choice)
    if form.validate_on_submit():
        choice = {topic.value: bool(form[topic.value].data) for topic in NotificationTopic}
        if attempt(form, lambda: preferences.set_preferences(actor, choice)) is not None:
            flash(_("Your notification settings were saved."))
            return redirect(url_for(".notification_settings"))
    topics = [{"field": form[topic.value], "name": TOPIC_LABELS[topic][0], "help": TOPIC_LABELS[topic][1],
               "always": _always_emailed(current().kind, topic)} for topic in NotificationTopic]
    return page("account/notification_settings.html", form, topics=topics)
