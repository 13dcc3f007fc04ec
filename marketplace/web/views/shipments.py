"""Pages: shipments. The vendor books a shipment of a deal (the carriers with their prices for the deal's lane, the
quantities per line for a partial shipment), and the buyer, the vendor and admins follow it on its tracking page
(status, the events newest first, its lines, documents, proof of delivery); the vendor reports progress of its own
deliveries, records their proof of delivery and cancels a booking the carrier has not picked up."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from ...accounts.auth import current_actor
from ...deals import services as deals
from ...deals.models import DealStatus
from ...deals.services import overview
from ...errors import DomainError
from ...extensions import db
from ...rfq.models import Quote, Rfq
from ...rfq.services.freight import rfq_destination, vendor_origin
from ...settings import LOCALES
from ...shipping import documents
from ...shipping import services as shipping
from ...shipping.carriers import MANUAL, PROVINCES, enabled_carriers
from ...shipping.models import ShipmentDirection, ShipmentStatus
from ...shipping.schemas import ShipmentCreateSchema, TrackingEventCreateSchema
from ...vendors.models import VendorProfile
from ..forms import CountField, Form, attempt, load, page
from ..i18n import region_name
from ..session import page_login_required
from .deals import (
    TRACKING_TEXT,
    ActionForm,
    ShipForm,
    TrackingForm,
    carrier_name,
    render_deal,
)
from .shipping_documents import send_document

bp = Blueprint("web_shipments", __name__)

#: each status as a sentence the buyer and the vendor understand
STATUS_MEANING = {
    ShipmentStatus.PRE_TRANSIT: _l("Booked: the carrier does not have the goods yet."),
    ShipmentStatus.PICKED_UP: _l("The carrier has collected the goods."),
    ShipmentStatus.IN_TRANSIT: _l("The goods are on their way."),
    ShipmentStatus.OUT_FOR_DELIVERY: _l("The goods are on the last leg to the buyer."),
    ShipmentStatus.DELIVERY_FAILED: _l("A delivery attempt failed; the carrier will try again."),
    ShipmentStatus.EXCEPTION: _l("The shipment is held up (customs, address or damage); the carrier is on it."),
    ShipmentStatus.RETURN_IN_TRANSIT: _l("The goods are on their way back to the vendor."),
    ShipmentStatus.DELIVERED: _l("The goods were handed to the buyer."),
    ShipmentStatus.RETURNED: _l("The goods are back with the vendor."),
    ShipmentStatus.LOST: _l("The carrier lost the goods."),
    ShipmentStatus.CANCELLED: _l("The booking was cancelled; its goods are to ship again."),
}
#: what the platform writes on tracking events itself, worded (proofs name the receiver: see :func:`event_text`)
OWN_TEXT = {**TRACKING_TEXT, "Cancelled by the vendor": _l("Cancelled by the vendor"),
            shipping.BUYER_CONFIRMED: _l("Delivered: the buyer confirmed receipt")}
#: the printable documents of a shipment, by the document route's ``kind``
DOCUMENTS = (("label", _l("Shipping label")), ("packing-list", _l("Packing list")),
             ("delivery-note", _l("Delivery note")))
#: carriers' service codes, worded (others show as the carrier names them)
SERVICES = {"standard": _l("Standard service"), "road": _l("Road freight"), "express": _l("Express")}
#: statuses of a shipment whose goods will not reach the buyer (no proof of delivery then)
NOT_ARRIVING = frozenset({ShipmentStatus.RETURNED, ShipmentStatus.LOST, ShipmentStatus.CANCELLED})
#: the weight prices are shown for when the vendor has typed none and the quote declared no packing
DEFAULT_GRAMS = 1000


# --- forms -----------------------------------------------------------------------------------------


class ShipLineForm(Form):
    """One deal line of a booking: how much of it this shipment carries."""

    class Meta:
        csrf = False  # a part of :class:`BookingForm`, which carries the token

    deal_line_id = IntegerField(widget=HiddenInput())
    quantity = CountField(_l("Quantity in this shipment"), validators=[Optional()])


class BookingForm(Form):
    lines = FieldList(FormField(ShipLineForm))
    carrier = RadioField(_l("Carrier"), default=MANUAL, validators=[DataRequired(message=_l("Choose a carrier."))])
    tracking_number = StringField(_l("Tracking number"), validators=[
        Optional(), Regexp(r"^[A-Za-z0-9-]{4,64}$", message=_l("Use 4 to 64 letters, digits or dashes."))])
    origin = SelectField(_l("The goods leave from"), validators=[Optional()])
    weight_grams = CountField(_l("Gross weight (grams)"), validators=[
        Optional(), NumberRange(min=1, max=100_000_000, message=_l("Enter a weight between 1 gram and 100 tonnes."))])
    note = TextAreaField(_l("Note for the buyer"), validators=[Optional(), Length(max=2000)])


class ProofLineForm(Form):
    class Meta:
        csrf = False  # a part of :class:`ProofForm`

    deal_line_id = IntegerField(widget=HiddenInput())
    delivered_quantity = CountField(_l("Quantity received"), validators=[Optional()])


class ProofForm(Form):
    receiver_name = StringField(_l("Received by"), validators=[
        DataRequired(message=_l("Enter who received the goods.")), Length(max=200)])
    image = FileField(_l("Photo or signature (PNG or JPEG)"), validators=[
        FileRequired(message=_l("Choose the photo or the signature image."))])
    lines = FieldList(FormField(ProofLineForm))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


# --- what the pages show ---------------------------------------------------------------------------


def event_text(description: str) -> str:
    """A tracking event's text in the reader's language when the platform wrote it, else as the carrier sent it."""
    label = OWN_TEXT.get(description)
    if label is not None:
        return str(label)
    if description.startswith("Delivered to ") and description.endswith(" (proof of delivery)"):
        return _("Delivered to %(name)s (proof of delivery)", name=description[13:-20])
    if description.startswith("Proof of delivery: received by "):
        return _("Proof of delivery: received by %(name)s", name=description[31:])
    return description


def _lane(deal, chosen: str | None) -> tuple[str | None, str | None, bool]:
    """(origin, destination, origin_known): the vendor's warehouse province, else the one the vendor chose here;
    the RFQ's delivery province."""
    known = vendor_origin(db.session.get(VendorProfile, deal.vendor_id))
    origin = known or (chosen if chosen in PROVINCES else None)
    if deal.rfq_id is None:  # a catalog order's deal: the province it named
        region = (deal.terms or {}).get("delivery_region")
        return origin, region if region in PROVINCES else None, known is not None
    return origin, rfq_destination(db.session.get(Rfq, deal.rfq_id)), known is not None


def _load(deal, grams: int | None) -> tuple[dict, str]:
    """What to price and why: the typed weight as one parcel, else the packing the quote declared, else 1 kg."""
    if grams:
        return {"parcels": [{"weight_grams": grams, "length_cm": 10, "width_cm": 10, "height_cm": 10}],
                "pallets": 0}, "weight"
    declared = (db.session.get(Quote, deal.quote_id).shipment or {}) if deal.quote_id else {}
    if declared.get("parcels") or declared.get("pallets"):
        return {"parcels": declared.get("parcels", []), "pallets": declared.get("pallets", 0)}, "quote"
    return {"parcels": [{"weight_grams": DEFAULT_GRAMS, "length_cm": 10, "width_cm": 10, "height_cm": 10}],
            "pallets": 0}, "default"


def carrier_offers(deal, origin: str | None, destination: str | None, grams: int | None) -> dict:
    """Every enabled carrier with its prices for the deal's lane (``rates``, cheapest first), and why there are
    none (``problem``: ``no_origin``, ``no_destination``, ``unavailable``)."""
    carriers = enabled_carriers(current_app.config)
    offers = {code: [] for code in carriers}
    load_, basis = _load(deal, grams)
    problem = None if origin and destination else ("no_origin" if not origin else "no_destination")
    if problem is None:
        try:
            rates = shipping.quote_rates({"origin": origin, "destination": destination, **load_,
                                          "currency": deal.currency})["rates"]
        except DomainError:  # a carrier that does not answer leaves the page usable; booking still works
            rates, problem = [], "unavailable"
        for rate in rates:
            label = SERVICES.get(rate["service"])
            offers.setdefault(rate["carrier"], []).append(
                {**rate, "service_name": str(label) if label is not None else rate["service"]})
    return {"carriers": [(code, carrier_name(code), offers.get(code, [])) for code in carriers],
            "problem": problem, "basis": basis, "origin": origin, "destination": destination}


def _booking_form(deal, plan: list[dict], formdata=None) -> BookingForm:
    """The booking form: per line with something left to ship its quantity (default: all of it, at most that)."""
    open_lines = [p for p in plan if p["remaining"] > 0]
    if formdata is None:
        form = BookingForm(formdata=None, data={"lines": [{"deal_line_id": p["deal_line_id"], "quantity": p["remaining"]}
                                                         for p in open_lines]})
    else:
        form = BookingForm(formdata=formdata)
    form.carrier.choices = [(code, carrier_name(code)) for code in enabled_carriers(current_app.config)]
    form.origin.choices = [("", _("Choose the province"))] + sorted(
        ((code, region_name(code)) for code in PROVINCES), key=lambda choice: choice[1])
    left = {p["deal_line_id"]: p["remaining"] for p in plan}
    for entry in form.lines:
        most = left.get(entry.form.deal_line_id.data, 0)
        entry.form.quantity.validators = [Optional(), NumberRange(
            min=0, max=most, message=_("Between 0 and %(n)s: that much is left to ship.", n=most))]
    return form


def _vendor_deal(deal_id: int):
    """The deal as its vendor sees it (anyone else: the 404 page; a vendor's member who may not ship: 403)."""
    actor = current_actor()
    deal = deals.get_deal(actor, deal_id)
    if overview.side_of(actor, deal) != "vendor":
        abort(404)
    return actor, deal


def render_booking(deal_id: int, form: BookingForm | None = None):
    """The booking page: the lines with what is left to ship, the carriers with their prices, the fields."""
    actor, deal = _vendor_deal(deal_id)
    plan = deals.shipping_plan(deal)
    form = form or _booking_form(deal, plan)
    origin, destination, origin_known = _lane(deal, form.origin.data)
    offers = carrier_offers(deal, origin, destination, form.weight_grams.data if not form.weight_grams.errors else None)
    entries = {entry.form.deal_line_id.data: entry for entry in form.lines}
    shipments = shipping.list_shipments(actor, {"limit": 100}, deal_id=deal.id)["items"]
    return page("shipping/book.html", form, deal=deal, plan=plan, entries=entries, offers=offers,
                origin_known=origin_known, shipped_before=bool(shipments), manual=MANUAL,
                can_book=deal.status in (DealStatus.FUNDED, DealStatus.SHIPPED) and any(p["remaining"] for p in plan))


# --- booking ---------------------------------------------------------------------------------------


@bp.get("/deals/<int:deal_id>/ship", endpoint="book")
@page_login_required()
def book_page(deal_id: int):
    """The vendor's booking page for a funded deal, or for the rest of a shipped one."""
    return render_booking(deal_id)


def _booking_data(form: BookingForm) -> tuple[dict, dict[str, str]]:
    """The API's booking body from the form, and where the service's line errors go on the form (the body names
    only the lines shipped now, the form shows every open line)."""
    data: dict = {"carrier": form.carrier.data, "lines": []}
    aliases = {}
    for index, entry in enumerate(form.lines):
        if entry.form.quantity.data:
            aliases[f"lines-{len(data['lines'])}-quantity"] = f"lines-{index}-quantity"
            aliases[f"lines-{len(data['lines'])}-deal_line_id"] = f"lines-{index}-quantity"
            data["lines"].append({"deal_line_id": entry.form.deal_line_id.data, "quantity": entry.form.quantity.data})
    if form.carrier.data == MANUAL and (form.tracking_number.data or "").strip():
        data["tracking_number"] = form.tracking_number.data.strip()
    if form.weight_grams.data:
        data["weight_grams"] = form.weight_grams.data
    if (form.note.data or "").strip():
        data["note"] = form.note.data.strip()
    return data, aliases


def _booked(deal_id: int, result) -> object:
    """Where a booking leads: the new shipment's tracking page, or the deal page when the carrier's answer is
    awaited (the booking is tried once more in the background)."""
    shipment = result.shipment
    if shipment is None:
        flash(_("The carrier did not answer; we try once more and will tell you how it went."), "success")
        return redirect(url_for("web_deals.deal", deal_id=deal_id) + "#shipments")
    flash(_("The shipment is booked; the buyer is told. Print the label and the packing list below."), "success")
    return redirect(url_for("web_shipments.shipment", shipment_id=shipment.id))


@bp.post("/deals/<int:deal_id>/ship")
@page_login_required()
def book_shipment(deal_id: int):
    """Book the shipment (``do=book``), or show the prices again for the weight and origin typed (``do=prices``)."""
    _actor, deal = _vendor_deal(deal_id)
    form = _booking_form(deal, deals.shipping_plan(deal), request.form)
    if request.form.get("do") == "prices":  # a look at the prices, not a booking: nothing is checked yet
        return render_booking(deal_id, form)
    if form.validate_on_submit():
        data, aliases = _booking_data(form)
        if not data["lines"]:
            form.page_errors.append(_("Enter a quantity for at least one line."))
        else:
            result = attempt(form, lambda: deals.ship_deal(current_actor(), deal_id, load(ShipmentCreateSchema(), data)),
                             aliases)
            if result is not None:
                return _booked(deal_id, result)
    return render_booking(deal_id, form)


@bp.post("/deals/<int:deal_id>/ship/quick")
@page_login_required()
def quick_ship(deal_id: int):
    """The deal page's quick shipment: everything left to ship, by the vendor's own means, with its tracking
    number (a refusal shows on the deal page)."""
    form = ShipForm()
    if form.validate_on_submit():
        data = {"carrier": MANUAL, "tracking_number": form.tracking_number.data.strip()}
        if form.note.data:
            data["note"] = form.note.data
        result = attempt(form, lambda: deals.ship_deal(current_actor(), deal_id, load(ShipmentCreateSchema(), data)))
        if result is not None:
            return _booked(deal_id, result)
    return render_deal(deal_id, ship_form=form)


# --- tracking --------------------------------------------------------------------------------------


def _proof_form(shipment) -> ProofForm:
    """A fresh proof form: a row per line of the shipment, empty (all of it arrived)."""
    return ProofForm(formdata=None, data={"lines": [{"deal_line_id": line.deal_line_id} for line in shipment.lines]})


def render_shipment(shipment_id: int, **forms):
    """The tracking page of a shipment for the deal's buyer, its vendor and admins (others: the 404 page)."""
    actor = current_actor()
    shipment = shipping.get_shipment(actor, shipment_id)
    deal = deals.get_deal(actor, shipment.deal_id)
    side = overview.side_of(actor, deal)
    shipper = (side == "vendor" and shipment.direction == ShipmentDirection.FORWARD
               and actor.member_role in overview.SHIPPER_ROLES)
    own = shipment.carrier == MANUAL
    events = [{"at": e.occurred_at, "status": e.status, "location": e.location, "text": event_text(e.description),
               "raw": e.raw_code if e.raw_code and e.raw_code != e.status else None}
              for e in reversed(shipment.events)]
    failed = next((f for f in forms.values() if f is not None and f.has_errors), None)
    return page(
        "shipping/shipment.html", failed, shipment=shipment, deal=deal, side=side, events=events,
        meaning=STATUS_MEANING.get(shipment.status), carrier=carrier_name(shipment.carrier, short=True),
        deal_lines={line.id: line for line in deal.lines}, documents=DOCUMENTS, locales=LOCALES,
        carrier_label=documents.has_carrier_label(shipment),
        can_track=shipper and own and not shipment.is_terminal(),
        can_prove=shipper and own and shipment.proof is None and shipment.status not in NOT_ARRIVING,
        can_cancel=shipper and shipment.status == ShipmentStatus.PRE_TRANSIT,
        tracking_form=forms.get("tracking_form") or TrackingForm(),
        proof_form=forms.get("proof_form") or _proof_form(shipment), cancel_form=forms.get("cancel_form") or ActionForm(),
    )


@bp.get("/shipments/<int:shipment_id>", endpoint="shipment")
@page_login_required()
def shipment_page(shipment_id: int):
    """One shipment's tracking page."""
    return render_shipment(shipment_id)


def _back(shipment_id: int, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("web_shipments.shipment", shipment_id=shipment_id) + anchor)


@bp.post("/shipments/<int:shipment_id>/events")
@page_login_required()
def add_event(shipment_id: int):
    """The vendor reports progress of a shipment it delivers itself."""
    form = TrackingForm()
    if form.validate_on_submit():
        data = {"status": form.status.data, "description": form.description.data or ""}
        if form.location.data:
            data["location"] = form.location.data
        if attempt(form, lambda: shipping.add_manual_event(current_actor(), shipment_id,
                                                           load(TrackingEventCreateSchema(), data))) is not None:
            return _back(shipment_id, _("The tracking event is recorded."))
    return render_shipment(shipment_id, tracking_form=form)


@bp.post("/shipments/<int:shipment_id>/proof")
@page_login_required()
def record_proof(shipment_id: int):
    """The vendor records proof of delivery of its own delivery: who received it, a photo or signature and, when
    less arrived than shipped, the quantities received. The shipment is delivered with proof."""
    form = ProofForm()
    if form.validate_on_submit():
        data = {"receiver_name": form.receiver_name.data.strip(), "note": (form.note.data or "").strip()}
        delivered = [{"deal_line_id": e.form.deal_line_id.data, "delivered_quantity": e.form.delivered_quantity.data}
                     for e in form.lines if e.form.delivered_quantity.data is not None]
        if delivered:
            data["delivered"] = json.dumps(delivered)
        upload = form.image.data
        if attempt(form, lambda: shipping.record_proof(current_actor(), shipment_id, data, upload.filename,
                                                       upload.stream)) is not None:
            return _back(shipment_id, _("The proof of delivery is recorded."), "#proof")
    return render_shipment(shipment_id, proof_form=form)


@bp.get("/shipments/<int:shipment_id>/proof/image")
@page_login_required()
def proof_image(shipment_id: int):
    """The proof-of-delivery photo or signature (the deal's buyer, its vendor and admins)."""
    path, content_type, sha256 = shipping.proof_image(current_actor(), shipment_id)
    response = send_file(path, mimetype=content_type, as_attachment=False,
                         download_name=f"proof-{shipment_id}" + (".png" if content_type == "image/png" else ".jpg"))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = sha256
    return response


@bp.post("/shipments/<int:shipment_id>/cancel")
@page_login_required()
def cancel(shipment_id: int):
    """The vendor cancels a booking the carrier has not picked up; its goods are left to ship again."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: shipping.cancel_shipment(current_actor(),
                                                                                  shipment_id)) is not None:
        return _back(shipment_id, _("The booking is cancelled; its goods can be shipped again."))
    return render_shipment(shipment_id, cancel_form=form)


@bp.get("/shipments/<int:shipment_id>/documents/<string:kind>")
@page_login_required()
def document(shipment_id: int, kind: str):
    """A shipment's document as PDF in the language asked for (``?lang=vi|en``; default: the page's)."""
    return send_document(shipment_id, kind)
