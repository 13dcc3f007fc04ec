"""Pages: framework contracts. The list (utilisation at a glance), a contract's page (parties, terms in force, a
pending amendment against them, signatures, utilisation, call-offs, history) with its verbs as forms (sign,
decline, withdraw, call off, amend, renew, terminate), and proposing a contract to the other side."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ...accounts.auth import current_actor
from ...accounts.models import Organization, OrgKind
from ...actors import ActorRole
from ...contracts import services
from ...contracts.models import ContractStatus, VersionStatus
from ...contracts.schemas import (
    AmendmentSchema,
    CallOffCreateSchema,
    ContractCreateSchema,
    ContractReasonSchema,
    RenewSchema,
)
from ...errors import DomainError
from ...escrow.models import MilestoneDue
from ...extensions import db
from ...money import CURRENCY_EXPONENTS, format_amount
from ...rfq.models import INCOTERMS
from ...rfq.services import known_buyers
from ...vendors.services import list_price_lists, list_vendors
from ..forms import AmountField, CountField, Form, attempt, load, page, show_error
from ..i18n import money, register_labels, status_label, when
from ..session import page_login_required
from .vendor.common import typed
from .vendor.quotes import TermForm

bp = Blueprint("web_contracts", __name__)

PARTIES = (OrgKind.BUYER, OrgKind.VENDOR)

register_labels("contract", {
    ContractStatus.PROPOSED: _l("Waiting for signatures"), ContractStatus.ACTIVE: _l("Active"),
    ContractStatus.DECLINED: _l("Declined"), ContractStatus.WITHDRAWN: _l("Withdrawn"),
    ContractStatus.LAPSED: _l("Lapsed unsigned"), ContractStatus.EXPIRED: _l("Expired"),
    ContractStatus.TERMINATED: _l("Terminated")})
register_labels("contract_version", {
    VersionStatus.PROPOSED: _l("Waiting for acceptance"), VersionStatus.ACCEPTED: _l("Accepted"),
    VersionStatus.DECLINED: _l("Declined"), VersionStatus.WITHDRAWN: _l("Withdrawn"),
    VersionStatus.LAPSED: _l("Lapsed")})
register_labels("contract_source", {
    "award": _l("Awarded RFQ"), "price_list": _l("Price list"), "direct": _l("Written terms"),
    "renewal": _l("Renewal")})

#: why no call-off can be placed today, in words
REFUSALS = {"contract_not_active": _l("Call-offs need an active contract."),
            "contract_not_started": _l("The contract has not started yet: call-offs from %(day)s."),
            "contract_ended": _l("The contract has ended.")}


# --- forms ------------------------------------------------------------------------------------------------


class ActionForm(Form):
    """A button: the CSRF token only."""


class ReasonForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason.")), Length(
        min=3, max=2000, message=_l("Write between %(min)s and %(max)s characters."))])


class RenewForm(Form):
    ends_on = DateField(_l("New end date"), validators=[InputRequired(message=_l("Choose the new end date."))])
    max_value = AmountField(_l("Maximum value"), validators=[Optional()])


class CallOffLineForm(PlainForm):
    item_no = HiddenField()
    quantity = CountField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=0, max=10**12, message=_l("Enter a number from %(min)s to %(max)s."))])


class CallOffForm(Form):
    lines = FieldList(FormField(CallOffLineForm), min_entries=0, max_entries=200)
    delivery_region = StringField(_l("Delivery region"), validators=[Optional(), Regexp(
        r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", message=_l("A region code such as VN or VN-SG."))],
        render_kw={"placeholder": "VN-SG"})
    delivery_address = StringField(_l("Delivery address"), validators=[Optional(), Length(max=2000)])
    note = TextAreaField(_l("Note to the vendor"), validators=[Optional(), Length(max=2000)])


class ItemForm(PlainForm):
    item_no = HiddenField()
    product_id = HiddenField()
    description = StringField(_l("Item"), validators=[Optional(), Length(max=2000)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=16)], render_kw={"placeholder": _l("piece")})
    unit_price = AmountField(_l("Unit price"))
    committed_qty = CountField(_l("Committed quantity"), validators=[
        Optional(), NumberRange(min=1, max=10**12, message=_l("Enter a number of at least %(min)s."))])


class _TermsForm(Form):
    payment_terms = FieldList(FormField(TermForm), min_entries=3, max_entries=6)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]


class ContractForm(_TermsForm):
    counterparty = SelectField(_l("With"), coerce=int, validate_choice=False)
    price_list_id = SelectField(_l("Items from a price list"), coerce=int, validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the contract a title.")), Length(
        min=3, max=200, message=_l("Write between %(min)s and %(max)s characters."))])
    currency = SelectField(_l("Currency"), default="VND", choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Choose the last day of the contract."))])
    max_value = AmountField(_l("Maximum value"), validators=[DataRequired(message=_l("Give the maximum value."))])
    committed_value = AmountField(_l("Committed value"), validators=[Optional()])
    incoterm = SelectField(_l("Incoterm"), choices=[("", "—")] + [(t, t) for t in INCOTERMS], default="")
    named_place = StringField(_l("Named place"), validators=[Optional(), Length(max=200)])
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    items = FieldList(FormField(ItemForm), min_entries=4, max_entries=200)


class AmendForm(_TermsForm):
    summary = TextAreaField(_l("What changes"), validators=[DataRequired(message=_l("Say what the amendment changes.")),
                                                             Length(min=3, max=2000, message=_l(
                                                                 "Write between %(min)s and %(max)s characters."))])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Choose the last day of the contract."))])
    max_value = AmountField(_l("Maximum value"), validators=[DataRequired(message=_l("Give the maximum value."))])
    committed_value = AmountField(_l("Committed value"), validators=[Optional()])
    items = FieldList(FormField(ItemForm), min_entries=0, max_entries=200)


# --- reading ----------------------------------------------------------------------------------------------


def _terms_rows(terms: list[dict]) -> list[dict]:
    """Payment terms as the form's rows want them (at least three rows)."""
    return [*terms, *[{} for _ in range(max(3 - len(terms), 0))]][:6]


def _terms_from(form: _TermsForm) -> list[dict]:
    terms = []
    for entry in form.payment_terms.entries:
        row = entry.form
        if not (row.name.data or "").strip() and row.percent.data is None:
            continue
        term = {"name": (row.name.data or "").strip() or str(len(terms) + 1), "due": row.due.data,
                "percent": row.percent.data}
        if row.due.data == MilestoneDue.NET_DAYS:
            term["net_days"] = row.net_days.data
        terms.append({k: v for k, v in term.items() if v is not None})
    return terms


def _fill_terms(form: _TermsForm, terms: list[dict]) -> None:
    for i, term in enumerate(terms[:6]):
        while len(form.payment_terms.entries) <= i:
            form.payment_terms.append_entry()
        row = form.payment_terms.entries[i].form
        row.name.data, row.percent.data, row.due.data = term.get("name"), term.get("percent"), term.get("due")
        row.net_days.data = term.get("net_days")
    for entry in form.payment_terms.entries:
        entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]


def _changes(view: dict) -> dict:
    """What the pending amendment changes against the version in force: the fields and, per item, the price,
    tiers and committed quantity that differ (new items are marked)."""
    pending, terms = view["pending"], view["terms"]
    if pending is None:
        return {}
    fields = {f for f in ("ends_on", "max_value", "committed_value", "payment_terms", "incoterm", "named_place",
                          "lead_time_days", "delivery_region", "delivery_address") if pending[f] != terms[f]}
    old = {i["item_no"]: i for i in terms["items"]}
    items = {}
    for item in pending["items"]:
        before = old.get(item["item_no"])
        if before is None:
            items[item["item_no"]] = {"new": True}
            continue
        items[item["item_no"]] = {k: before[k] for k in ("unit_price", "tiers", "committed_qty", "description")
                                  if before[k] != item[k]}
    dropped = [i for n, i in old.items() if n not in {p["item_no"] for p in pending["items"]}]
    return {"fields": fields, "items": items, "dropped": dropped, "old": terms}


def _refusal_text(view: dict) -> str | None:
    code = view["call_off_refusal"]
    if code is None:
        return None
    return str(REFUSALS.get(code, code)) % {"day": when(view["starts_on"])}


def _names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o.name for o in db.session.query(Organization).filter(Organization.id.in_(ids))}


def _call_off_form(view: dict, formdata=None) -> CallOffForm:
    """The call-off form with one row per item of the version in force (quantities empty)."""
    form = CallOffForm(formdata=formdata) if formdata is not None else CallOffForm(formdata=None)
    if formdata is None:
        for item in view["terms"]["items"]:
            form.lines.append_entry({"item_no": item["item_no"], "quantity": None})
    return form


def _call_off_lines(form: CallOffForm) -> list[dict]:
    lines = []
    for entry in form.lines.entries:
        qty = entry.form.quantity.data
        no = str(entry.form.item_no.data or "")
        if qty and no.isdigit():
            lines.append({"item_no": int(no), "quantity": qty})
    return lines


def _priced(contract, form: CallOffForm) -> dict:
    """The call-off as it would be priced now: item_no -> {unit_price, amount}, its total and what would be left.
    Unknown items or quantities are simply not priced (the verb names them)."""
    lines = [line for line in _call_off_lines(form) if contract.terms.item(line["item_no"]) is not None]
    try:
        priced = services.price_call_off(contract, lines)
    except DomainError:
        return {"lines": {}, "total": 0, "left": None}
    use = services.utilisation(contract)
    total = sum(p["amount"] for p in priced)
    return {"lines": {p["item"].item_no: {"quantity": p["quantity"], "unit_price": p["unit_price"],
                                        "amount": p["amount"]} for p in priced},
            "total": total, "left": use["remaining_value"] - total, "remaining": use["remaining_value"]}


def render_contract(contract_id: int, form: Form | None = None, **forms):
    """The contract's page for the reader, with a failed form (422) in place of a fresh one."""
    actor = current_actor()
    contract = services.get_contract(actor, contract_id)
    view = services.contract_view(contract, actor)
    call_offs = services.call_off_views(
        contract, services.list_call_offs(actor, contract.id, {"limit": 100})["items"])
    call_off_form = forms.get("call_off_form") or _call_off_form(view)
    return page("contracts/contract.html", form, c=view, actor=actor, side=services.side_of(contract, actor),
                changes=_changes(view), call_offs=call_offs, refusal=_refusal_text(view),
                names=_names([v["proposed_by_org"] for v in view["versions"]]),
                call_off_form=call_off_form, preview=forms.get("preview") or _priced(contract, call_off_form),
                reason_form=forms.get("reason_form") or ReasonForm(formdata=None),
                terminate_form=forms.get("terminate_form") or ReasonForm(formdata=None),
                renew_form=forms.get("renew_form") or RenewForm(formdata=None))


@bp.get("/contracts")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
def contracts():
    """The organisation's contracts (admins: all), newest first, with their utilisation; filter by status."""
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in {s.value for s in ContractStatus}:
        status = None
    result = services.list_contracts(actor, {"status": status, "limit": 50, "cursor": request.args.get("cursor")})
    rows = [services.contract_view(c, actor) for c in result["items"]]
    return render_template("contracts/list.html", rows=rows, next_cursor=result["next_cursor"], actor=actor,
                           status=status, statuses=list(ContractStatus),
                           can_propose=actor.role in (ActorRole.BUYER, ActorRole.VENDOR))


@bp.get("/contracts/<int:contract_id>")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
def contract(contract_id: int):
    """One contract: terms in force, pending amendment, signatures, utilisation, call-offs, history, actions."""
    return render_contract(contract_id)


@bp.get("/contracts/<int:contract_id>/call-off/preview")
@page_login_required(OrgKind.BUYER)
def call_off_preview(contract_id: int):
    """The call-off priced at the quantities typed so far (an htmx fragment; changes nothing)."""
    actor = current_actor()
    contract = services.get_contract(actor, contract_id)
    view = services.contract_view(contract, actor)
    form = CallOffForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    return render_template("contracts/_call_off_preview.html", c=view, preview=_priced(contract, form))


# --- verbs ------------------------------------------------------------------------------------------------


def _done(contract_id: int, message: str):
    flash(message, "success")
    return redirect(url_for(".contract", contract_id=contract_id))


@bp.post("/contracts/<int:contract_id>/versions/<int:number>/sign")
@page_login_required(*PARTIES)
def sign(contract_id: int, number: int):
    """The reader's side signs the contract (version 1) or accepts an amendment."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(
            form, lambda: services.accept_version(current_actor(), contract_id, number)) is not None:
        return _done(contract_id, _("Signed.") if number == 1 else _("Amendment accepted."))
    return render_contract(contract_id, form)


@bp.post("/contracts/<int:contract_id>/versions/<int:number>/decline")
@page_login_required(*PARTIES)
def decline(contract_id: int, number: int):
    """The side asked to sign refuses, with a reason."""
    form = ReasonForm()
    if form.validate_on_submit() and attempt(form, lambda: services.decline_version(
            current_actor(), contract_id, number, load(ContractReasonSchema(), {"reason": form.reason.data})["reason"])
    ) is not None:
        return _done(contract_id, _("Declined; the other side is told why."))
    return render_contract(contract_id, form, reason_form=form)


@bp.post("/contracts/<int:contract_id>/versions/<int:number>/withdraw")
@page_login_required(*PARTIES)
def withdraw(contract_id: int, number: int):
    """The proposer takes its version back."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(
            form, lambda: services.withdraw_version(current_actor(), contract_id, number)) is not None:
        return _done(contract_id, _("Withdrawn."))
    return render_contract(contract_id, form)


@bp.post("/contracts/<int:contract_id>/terminate")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
def terminate(contract_id: int):
    """End an active contract early, with a reason (deals under way go on)."""
    form = ReasonForm()
    if form.validate_on_submit() and attempt(form, lambda: services.terminate_contract(
            current_actor(), contract_id, load(ContractReasonSchema(), {"reason": form.reason.data})["reason"])
    ) is not None:
        return _done(contract_id, _("The contract is terminated; deals already under way go on."))
    return render_contract(contract_id, form, terminate_form=form)


@bp.post("/contracts/<int:contract_id>/renew")
@page_login_required(*PARTIES)
def renew(contract_id: int):
    """Propose a follow-on contract with the same items and terms for a new period."""
    form = RenewForm()
    if form.validate_on_submit():
        data = {"ends_on": form.ends_on.data.isoformat()}
        if form.max_value.data:
            data["max_value"] = form.max_value.data
        made = attempt(form, lambda: services.renew_contract(current_actor(), contract_id, load(RenewSchema(), data)))
        if made is not None:
            flash(_("The renewal is proposed; the other side signs it."), "success")
            return redirect(url_for(".contract", contract_id=made.id))
    return render_contract(contract_id, form, renew_form=form)


def _limit_message(contract, form: CallOffForm) -> str:
    """A refused call-off beyond the maximum value, with what is left, in the reader's language."""
    use = services.utilisation(contract)
    total = _priced(contract, form)["total"]
    return _("This call-off (%(value)s) would exceed the contract's maximum value: %(left)s is left.",
             value=money(total, contract.currency), left=money(use["remaining_value"], contract.currency))


@bp.post("/contracts/<int:contract_id>/call-offs")
@page_login_required(OrgKind.BUYER)
def call_off(contract_id: int):
    """Call off goods at the contract's prices: one deal, no new approval while within the maximum value.
    ``action=preview`` only prices it."""
    actor = current_actor()
    form = CallOffForm()
    if not form.validate_on_submit():
        return render_contract(contract_id, form, call_off_form=form)
    lines = _call_off_lines(form)
    if request.form.get("action") == "preview":
        return render_contract(contract_id, None, call_off_form=form)
    if not lines:
        form.page_errors.append(_("Enter a quantity for at least one item."))
        return render_contract(contract_id, form, call_off_form=form)
    data = {"lines": lines, **{k: v for k, v in {"delivery_region": form.delivery_region.data,
                                                  "delivery_address": form.delivery_address.data,
                                                  "note": form.note.data}.items() if v}}
    try:
        made = services.place_call_off(actor, contract_id, load(CallOffCreateSchema(), data))
        db.session.commit()
    except (DomainError, ValidationError) as exc:
        db.session.rollback()
        if isinstance(exc, DomainError) and exc.code == "contract_limit_exceeded":
            form.page_errors.append(_limit_message(services.get_contract(actor, contract_id), form))
        else:
            show_error(form, exc)
        return render_contract(contract_id, form, call_off_form=form)
    flash(_("Call-off placed: deal #%(id)s waits for your payment.", id=made.deal_id), "success")
    return redirect(url_for(".contract", contract_id=contract_id) + "#call-offs")


# --- amend ------------------------------------------------------------------------------------------------


def _items_from(form, *, keep: dict[int, dict] | None = None) -> tuple[list[dict], dict[str, str]]:
    """The API's item lines from the form's rows (empty rows left out) and the field aliases; ``keep`` (item_no ->
    the item in force) carries what the form does not show (product, tiers)."""
    keep = keep or {}
    items, aliases = [], {}
    for entry in form.items.entries:
        row = entry.form
        if not any([(row.description.data or "").strip(), row.unit_price.data, row.committed_qty.data]):
            continue
        no = str(row.item_no.data or "")
        line = {"description": (row.description.data or "").strip() or None, "unit": (row.unit.data or "").strip()
                or None, "unit_price": row.unit_price.data, "committed_qty": row.committed_qty.data}
        if no.isdigit() and int(no) in keep:
            old = keep[int(no)]
            line.update(item_no=int(no), description=line["description"] or old["description"],
                        unit=line["unit"] or old["unit"],
                        tiers=[{"min_qty": t["min_qty"], "unit_price": format_amount(t["unit_price"], t["currency"])}
                               for t in old["tiers"]])
            if old["product_id"]:
                line["product_id"] = old["product_id"]
        index = len(items)
        for name in ("description", "unit", "unit_price", "committed_qty"):
            aliases[f"items-{index}-{name}"] = f"{row.unit_price.name.rsplit('-', 1)[0]}-{name}"
        items.append({k: v for k, v in line.items() if v is not None})
    return items, aliases


@bp.route("/contracts/<int:contract_id>/amend", methods=["GET", "POST"])
@page_login_required(*PARTIES)
def amend(contract_id: int):
    """Propose new terms: summary, end date, limits, per-item price and committed quantity, new items."""
    actor = current_actor()
    contract = services.get_contract(actor, contract_id)
    view = services.contract_view(contract, actor)
    terms = view["terms"]
    if request.method == "GET":
        form = AmendForm(formdata=None)
        form.ends_on.data = terms["ends_on"]
        form.max_value.data = typed(terms["max_value"], view["currency"])
        form.committed_value.data = (typed(terms["committed_value"], view["currency"])
                                     if terms["committed_value"] is not None else None)
        for item in terms["items"]:
            form.items.append_entry({"item_no": item["item_no"], "description": item["description"],
                                     "unit": item["unit"], "unit_price": typed(item["unit_price"], view["currency"]),
                                     "committed_qty": item["committed_qty"]})
        for _i in range(2):
            form.items.append_entry()
        _fill_terms(form, terms["payment_terms"])
    else:
        form = AmendForm()
        if form.validate_on_submit():
            items, aliases = _items_from(form, keep={i["item_no"]: i for i in terms["items"]})
            data = {"summary": form.summary.data.strip(), "ends_on": form.ends_on.data.isoformat(),
                    "max_value": form.max_value.data, "committed_value": form.committed_value.data or None,
                    "items": items, "payment_terms": _terms_from(form) or terms["payment_terms"]}
            if not data["items"]:
                del data["items"]
            done = attempt(form, lambda: services.propose_amendment(
                actor, contract_id, load(AmendmentSchema(), data)), aliases)
            if done is not None:
                flash(_("The amendment is proposed; it applies once both sides accept it."), "success")
                return redirect(url_for(".contract", contract_id=contract_id))
    return page("contracts/amend.html", form, c=view, known={i["item_no"]: i for i in terms["items"]},
                allowed="amend" in view["actions"])


# --- propose ----------------------------------------------------------------------------------------------


def _counterparties(actor) -> list[tuple[int, str]]:
    """Whom the reader may propose to: a buyer picks a verified vendor, a vendor a buyer it has met."""
    if actor.role == ActorRole.VENDOR:
        return [(o.id, o.name) for o in known_buyers(actor)]
    vendors = list_vendors({"limit": 100})["items"]
    names = _names(v.id for v in vendors)
    return sorted(((v.id, names.get(v.id, v.legal_name or f"#{v.id}")) for v in vendors), key=lambda p: p[1])


def _price_lists(actor) -> list:
    return list_price_lists(actor, {"limit": 100})["items"]


@bp.route("/contracts/new", methods=["GET", "POST"])
@page_login_required(*PARTIES)
def new():
    """Propose a contract: the counterparty, items from a price list between the two or written in, validity,
    limits, payment terms. The proposer signs it at once when its role allows."""
    actor = current_actor()
    form = ContractForm() if request.method == "POST" else ContractForm(formdata=None)
    parties = _counterparties(actor)
    lists = _price_lists(actor)
    other = (lambda pl: pl.buyer_org_id) if actor.role == ActorRole.VENDOR else (lambda pl: pl.vendor_id)
    names = dict(parties) | _names(other(pl) for pl in lists)
    form.counterparty.choices = [(0, _("Choose…"))] + parties
    form.price_list_id.choices = [(0, _("None: write the items below"))] + [
        (pl.id, f"{pl.name} · {names.get(other(pl), '')} · {pl.currency}") for pl in lists]
    if request.method == "GET":
        chosen = request.args.get("with", "")
        form.counterparty.data = int(chosen) if chosen.isdigit() else 0
        form.price_list_id.data = 0
        _fill_terms(form, [])
    elif form.validate_on_submit():
        price_list = next((pl for pl in lists if pl.id == form.price_list_id.data), None)
        counterparty = form.counterparty.data or (other(price_list) if price_list else 0)
        key = "buyer_id" if actor.role == ActorRole.VENDOR else "vendor_id"
        data = {key: counterparty or None, "title": form.title.data.strip(), "ends_on": form.ends_on.data.isoformat(),
                "max_value": form.max_value.data}
        if form.starts_on.data:
            data["starts_on"] = form.starts_on.data.isoformat()
        if form.committed_value.data:
            data["committed_value"] = form.committed_value.data
        for name in ("incoterm", "named_place", "lead_time_days"):
            value = getattr(form, name).data
            if value not in (None, ""):
                data[name] = value.strip() if isinstance(value, str) else value
        terms = _terms_from(form)
        if terms:
            data["payment_terms"] = terms
        aliases = {"vendor_id": "counterparty", "buyer_id": "counterparty"}
        if price_list is not None:
            data["price_list_id"] = price_list.id
        else:
            data["currency"] = form.currency.data
            data["items"], more = _items_from(form)
            aliases.update(more)
        if not data[key]:
            del data[key]
        made = attempt(form, lambda: services.propose_contract(actor, load(ContractCreateSchema(), data)), aliases)
        if made is not None:
            flash(_("The contract is proposed to %(name)s; it is active once both sides sign.",
                    name=names.get(counterparty, "")), "success")
            return redirect(url_for(".contract", contract_id=made.id))
    return page("contracts/new.html", form, actor=actor, today=date.today())
