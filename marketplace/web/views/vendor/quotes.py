"""Vendor pages: quoting — invitations, the open board, the RFQ page, quotes with their revisions."""

from __future__ import annotations

from datetime import datetime

from flask import abort, redirect, request, url_for
from flask_babel import get_timezone
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ....accounts.auth import current_actor
from ....accounts.models import SELLERS
from ....errors import DomainError
from ....escrow.models import MilestoneDue
from ....extensions import db
from ....money import format_amount
from ....rfq import services as rfq
from ....rfq.models import INCOTERMS, RfqVisibility
from ....rfq.schemas import FreightRatesRequestSchema, QuoteCreateSchema
from ....vendors import services as vendors
from ...forms import AmountField, CountField, Form, attempt, load, page, show_error
from ...i18n import status_label
from ...session import page_login_required
from . import bp
from .common import VENDOR, day_instant, next_step_words, timeline, typed

#: who may quote on an RFQ, in words ("open" is also a status, so these are not status labels)
VISIBILITY = {RfqVisibility.INVITE_ONLY: _l("Invited vendors only"), RfqVisibility.OPEN: _l("Open to every verified vendor")}

#: the matcher's HS levels in words
HS_LEVELS = {"subheading": _l("HS subheading"), "heading": _l("HS heading"), "chapter": _l("HS chapter")}


# --- invitations and the open board -------------------------------------------------------------------


@bp.get("/invitations")
@page_login_required(VENDOR)
def invitations():
    """RFQs the vendor was invited to, each with why it was matched."""
    actor = current_actor()
    result = rfq.vendor_invitations(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    ids = [inv.rfq_id for inv in result["items"]]
    rfqs, quotes = rfq.visible_rfqs(actor, ids), rfq.own_quotes_on(actor, ids)
    rows = [(inv, rfqs[inv.rfq_id], quotes.get(inv.rfq_id)) for inv in result["items"]]
    return page("vendor/invitations.html", rows=rows, next_cursor=result["next_cursor"], hs_levels=HS_LEVELS)


@bp.get("/board")
@page_login_required(VENDOR)
def board():
    """Open RFQs every verified vendor may quote on."""
    actor = current_actor()
    result = rfq.board_page(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    quotes = rfq.own_quotes_on(actor, [item.id for item in result["items"]])
    rows = [(item, quotes.get(item.id)) for item in result["items"]]
    vendor = vendors.get_vendor(actor.org_id)
    return page("vendor/board.html", rows=rows, next_cursor=result["next_cursor"], verified=vendor.is_verified())


# --- quotes ---------------------------------------------------------------------------------------


class QuoteLineForm(PlainForm):
    rfq_line_id = HiddenField()
    unit_price = AmountField(_l("Unit price"))
    quantity = CountField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=1, message=_l("Enter a number of at least %(min)s."))])
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    notes = StringField(_l("Notes"), validators=[Length(max=2000)])


class TermForm(PlainForm):
    name = StringField(_l("Milestone"), validators=[Length(max=64)])
    percent = CountField(_l("Percent"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("Enter a number from %(min)s to %(max)s."))])
    due = SelectField(_l("Paid into escrow"), choices=[(d.value, d.value) for d in MilestoneDue])
    net_days = CountField(_l("Days after delivery"), validators=[
        Optional(), NumberRange(min=1, max=365, message=_l("Enter a number from %(min)s to %(max)s."))])


class QuoteForm(Form):
    lead_time_days = CountField(_l("Lead time (days)"), validators=[
        DataRequired(message=_l("Enter the lead time in days.")),
        NumberRange(min=0, max=3650, message=_l("Enter a number from %(min)s to %(max)s."))])
    incoterm = SelectField(_l("Incoterm"), choices=[(t, t) for t in INCOTERMS])
    freight = AmountField(_l("Freight for the whole quote"))
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    payment_terms = FieldList(FormField(TermForm), min_entries=3, max_entries=6)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    lines = FieldList(FormField(QuoteLineForm), min_entries=0, max_entries=200)
    # the goods as packed: prices the carriers' rates (and, under E/F terms, the buyer's freight estimate)
    parcel_count = CountField(_l("Parcels"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from %(min)s to %(max)s."))])
    parcel_weight_grams = CountField(_l("Weight per parcel (g)"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000, message=_l("Enter a number from %(min)s to %(max)s."))])
    parcel_length_cm = CountField(_l("Length (cm)"), validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number from %(min)s to %(max)s."))])
    parcel_width_cm = CountField(_l("Width (cm)"), validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number from %(min)s to %(max)s."))])
    parcel_height_cm = CountField(_l("Height (cm)"), validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Enter a number from %(min)s to %(max)s."))])
    pallets = CountField(_l("Pallets"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from %(min)s to %(max)s."))])
    #: the chosen carrier rate, ``carrier|service|amount`` (amount as the API's decimal string); empty: none
    freight_rate = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]


def quote_form(the_rfq, quote=None) -> QuoteForm:
    """The quote form, filled from the RFQ's lines (a new quote) or from the current version (a revision)."""
    if request.method == "POST":
        form = QuoteForm()
    else:
        form = QuoteForm(formdata=None)
        quoted = {line.rfq_line_id: line for line in quote.lines} if quote else {}
        for line in the_rfq.lines:
            entry = form.lines.append_entry()
            entry.form.rfq_line_id.data = str(line.id)
            mine = quoted.get(line.id)
            entry.form.quantity.data = mine.quantity if mine else line.quantity
            if mine:
                entry.form.unit_price.data = typed(mine.unit_price, quote.currency)
                entry.form.lead_time_days.data = mine.lead_time_days
                entry.form.notes.data = mine.notes
        terms = quote.payment_terms if quote else [{"name": _("Full payment"), "percent": 100,
                                                    "due": MilestoneDue.BEFORE_SHIPMENT.value}]
        for i, term in enumerate(terms[:6]):
            while len(form.payment_terms.entries) <= i:
                form.payment_terms.append_entry()
            row = form.payment_terms.entries[i].form
            row.name.data, row.percent.data, row.due.data = term["name"], term["percent"], term["due"]
            row.net_days.data = term.get("net_days")
        form.incoterm.data = quote.incoterm if quote else the_rfq.incoterm
        if quote and quote.shipment:
            parcels = quote.shipment.get("parcels") or []
            form.pallets.data = quote.shipment.get("pallets") or None
            if parcels:
                form.parcel_count.data = len(parcels)
                for dim in PARCEL_DIMENSIONS:
                    getattr(form, f"parcel_{dim}").data = parcels[0][dim]
        if quote and quote.freight_rate:
            form.freight_rate.data = rate_value(quote.freight_rate)
        if quote:
            if quote.valid_until is not None:
                form.valid_until.data = quote.valid_until.astimezone(get_timezone()).date()
            form.lead_time_days.data = quote.lead_time_days
            form.freight.data = typed(quote.freight, quote.currency)
            form.notes.data = quote.notes
        for entry in form.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]
    return form


#: a parcel's measures, as the form names them after ``parcel_``
PARCEL_DIMENSIONS = ("weight_grams", "length_cm", "width_cm", "height_cm")
#: the form's shipment fields (and the CSRF token): all that getting the carriers' prices needs
SHIPMENT_FIELDS = ("csrf_token", "parcel_count", *(f"parcel_{d}" for d in PARCEL_DIMENSIONS), "pallets",
                   "freight_rate")


def rate_value(rate: dict) -> str:
    """A rate as the form's radio value: ``carrier|service|amount`` (the amount as the API's decimal string)."""
    return f"{rate['carrier']}|{rate['service']}|{format_amount(rate['amount'], rate['currency'])}"


def shipment_data(form: QuoteForm) -> tuple[dict | None, dict]:
    """The API's ``shipment`` from the form (``parcel_count`` parcels alike, and pallets), None when neither is
    given, and the aliases that put the schema's messages beside the form's fields."""
    count, pallets = form.parcel_count.data or 0, form.pallets.data or 0
    if not count and not pallets:
        return None, {}
    parcel = {d: getattr(form, f"parcel_{d}").data for d in PARCEL_DIMENSIONS}
    aliases = {"shipment-parcels": "parcel_count", "shipment-pallets": "pallets", "parcels": "parcel_count",
               "pallets": "pallets"}
    for i in range(count):
        for d in PARCEL_DIMENSIONS:
            aliases[f"shipment-parcels-{i}-{d}"] = aliases[f"parcels-{i}-{d}"] = f"parcel_{d}"
    return {"parcels": [{k: v for k, v in parcel.items() if v is not None} for _ in range(count)],
            "pallets": pallets}, aliases


def rate_options(form: QuoteForm, rates: list[dict] | None = None, stored: dict | None = None) -> list[dict]:
    """The carrier rates the form offers as radios: the prices just fetched, else the one already chosen (the
    quote's attached rate, when that is the choice)."""
    chosen = form.freight_rate.data or ""
    if rates is None:
        if not chosen:
            return []
        if stored and rate_value(stored) == chosen:
            return [{**stored, "value": chosen, "checked": True}]
        carrier, service, amount = (chosen.split("|") + ["", "", ""])[:3]
        return [{"value": chosen, "carrier_name": carrier, "service": service, "amount_text": amount,
                 "checked": True}]
    return [{**rate, "value": rate_value(rate), "checked": rate_value(rate) == chosen} for rate in rates]


def fetch_rates(form: QuoteForm, actor, rfq_id: int) -> tuple[dict | None, list[dict] | None]:
    """Get the carriers' prices for the form's shipment; on a refusal the reason goes on the form."""
    checked = [form[name].validate(form) for name in SHIPMENT_FIELDS]  # every field, so each shows its message
    if not all(checked):
        return None, None
    shipment, aliases = shipment_data(form)
    if shipment is None:
        form.parcel_count.errors = [_("Enter the parcels or pallets to price.")]
        return None, None
    try:
        offer = rfq.lane_rates(actor, rfq_id, load(FreightRatesRequestSchema(), shipment))
    except (DomainError, ValidationError) as exc:
        db.session.rollback()
        show_error(form, exc, aliases)
        return None, None
    if not offer["rates"]:
        form.page_errors.append(_("No carrier prices this lane and shipment; enter the freight yourself."))
    return offer, offer["rates"]


def quote_data(form: QuoteForm, current=None) -> tuple[dict, dict]:
    """The API's quote body from the form (lines left without a price are not quoted) and the field aliases;
    a revision that keeps the current validity date keeps its exact instant."""
    data: dict = {"lead_time_days": form.lead_time_days.data, "incoterm": form.incoterm.data,
                  "notes": (form.notes.data or "").strip(), "lines": []}
    if form.freight.data:
        data["freight"] = form.freight.data
    kept = current is not None and current.valid_until is not None and (
        not form.valid_until.data or form.valid_until.data == current.valid_until.astimezone(get_timezone()).date())
    if kept:
        data["valid_until"] = current.valid_until.isoformat()
    elif form.valid_until.data:
        data["valid_until"] = day_instant(form.valid_until.data, end=True).isoformat()
    aliases: dict[str, str] = {}
    for i, entry in enumerate(form.lines.entries):
        row = entry.form
        if not row.unit_price.data:
            continue
        line = {"rfq_line_id": int(row.rfq_line_id.data), "unit_price": row.unit_price.data,
                "notes": (row.notes.data or "").strip()}
        if row.quantity.data is not None:
            line["quantity"] = row.quantity.data
        if row.lead_time_days.data is not None:
            line["lead_time_days"] = row.lead_time_days.data
        for field in ("rfq_line_id", "unit_price", "quantity", "lead_time_days", "notes"):
            aliases[f"lines-{len(data['lines'])}-{field}"] = f"lines-{i}-{field}"
        data["lines"].append(line)
    terms = []
    for i, entry in enumerate(form.payment_terms.entries):
        row = entry.form
        if not (row.name.data or "").strip() and row.percent.data is None:
            continue
        term = {"name": (row.name.data or "").strip() or str(len(terms) + 1), "due": row.due.data}
        if row.percent.data is not None:
            term["percent"] = row.percent.data
        if row.due.data == MilestoneDue.NET_DAYS and row.net_days.data is not None:
            term["net_days"] = row.net_days.data
        for field in ("name", "percent", "due", "net_days"):
            aliases[f"payment_terms-{len(terms)}-{field}"] = f"payment_terms-{i}-{field}"
        terms.append(term)
    if terms:
        data["payment_terms"] = terms
    shipment, shipment_aliases = shipment_data(form)
    if shipment is not None:
        data["shipment"] = shipment
        aliases.update(shipment_aliases)
    if form.freight_rate.data:
        carrier, service, amount = (form.freight_rate.data.split("|") + ["", "", ""])[:3]
        data["freight_rate"] = {"carrier": carrier, "service": service, **({"amount": amount} if amount else {})}
        data.pop("freight", None)  # the freight is the rate's price
    return data, aliases


@bp.route("/rfqs/<int:rfq_id>", methods=["GET", "POST"])
@page_login_required(VENDOR)
def rfq_page(rfq_id: int):
    """An RFQ the vendor sees: its lines, why the vendor was matched, and the quote form per line."""
    actor = current_actor()
    the_rfq = rfq.visible_rfq(actor, rfq_id)
    quote = rfq.own_quote_on(actor, rfq_id)
    if quote is not None and request.method == "GET":
        return redirect(url_for(".quote", quote_id=quote.id))
    form = quote_form(the_rfq)
    offer, rates = None, None
    if request.method == "POST":
        if actor.member_role not in SELLERS:
            abort(403)
        if "get_rates" in request.form:
            offer, rates = fetch_rates(form, actor, rfq_id)
        elif form.validate_on_submit():
            data, aliases = quote_data(form)
            if not data["lines"]:
                form.page_errors.append(_("Enter a unit price for at least one line."))
            else:
                made = attempt(form, lambda: rfq.submit_quote(actor, rfq_id, load(QuoteCreateSchema(), data)), aliases)
                if made is not None:
                    return redirect(url_for(".quote", quote_id=made.id))
    step = next_step_words(rfq.rfq_next_step(actor, the_rfq, quote))
    return page("vendor/rfq.html", form, rfq=the_rfq, invitation=rfq.invitation_for(actor, rfq_id), step=step,
                hs_levels=HS_LEVELS, timeline=timeline("rfq", rfq_id), visibility=VISIBILITY,
                may_quote=rfq.may_quote(actor, the_rfq), lane=offer, rate_options=rate_options(form, rates))


def _instant(value):
    """A snapshot's ISO time as a datetime (the page shows it in the viewer's zone)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def version_rows(quote, the_rfq) -> list[dict]:
    """The quote's revisions, newest first, each line with what changed since the revision before."""
    lines = {line.id: line for line in the_rfq.lines}
    out = []
    for version in rfq.version_diffs(quote):
        changed = {c["rfq_line_id"]: c for c in version["changes"] if "rfq_line_id" in c}
        rows = []
        for line in version["snapshot"]["lines"]:
            change = changed.get(line["rfq_line_id"], {})
            rows.append({"line": lines.get(line["rfq_line_id"]), "values": line, "change": change.get("change"),
                         "fields": change.get("fields", {})})
        removed = [lines.get(c["rfq_line_id"]) for c in version["changes"] if c.get("change") == "removed"]
        terms = [{**c, "from": _instant(c["from"]), "to": _instant(c["to"])} if c["field"] == "valid_until" else c
                 for c in version["changes"] if "field" in c]
        out.append({"revision": version["revision"], "at": version["created_at"], "rows": rows, "removed": removed,
                    "terms": terms, "snapshot": version["snapshot"]})
    return list(reversed(out))


#: the quote terms a revision diff may name
TERMS = {"incoterm": _l("Incoterm"), "freight": _l("Freight"), "lead_time_days": _l("Lead time (days)"),
         "payment_terms": _l("Payment terms"), "valid_until": _l("Valid until")}


@bp.get("/quotes")
@page_login_required(VENDOR)
def quotes():
    """The vendor's quotes on every RFQ, newest first."""
    actor = current_actor()
    result = rfq.vendor_quotes(actor, {"limit": 50, "cursor": request.args.get("cursor"),
                                       "status": request.args.get("status") or None})
    rfqs = rfq.visible_rfqs(actor, [q.rfq_id for q in result["items"]])
    rows = [(q, rfqs[q.rfq_id]) for q in result["items"]]
    return page("vendor/quotes.html", rows=rows, next_cursor=result["next_cursor"])


@bp.get("/quotes/<int:quote_id>")
@page_login_required(VENDOR)
def quote(quote_id: int):
    """One quote: its current terms, every revision with the line-level diff, the timeline and the next step."""
    actor = current_actor()
    item = rfq.visible_quote(actor, quote_id)
    the_rfq = rfq.visible_rfq(actor, item.rfq_id)
    actions = rfq.quote_actions(actor, item) if actor.member_role in SELLERS else []
    return page("vendor/quote.html", quote=item, rfq=the_rfq, versions=version_rows(item, the_rfq), terms=TERMS,
                step=next_step_words(rfq.quote_next_step(actor, item)), actions=actions,
                timeline=timeline("quote", quote_id), lines={line.id: line for line in the_rfq.lines})


@bp.route("/quotes/<int:quote_id>/revise", methods=["GET", "POST"])
@page_login_required(VENDOR, roles=SELLERS)
def revise_quote(quote_id: int):
    """Replace the quote with a new version (the earlier ones stay readable)."""
    actor = current_actor()
    item = rfq.visible_quote(actor, quote_id)
    the_rfq = rfq.visible_rfq(actor, item.rfq_id)
    form = quote_form(the_rfq, item)
    offer, rates = None, None
    if request.method == "POST" and "get_rates" in request.form:
        offer, rates = fetch_rates(form, actor, item.rfq_id)
    elif request.method == "POST" and form.validate_on_submit():
        data, aliases = quote_data(form, item)
        if not data["lines"]:
            form.page_errors.append(_("Enter a unit price for at least one line."))
        else:
            done = attempt(form, lambda: rfq.revise_quote(actor, quote_id, load(QuoteCreateSchema(), data)), aliases)
            if done is not None:
                return redirect(url_for(".quote", quote_id=quote_id))
    return page("vendor/quote_form.html", form, quote=item, rfq=the_rfq, lane=offer,
                rate_options=rate_options(form, rates, item.freight_rate))


@bp.post("/quotes/<int:quote_id>/withdraw")
@page_login_required(VENDOR, roles=SELLERS)
def withdraw_quote(quote_id: int):
    """Withdraw the quote."""
    actor = current_actor()
    if attempt(Form(), lambda: rfq.withdraw_quote(actor, quote_id)) is None:
        abort(409)
    return redirect(url_for(".quote", quote_id=quote_id))
