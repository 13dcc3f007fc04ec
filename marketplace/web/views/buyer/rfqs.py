"""Buyer pages: the RFQ builder, the RFQ list and page with its actions, and approvals."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ....accounts.auth import current, current_actor
from ....accounts.models import User
from ....deals.services import APPROVER_ROLES
from ....extensions import db
from ....rfq import services as rfqs
from ....rfq.models import INCOTERMS, RfqStatus, RfqVisibility
from ....rfq.schemas import RfqCreateSchema
from ....rfq.services.award import rfq_deals
from ....rfq.services.rfqs import (
    approvals_queue,
    approve_rfq,
    build_rfq,
    buyer_rfq_next_step,
    is_awaiting_approval,
    is_matching,
    needs_approval,
    reject_rfq_approval,
    rfq_timeline,
    submit_rfq,
)
from ....rfq.states import rfq_machine
from ...forms import AmountField, Form, attempt, load, page
from ...session import page_login_required
from . import bp
from .common import BUYER, WRITERS, category_choices

#: how many empty line rows the RFQ builder starts with
EMPTY_LINES = 3

#: the RFQ's and its quotes' events as people read them on the timeline
RFQ_EVENTS = {
    "create": _l("RFQ drafted"), "publish": _l("Published: vendors may quote"),
    "approval_requested": _l("Sent to the approvers"), "approved": _l("Approved"),
    "approval_rejected": _l("Approval refused"), "matched": _l("Matching done: vendors invited"),
    "close": _l("Quoting closed"), "award": _l("Awarded"), "cancel": _l("Cancelled"), "expire": _l("Expired unawarded"),
}
QUOTE_EVENTS = {
    "create": _l("Quote #%(id)s received"), "revise": _l("Quote #%(id)s revised"),
    "accept": _l("Quote #%(id)s accepted"), "reject": _l("Quote #%(id)s rejected"),
    "withdraw": _l("Quote #%(id)s withdrawn"), "expire": _l("Quote #%(id)s expired"),
    "revision_requested": _l("Revision of quote #%(id)s requested"),
}
#: the viewer's next step, what happens when its deadline lapses, and on whom the RFQ waits
NEXT_ACTIONS = {
    "publish": _l("Publish the RFQ so vendors can quote."),
    "submit_for_approval": _l("Submit the RFQ: it is above your organisation's approval threshold, so an approver "
                              "must approve it."),
    "approve": _l("Approve or refuse this RFQ (it is above the approval threshold)."),
    "award": _l("Compare the quotes and award whole quotes or single lines."),
    "award_rest": _l("Some lines are not awarded yet: compare and award them."),
}
LAPSES = {
    "deadline_passes": _l("the quote deadline passes and must be set again before publishing"),
    "closes": _l("quoting closes; you can still compare and award"),
    "expires": _l("the RFQ expires unawarded"),
}
WAITING = {
    "approver": _l("Waiting for an approver of your organisation."),
    "vendor": _l("Waiting for vendors' quotes."),
}
NOTHING_TO_DO = _l("Nothing is asked of you now.")
#: the matcher's HS levels in words
HS_LEVELS = {"subheading": _l("subheading (6 digits)"), "heading": _l("heading (4 digits)"),
             "chapter": _l("chapter (2 digits)")}


# --- the RFQ builder --------------------------------------------------------------------------------------


class LineForm(PlainForm):
    description = StringField(_l("Item"), validators=[Optional(), Length(max=2000)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1, max=10**12, message=_l(
        "Enter a quantity of at least 1."))], render_kw={"type": "number"})
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=16)], render_kw={"placeholder": _l("e.g. piece, kg, m")})
    hs_code = StringField(_l("HS code"), validators=[Optional(), Regexp(r"^\d{2,10}$", message=_l(
        "2 to 10 digits, e.g. 848210."))])
    category_id = SelectField(_l("Category"), coerce=str, validate_choice=False)
    target_unit_price = AmountField(_l("Target unit price"), validators=[Optional()])


class RfqForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(
        min=3, max=300, message=_l("Between 3 and 300 characters."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_LINES, max_entries=200)
    incoterm = SelectField(_l("Incoterm"), choices=[(t, t) for t in INCOTERMS], default="DAP")
    named_place = StringField(_l("Named place"), validators=[Optional(), Length(max=200)])
    delivery_region = StringField(_l("Delivery region"), validators=[Optional(), Regexp(
        r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", message=_l("A region code such as VN or VN-SG."))],
        render_kw={"placeholder": "VN-SG"})
    delivery_address = TextAreaField(_l("Delivery address"), validators=[Optional(), Length(max=2000)])
    needed_by = DateField(_l("Needed by"), validators=[Optional()])
    quote_deadline = DateTimeLocalField(_l("Quote deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    visibility = RadioField(_l("Who may quote"), default=RfqVisibility.INVITE_ONLY.value, choices=[
        (RfqVisibility.INVITE_ONLY.value, _l("Only vendors we invite (and the matched ones)")),
        (RfqVisibility.OPEN.value, _l("Open: every verified vendor may quote"))])


LINE_FIELDS = ("description", "quantity", "unit", "hs_code", "category_id", "target_unit_price")


def _aware(local):
    """A date-time typed in the viewer's zone as an aware instant (ISO text for the API's schema)."""
    tz = get_timezone()
    aware = tz.localize(local) if hasattr(tz, "localize") else local.replace(tzinfo=tz)
    return aware.isoformat()


def _rfq_data(form: RfqForm) -> tuple[dict, dict]:
    """The body the JSON endpoint would receive, and the aliases from its line indexes to the form's rows."""
    lines, aliases = [], {}
    for row, entry in enumerate(form.lines.entries):
        line = entry.form
        if not any([line.description.data, line.quantity.data, line.hs_code.data, line.target_unit_price.data]):
            continue  # an empty row of the builder
        body = {"description": line.description.data or "", "unit": line.unit.data or ""}
        if line.quantity.data is not None:
            body["quantity"] = line.quantity.data
        if not body["description"]:
            del body["description"]
        if not body["unit"]:
            del body["unit"]
        if line.hs_code.data:
            body["hs_code"] = line.hs_code.data
        if (line.category_id.data or "").isdigit():
            body["category_id"] = int(line.category_id.data)
        if line.target_unit_price.data:
            body["target_unit_price"] = line.target_unit_price.data
        for name in LINE_FIELDS:
            aliases[f"lines-{len(lines)}-{name}"] = f"lines-{row}-{name}"
        lines.append(body)
    aliases["lines"] = "lines-0-description"
    data = {"title": form.title.data, "description": form.description.data or "", "incoterm": form.incoterm.data,
            "visibility": form.visibility.data, "lines": lines}
    for name in ("named_place", "delivery_region", "delivery_address"):
        if getattr(form, name).data:
            data[name] = getattr(form, name).data
    if form.needed_by.data:
        data["needed_by"] = form.needed_by.data.isoformat()
    if form.quote_deadline.data:
        data["quote_deadline"] = _aware(form.quote_deadline.data)
    return data, aliases


@bp.route("/rfqs/new", methods=["GET", "POST"])
@page_login_required(BUYER, roles=WRITERS)
def new_rfq():
    """The RFQ builder: lines (add more), terms, deadline, visibility; save as a draft or publish / submit."""
    form = RfqForm()
    choices = category_choices(_("No category"))
    action = request.form.get("action")
    if form.is_submitted() and action == "add_line":
        form.lines.append_entry()
    for entry in form.lines.entries:
        entry.form.category_id.choices = choices
    if form.is_submitted() and action == "add_line":
        return render_template("buyer/rfq_new.html", form=form)
    if form.validate_on_submit():
        data, aliases = _rfq_data(form)
        actor = current_actor()
        rfq = attempt(form, lambda: build_rfq(actor, load(RfqCreateSchema(), data), submit=action == "publish"),
                      aliases)
        if rfq is not None:
            if action != "publish":
                flash(_("The RFQ is saved as a draft."), "success")
            elif rfq.status == RfqStatus.OPEN:
                flash(_("The RFQ is published; matching vendors are being invited."), "success")
            else:
                flash(_("The RFQ is above your organisation's approval threshold: it was sent to the approvers."),
                      "success")
            return redirect(url_for("web_buyer.rfq", rfq_id=rfq.id))
    return page("buyer/rfq_new.html", form)


# --- RFQ list, RFQ page, actions --------------------------------------------------------------------------


@bp.get("/rfqs", endpoint="rfqs")
@page_login_required(BUYER)
def rfq_list():
    """The organisation's RFQs, newest first in pages."""
    params = {"limit": 20}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    found = rfqs.list_rfqs(current_actor(), params)
    waiting = {r.id for r in found["items"] if r.status == RfqStatus.DRAFT and is_awaiting_approval(r)}
    return render_template("buyer/rfqs.html", rfqs=found["items"], next_cursor=found["next_cursor"], waiting=waiting,
                           can_write=current().role in WRITERS)


def _timeline(actor, rfq_id: int) -> list[dict]:
    events = rfq_timeline(actor, rfq_id)
    ids = {event.actor_user_id for event in events if event.actor_user_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    items = []
    for event in events:
        who = names.get(event.actor_user_id, "") if event.actor_user_id else None
        if event.subject_type == "quote":
            label = QUOTE_EVENTS.get(event.name)
            text = str(label) % {"id": event.subject_id} if label else event.name
        else:
            text = str(RFQ_EVENTS.get(event.name, event.name))
            if event.name == "approval_rejected" and event.payload.get("reason"):
                text = f"{text}: {event.payload['reason']}"
        items.append({"at": event.at, "actor": who or _system_actor(event.actor_role), "text": text})
    return items


def _system_actor(role: str) -> str:
    return {"system": _("The platform"), "vendor": _("Vendor"), "buyer": _("Buyer"), "admin": _("Platform admin")}.get(
        role, role)


def _next_step(actor, rfq) -> dict:
    step = buyer_rfq_next_step(actor, rfq)
    if step.action:
        what = NEXT_ACTIONS.get(step.action, step.action)
    else:
        what = WAITING.get(step.waiting_for, NOTHING_TO_DO)
    return {"what": what, "deadline": step.deadline, "lapse": LAPSES.get(step.lapse) if step.lapse else None,
            "action": step.action}


def _invitations(actor, rfq_id: int) -> list:
    return rfqs.invitations_page(actor, rfq_id, {"limit": 100})["items"]


@bp.get("/rfqs/<int:rfq_id>")
@page_login_required(BUYER)
def rfq(rfq_id: int):
    """One RFQ: lines, status, invitations with why each vendor was matched, quotes, deals, timeline, next step."""
    actor = current_actor()
    item = rfqs.buyer_rfq(actor, rfq_id)
    role = current().role
    quotes = rfqs.list_quotes(actor, rfq_id, {"limit": 100})["items"]
    allowed = rfq_machine.allowed(item.status, actor.role)
    awaiting = is_awaiting_approval(item)
    return render_template(
        "buyer/rfq.html", rfq=item, quotes=quotes, invitations=_invitations(actor, rfq_id),
        matching=is_matching(item), deals=rfq_deals(actor, rfq_id), events=_timeline(actor, rfq_id),
        next=_next_step(actor, item), awaiting=awaiting,
        can_publish=role in WRITERS and "publish" in allowed and not awaiting,
        submit_needs_approval=needs_approval(actor, item),
        can_approve=awaiting and role in APPROVER_ROLES,
        can_cancel=role in WRITERS and "cancel" in allowed,
        can_award=role in WRITERS and item.is_awardable() and bool(quotes),
        estimated=item.estimated_value(), hs_levels=HS_LEVELS,
        vendor_names={q.vendor_id: q.vendor.organization.name for q in quotes})


@bp.get("/rfqs/<int:rfq_id>/invitations")
@page_login_required(BUYER)
def invitations(rfq_id: int):
    """The invitations part of the RFQ page (htmx polls it while matching runs in the background)."""
    actor = current_actor()
    item = rfqs.buyer_rfq(actor, rfq_id)
    return render_template("buyer/_invitations.html", rfq=item, invitations=_invitations(actor, rfq_id),
                           matching=is_matching(item), hs_levels=HS_LEVELS)


def _act(rfq_id: int, action, done: str):
    """Run one service call for a button on the RFQ page; its refusal is shown at the top of the page."""
    form = Form()
    if attempt(form, action) is not None:
        flash(done, "success")
    else:
        for message in form.page_errors or [_("Please correct the marked fields.")]:
            flash(message, "error")
    return redirect(url_for("web_buyer.rfq", rfq_id=rfq_id))


@bp.post("/rfqs/<int:rfq_id>/publish")
@page_login_required(BUYER, roles=WRITERS)
def publish(rfq_id: int):
    """Publish the draft, or send it to the approvers when it is above the threshold."""
    actor = current_actor()
    form = Form()
    result = attempt(form, lambda: submit_rfq(actor, rfq_id))
    if result is None:
        for message in form.page_errors:
            flash(message, "error")
    elif result.status == RfqStatus.OPEN:
        flash(_("The RFQ is published; matching vendors are being invited."), "success")
    else:
        flash(_("The RFQ is above your organisation's approval threshold: it was sent to the approvers."), "success")
    return redirect(url_for("web_buyer.rfq", rfq_id=rfq_id))


@bp.post("/rfqs/<int:rfq_id>/cancel")
@page_login_required(BUYER, roles=WRITERS)
def cancel(rfq_id: int):
    """Cancel a draft, open or closed RFQ."""
    actor = current_actor()
    return _act(rfq_id, lambda: rfqs.cancel_rfq(actor, rfq_id), _("The RFQ is cancelled."))


# --- approvals ----------------------------------------------------------------------------------------------


class RejectForm(Form):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])


@bp.get("/approvals", endpoint="approvals")
@page_login_required(BUYER, roles=APPROVER_ROLES)
def approvals():
    """RFQs above the approval threshold that requesters submitted, oldest first."""
    actor = current_actor()
    queue = approvals_queue(actor)
    requested = {}
    for item in queue:
        user = db.session.get(User, item.created_by)
        requested[item.id] = user.name if user else ""
    return render_template("buyer/approvals.html", queue=queue, requested=requested, reject_form=RejectForm())


@bp.post("/rfqs/<int:rfq_id>/approve")
@page_login_required(BUYER, roles=APPROVER_ROLES)
def approve(rfq_id: int):
    """An approver approves a submitted RFQ: it is published."""
    actor = current_actor()
    form = Form()
    if attempt(form, lambda: approve_rfq(actor, rfq_id)) is not None:
        flash(_("RFQ #%(id)s is approved and published.", id=rfq_id), "success")
    else:
        for message in form.page_errors:
            flash(message, "error")
    return redirect(request.form.get("next") == "rfq" and url_for("web_buyer.rfq", rfq_id=rfq_id)
                    or url_for("web_buyer.approvals"))


@bp.post("/rfqs/<int:rfq_id>/reject-approval")
@page_login_required(BUYER, roles=APPROVER_ROLES)
def reject_approval(rfq_id: int):
    """An approver refuses a submitted RFQ (it stays a draft; the requester is told why)."""
    actor = current_actor()
    form = RejectForm()
    if not form.validate_on_submit():
        abort(422)
    if attempt(form, lambda: reject_rfq_approval(actor, rfq_id, form.reason.data)) is not None:
        flash(_("RFQ #%(id)s was refused; it stays a draft.", id=rfq_id), "success")
    else:
        for message in form.page_errors:
            flash(message, "error")
    return redirect(url_for("web_buyer.approvals"))
