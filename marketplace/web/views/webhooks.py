"""Webhook settings pages (owners and admins): endpoints and their health, the secret shown once, rotation,
test events, and the delivery log with replay. The same services as ``/api/v1/webhooks``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ...accounts.auth import current_actor
from ...accounts.models import MANAGERS
from ...errors import ConflictError
from ...extensions import db
from ...webhooks import services as webhooks
from ...webhooks.models import ALL_EVENTS, PING, DeliveryStatus
from ...webhooks.schemas import EndpointCreateSchema, EndpointUpdateSchema
from .. import session
from ..forms import Form, attempt, load, translate

bp = Blueprint("web_webhooks", __name__, url_prefix="/account/webhooks")

#: event types worded for people (the code is shown beside; a kind without a label shows its code alone)
EVENT_LABELS = {
    "rfq_invitation": _l("Invited to quote on an RFQ"),
    "quote_received": _l("A quote was received"),
    "quote_revised": _l("A quote was revised"),
    "revision_requested": _l("The buyer asks for a revised quote"),
    "quote_not_selected": _l("A quote was not selected"),
    "deal_awarded": _l("A deal was awarded"),
    "deal_funded": _l("A deal is funded in escrow"),
    "deal_released": _l("Money for a deal was released"),
    "deal_partly_accepted": _l("Part of a deal was accepted"),
    "dispute_opened": _l("The buyer opened a dispute"),
    "dispute_opened_by_vendor": _l("The vendor opened a dispute"),
    "dispute_filed": _l("A new dispute reached the dispute desk"),
    "dispute_state_changed": _l("A dispute moved to a new stage"),
    "dispute_offer_made": _l("An offer was made in a dispute"),
    "dispute_offer_rejected": _l("An offer in a dispute was rejected"),
    "dispute_evidence_requested": _l("Evidence was requested in a dispute"),
    "rfq_approval_requested": _l("An RFQ awaits approval"),
    "rfq_approved": _l("An RFQ was approved and published"),
    "rfq_approval_rejected": _l("An RFQ was sent back"),
    "vendor_reverification": _l("A change awaits re-verification"),
    "vendor_verified": _l("The business was verified"),
    "vendor_rejected": _l("The verification was rejected"),
    "delivery_reported": _l("The vendor reports a delivery"),
    "payment_lapsed": _l("A deal was cancelled for non-payment"),
    "ship_by_due": _l("A deal must ship soon"),
    "deal_cancelled_unshipped": _l("The buyer cancelled an unshipped deal"),
    "deal_approval_requested": _l("A deal awaits approval"),
    "deal_payable": _l("A deal awaits payment"),
    "payment_received": _l("The payment is held in escrow"),
    "deal_shipped": _l("A deal was shipped"),
    "deal_delivered": _l("A deal was delivered"),
    "deal_accepted": _l("The goods were accepted"),
    "deal_completed": _l("A deal is complete"),
    "deal_refunded": _l("A deal was refunded"),
    "deal_refunded_vendor": _l("A deal was refunded: do not ship"),
    "deal_cancelled": _l("A deal was cancelled"),
    "vendor_verification_requested": _l("A vendor asks to be verified"),
    "vendor_change_review": _l("A vendor's change awaits review"),
    "deal_partly_delivered": _l("One shipment of a deal arrived"),
    "shipment_booked": _l("A queued carrier booking went through"),
    "shipment_booking_failed": _l("A carrier booking failed"),
    "shipment_delivery_failed": _l("A delivery attempt failed"),
    "shipment_exception": _l("A shipment is held up"),
    "shipment_lost": _l("A shipment was lost"),
    "shipment_returning": _l("A shipment is coming back to you"),
    "shipment_returning_receiver": _l("A shipment is going back to its sender"),
    "shipment_returned": _l("A shipment is back with you"),
    "shipment_returned_receiver": _l("A shipment went back to its sender"),
    "order_placed": _l("An order was placed with you"),
    "order_approval_requested": _l("An order waits for approval"),
    "order_confirmed": _l("An order was confirmed"),
    "order_rejected": _l("An order was rejected"),
    "order_confirm_due": _l("An order's confirmation deadline is near"),
    "order_lapsed": _l("An order lapsed unconfirmed"),
    "contract_proposed": _l("A contract waits for your signature"),
    "contract_signed": _l("A contract was signed by both sides"),
    "contract_declined": _l("A contract was declined"),
    "contract_withdrawn": _l("A contract or amendment was withdrawn"),
    "contract_lapsed": _l("A contract or amendment lapsed unsigned"),
    "contract_expiring": _l("A contract ends soon"),
    "contract_expired": _l("A contract ended"),
    "contract_terminated": _l("A contract was terminated"),
    "contract_amendment_proposed": _l("A contract amendment waits for your acceptance"),
    "contract_amended": _l("A contract amendment took effect"),
    "contract_amendment_declined": _l("A contract amendment was declined"),
    "contract_call_off": _l("Goods were called off under a contract"),
    "milestone_due": _l("A payment fell due after delivery"),
    "milestone_due_soon": _l("A payment's due date is near"),
    "milestone_overdue": _l("A payment is overdue"),
    "milestone_overdue_vendor": _l("A buyer's payment to you is overdue"),
    "milestone_paid": _l("A payment due after delivery was paid"),
    "e_invoice_mismatch": _l("An e-invoice does not match its deal"),
    "deal_reviewed": _l("A buyer reviewed a deal"),
    "deal_review_replied": _l("The vendor replied to a review"),
    PING: _l("Test event"),
}
#: delivery statuses worded for people (kept here: the shared status labels mean other things by "pending")
DELIVERY_LABELS = {
    DeliveryStatus.PENDING: _l("Retrying"), DeliveryStatus.SUCCEEDED: _l("Accepted by the endpoint"),
    DeliveryStatus.FAILED: _l("Failed"), DeliveryStatus.SKIPPED: _l("Skipped"),
}
NEW_LABEL = _l("Waiting")  #: a pending delivery before its first attempt


class EndpointForm(Form):
    url = StringField(_l("URL"), validators=[DataRequired(message=_l("Please fill in this field.")),
                                             Length(max=2000, message=_l("This text is too long or too short."))],
                      render_kw={"placeholder": "https://erp.example.vn/marketplace/webhooks", "inputmode": "url"})
    description = StringField(_l("Description"),
                              validators=[Length(max=500, message=_l("This text is too long or too short."))])
    all_events = BooleanField(_l("Every event, including kinds added later"))
    event_types = SelectMultipleField(_l("Events to send"), widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput(), validate_choice=False)
    enabled = BooleanField(_l("Enabled"), default=True)


def _label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return f"{label} ({kind})" if label else kind


def _form(formdata=None, **data) -> EndpointForm:
    form = EndpointForm(formdata=formdata, **data)
    form.event_types.choices = [(kind, _label(kind)) for kind in webhooks.event_types()]
    return form


def _data(form: EndpointForm) -> dict:
    """The form as the JSON endpoints receive it."""
    return {"url": (form.url.data or "").strip(), "description": form.description.data or "",
            "event_types": [ALL_EVENTS] if form.all_events.data else list(form.event_types.data or []),
            "enabled": bool(form.enabled.data)}


def _context() -> dict:
    return {"event_label": _label, "delivery_label": lambda d: DELIVERY_LABELS.get(d) if d else "",
            "new_label": NEW_LABEL, "ALL_EVENTS": ALL_EVENTS}


@bp.route("/", methods=["GET", "POST"])
@session.page_login_required(roles=MANAGERS)
def index():
    """The organisation's endpoints with their health; a form to add one (its secret is shown once)."""
    actor = current_actor()
    form = _form(request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        endpoint = attempt(form, lambda: webhooks.create_endpoint(actor, load(EndpointCreateSchema(), _data(form))))
        if endpoint is not None:
            return render_template("webhooks/secret.html", endpoint=endpoint, created=True, **_context()), 201
    elif request.method == "GET":
        form.enabled.data = True
    endpoints = webhooks.list_endpoints(actor, {"limit": 50, "cursor": request.args.get("cursor")})
    status = 422 if request.method == "POST" else 200
    return render_template("webhooks/index.html", form=form, endpoints=endpoints, **_context()), status


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@session.page_login_required(roles=MANAGERS)
def endpoint(endpoint_id: int):
    """One endpoint: edit it, send a test event, rotate its secret, delete it; its delivery log with replay."""
    actor = current_actor()
    found = webhooks.get_endpoint(actor, endpoint_id)  # another organisation's: the 404 page
    if request.method == "POST":
        form = _form(request.form)
        if form.validate():
            data = load(EndpointUpdateSchema(), _data(form))
            if attempt(form, lambda: webhooks.update_endpoint(actor, endpoint_id, data)) is not None:
                flash(_("The endpoint was saved."))
                return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
        found = webhooks.get_endpoint(actor, endpoint_id)
    else:
        every = ALL_EVENTS in found.event_types
        form = _form(url=found.url, description=found.description, enabled=found.enabled, all_events=every,
                     event_types=[] if every else list(found.event_types))
    log = webhooks.list_deliveries(actor, endpoint_id, {"limit": 20, "cursor": request.args.get("cursor")})
    status = 422 if request.method == "POST" else 200
    return render_template("webhooks/endpoint.html", form=form, endpoint=found, log=log, **_context()), status


@bp.post("/<int:endpoint_id>/rotate")
@session.page_login_required(roles=MANAGERS)
def rotate(endpoint_id: int):
    """A new secret, shown once; the old one keeps signing during the overlap."""
    form = Form()
    rotated = attempt(form, lambda: webhooks.rotate_secret(current_actor(), endpoint_id))
    if rotated is None:
        return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    return render_template("webhooks/secret.html", endpoint=rotated, created=False, **_context())


@bp.post("/<int:endpoint_id>/test")
@session.page_login_required(roles=MANAGERS)
def send_test(endpoint_id: int):
    """Queue a test event to the endpoint."""
    try:
        webhooks.send_test(current_actor(), endpoint_id)  # another organisation's: the 404 page
    except ConflictError as exc:
        db.session.rollback()
        flash(translate(exc.message), "error")
    else:
        db.session.commit()
        flash(_("A test event is on its way. Reload the page to see the delivery."))
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/<int:endpoint_id>/delete")
@session.page_login_required(roles=MANAGERS)
def delete(endpoint_id: int):
    """Delete the endpoint and its delivery log."""
    webhooks.delete_endpoint(current_actor(), endpoint_id)
    db.session.commit()
    flash(_("The endpoint was deleted."))
    return redirect(url_for(".index"))


@bp.post("/deliveries/<int:delivery_id>/replay")
@session.page_login_required(roles=MANAGERS)
def replay(delivery_id: int):
    """Send a delivery's event again, as a new delivery."""
    try:
        delivery = webhooks.replay_delivery(current_actor(), delivery_id)  # another organisation's: the 404 page
    except ConflictError as exc:
        db.session.rollback()
        flash(translate(exc.message), "error")
        return redirect(session.safe_next(request.args.get("next"), url_for(".index")))
    db.session.commit()
    flash(_("The event will be sent again as delivery #%(id)s.", id=delivery.id))
    return redirect(url_for(".endpoint", endpoint_id=delivery.endpoint_id))
