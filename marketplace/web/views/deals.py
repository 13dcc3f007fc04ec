"""Pages: deals. The list with search (every kind of organisation), and the deal page: parties, lines,
milestones, paying by bank transfer with a VietQR code, shipping and tracking, delivery, acceptance,
disputes and their messages, the money's outcome, the timeline and the viewer's next step."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from ...accounts.auth import current_actor
from ...deals import services
from ...deals.models import DealStatus
from ...deals.schemas import DealQuerySchema, PartialAcceptanceCreateSchema
from ...deals.services import overview
from ...disputes import services as cases
from ...disputes.models import DisputeOutcome, DisputeReason, DisputeStatus
from ...disputes.schemas import DisputeCreateSchema, DisputeMessageCreateSchema
from ...errors import DomainError
from ...escrow.gateways.bank import vietqr
from ...escrow.gateways.bank.gateway import GATEWAY as BANK_TRANSFER
from ...escrow.models import MilestoneDue, MilestoneStatus
from ...shipping import services as shipping
from ...shipping.carriers import MANUAL, all_carriers
from ...shipping.models import ShipmentStatus
from ..forms import CountField, Form, attempt, load, page
from ..i18n import number, quantity, register_labels, status_label
from ..session import page_login_required

bp = Blueprint("web_deals", __name__, url_prefix="/deals")

register_labels("deal", {
    DealStatus.AWAITING_APPROVAL: _l("Awaiting approval"), DealStatus.AWAITING_PAYMENT: _l("Awaiting payment"),
    DealStatus.FUNDED: _l("Funded"), DealStatus.SHIPPED: _l("Shipped"), DealStatus.DELIVERED: _l("Delivered"),
    DealStatus.ACCEPTED: _l("Accepted"), DealStatus.RELEASED: _l("Released"), DealStatus.CLOSED: _l("Closed"),
    DealStatus.CANCELLED: _l("Cancelled"), DealStatus.DISPUTED: _l("Disputed"), DealStatus.RESOLVED: _l("Resolved"),
    DealStatus.REFUNDED: _l("Refunded"),
})
register_labels("milestone", {
    MilestoneStatus.PENDING: _l("Not yet payable"), MilestoneStatus.AWAITING_PAYMENT: _l("Awaiting payment"),
    MilestoneStatus.FUNDED: _l("Funded"), MilestoneStatus.RELEASED: _l("Released"),
    MilestoneStatus.REFUNDED: _l("Refunded"), MilestoneStatus.SPLIT: _l("Split"),
    MilestoneStatus.CANCELLED: _l("Cancelled"),
})
register_labels("milestone_due", {
    MilestoneDue.ON_AWARD: _l("On award"), MilestoneDue.BEFORE_SHIPMENT: _l("Before shipment"),
    MilestoneDue.ON_DELIVERY: _l("On delivery"), MilestoneDue.NET_DAYS: _l("Days after delivery"),
})
register_labels("shipment", {
    ShipmentStatus.PRE_TRANSIT: _l("Booked"), ShipmentStatus.PICKED_UP: _l("Picked up"),
    ShipmentStatus.IN_TRANSIT: _l("In transit"), ShipmentStatus.OUT_FOR_DELIVERY: _l("Out for delivery"),
    ShipmentStatus.DELIVERY_FAILED: _l("Delivery failed"), ShipmentStatus.EXCEPTION: _l("Held up"),
    ShipmentStatus.RETURN_IN_TRANSIT: _l("Returning to the vendor"), ShipmentStatus.RETURNED: _l("Returned"),
    ShipmentStatus.LOST: _l("Lost"), ShipmentStatus.DELIVERED: _l("Delivered"), ShipmentStatus.CANCELLED: _l("Cancelled"),
})
register_labels("dispute", {
    DisputeStatus.OPEN: _l("Open"), DisputeStatus.NEGOTIATING: _l("Negotiating"), DisputeStatus.ESCALATED: _l("Escalated"),
    DisputeStatus.UNDER_REVIEW: _l("Under review"), DisputeStatus.DECIDED: _l("Decided"),
    DisputeStatus.SETTLING: _l("Settling"), DisputeStatus.WITHDRAWN: _l("Withdrawn"),
})
register_labels("dispute_reason", {
    DisputeReason.NOT_RECEIVED: _l("Goods not received"), DisputeReason.NOT_AS_DESCRIBED: _l("Not as described"),
    DisputeReason.DAMAGED: _l("Damaged goods"), DisputeReason.OTHER: _l("Other reason"),
})
register_labels("dispute_outcome", {
    DisputeOutcome.RELEASE: _l("Released to the vendor"), DisputeOutcome.REFUND: _l("Refunded to the buyer"),
    DisputeOutcome.SPLIT: _l("Split"),
})
register_labels("payment_method", {"bank_transfer": _l("Bank transfer"), "stripe": _l("Card (Stripe)")})


#: the viewer's next step (``NextStep.action`` codes of ``overview.next_step``), worded
ACTIONS = {
    "approve": _l("Approve this deal so that it can be paid."),
    "pay": _l("Pay the deal into escrow: start the bank transfer."),
    "transfer": _l("Transfer each milestone's amount with its reference; the deal is funded when the platform "
                   "confirms the money."),
    "ship": _l("Ship the goods and enter the carrier's tracking number."),
    "ship_rest": _l("Part of the goods is on its way: ship the rest from the booking page (the shipping plan shows "
                    "what is left)."),
    "confirm_delivery": _l("Confirm delivery when the goods arrive, or open a dispute if something is wrong."),
    "accept": _l("Inspect the goods, then accept them or open a dispute."),
    "reply_dispute": _l("Answer in the dispute conversation."),
    "confirm_transfer": _l("Confirm the buyer's bank transfer when the money arrives."),
    "decide": _l("Decide the dispute on the dispute desk."),
    "cancel_unshipped": _l("The vendor did not ship in time: you may cancel this deal and get a full refund."),
    "pay_balance": _l("Pay the balance due after delivery with its payment reference, by its due date."),
}
#: the buyer's next step while the vendor has shipped part of the goods (``confirm_delivery_partial``), filled with
#: :func:`shipping_progress`
PARTLY_SHIPPED = _l("Shipped so far: %(shipped)s. Still to ship by the vendor: %(left)s. Confirm delivery once "
                    "everything has arrived, or open a dispute if something is wrong.")
#: steps after which the viewer waits on someone else: the page watches the deal's status meanwhile
LIVE_ACTIONS = {"transfer"}
#: ``NextStep.waiting_for`` codes, worded (when nothing is asked of the viewer)
WAITING = {
    "buyer": _l("Nothing to do now: waiting for the buyer."),
    "approver": _l("Nothing to do now: waiting for an approver of the buyer."),
    "vendor": _l("Nothing to do now: waiting for the vendor."),
    "admin": _l("Nothing to do now: waiting for the platform's decision."),
    "platform": _l("Nothing to do now: the platform is moving the money."),
    None: _l("Nothing more to do on this deal."),
}
#: ``NextStep.lapse`` codes, worded
LAPSES = {
    "auto_accept": _l("the inspection window ends: the goods are accepted automatically and the money is "
                      "released to the vendor."),
    "late_shipment": _l("the shipment counts as late in the vendor's delivery record."),
    "assume_delivered": _l("the vendor's report of delivery counts as confirmed and the inspection window starts."),
    "auto_cancel": _l("the unpaid deal is cancelled; money that arrives later is refunded to the buyer."),
    "buyer_may_cancel": _l("the buyer may cancel the unshipped deal and get a full refund."),
    "balance_overdue": _l("the payment is overdue: both sides are told, and it shows on the deal and in any dispute."),
}
#: timeline events by (subject, name)
EVENTS = {
    ("deal", "create"): _l("Deal created"),
    ("deal", "approve"): _l("Deal approved"),
    ("deal", "cancel"): _l("Deal cancelled"),
    ("deal", "milestone_funded"): _l("Milestone %(milestone)s paid into escrow"),
    ("deal", "milestone_due"): _l("Milestone %(milestone)s falls due after delivery"),
    ("deal", "milestone_overdue"): _l("Milestone %(milestone)s is overdue"),
    ("deal", "milestone_held"): _l("Milestone %(milestone)s paid into escrow after delivery"),
    ("deal", "milestone_released"): _l("Milestone %(milestone)s paid after release and passed on to the vendor"),
    ("deal", "e_invoice_attached"): _l("The vendor attached its VAT e-invoice"),
    ("deal", "fund"): _l("Deal fully paid into escrow"),
    ("deal", "ship"): _l("Goods shipped (tracking %(tracking_number)s)"),
    ("deal", "shipment_added"): _l("More goods shipped (tracking %(tracking_number)s)"),
    ("deal", "booking_queued"): _l("The carrier did not answer the booking; it is tried once more"),
    ("deal", "partly_delivered"): _l("A shipment arrived; more goods are still on their way"),
    ("deal", "confirm_delivery"): _l("Delivery confirmed; the inspection window started"),
    ("deal", "delivery_reported"): _l("The vendor reports the goods delivered; the buyer is asked to confirm"),
    ("deal", "accept"): _l("Goods accepted"),
    ("deal", "accept_partly"): _l("Goods accepted in part: that share released, the rest disputed"),
    ("deal", "release"): _l("Money released to the vendor"),
    ("deal", "open_dispute"): _l("Dispute opened"),
    ("deal", "withdraw_dispute"): _l("Dispute withdrawn: the deal is accepted"),
    ("deal", "resolve"): _l("Dispute decision settled"),
    ("deal", "refund"): _l("Deal refunded to the buyer"),
    ("deal", "close"): _l("Deal closed"),
    ("dispute", "create"): _l("Dispute case opened"),
    ("dispute", "respond"): _l("The vendor answered the dispute"),
    ("dispute", "escalate"): _l("Dispute escalated to the platform"),
    ("dispute", "review"): _l("The platform is reviewing the dispute"),
    ("dispute", "decide"): _l("The platform decided the dispute"),
    ("dispute", "settle"): _l("Settlement of the decision started"),
    ("dispute", "resolve"): _l("Dispute resolved"),
    ("dispute", "withdraw"): _l("Dispute withdrawn by the buyer"),
}
#: a dispute's own events that repeat one of the deal's on the same page (opened, settled, resolved)
REPEATED = {("dispute", "create"), ("dispute", "settle"), ("dispute", "resolve")}
#: who acted, by the event's actor role, when no person is named
ROLES = {"system": _l("Platform (automatic)"), "admin": _l("Platform"), "buyer": _l("Buyer"), "vendor": _l("Vendor")}
#: texts the platform writes on tracking events itself, worded
TRACKING_TEXT = {"Shipment created": _l("Shipment created")}
#: statuses a vendor may report for a manual shipment (booking is automatic)
TRACKING_CHOICES = [
    (ShipmentStatus.PICKED_UP.value, _l("Picked up")), (ShipmentStatus.IN_TRANSIT.value, _l("In transit")),
    (ShipmentStatus.OUT_FOR_DELIVERY.value, _l("Out for delivery")),
    (ShipmentStatus.DELIVERY_FAILED.value, _l("Delivery failed")), (ShipmentStatus.EXCEPTION.value, _l("Held up")),
    (ShipmentStatus.DELIVERED.value, _l("Delivered")),
    (ShipmentStatus.RETURN_IN_TRANSIT.value, _l("Returning to the vendor")),
    (ShipmentStatus.RETURNED.value, _l("Returned")), (ShipmentStatus.LOST.value, _l("Lost")),
]


# --- forms -----------------------------------------------------------------------------------------


class ActionForm(Form):
    """A button that changes the deal (its CSRF token is all it carries)."""


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)],
                    render_kw={"placeholder": _l("Deal number, goods or company")})
    status = SelectField(_l("Status"), validators=[Optional()])


class ShipForm(Form):
    """The deal page's quick shipment: everything left to ship, delivered by the vendor or a carrier it booked
    itself, with that tracking number (the booking page offers the carriers, their prices and partial quantities)."""

    carrier = HiddenField(default=MANUAL)
    tracking_number = StringField(_l("Tracking number"), validators=[
        DataRequired(message=_l("Enter the tracking number.")),
        Regexp(r"^[A-Za-z0-9-]{4,64}$", message=_l("Use 4 to 64 letters, digits or dashes."))])
    note = TextAreaField(_l("Note for the buyer"), validators=[Optional(), Length(max=2000)])


class TrackingForm(Form):
    status = SelectField(_l("What happened"), choices=TRACKING_CHOICES, validators=[DataRequired()])
    location = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    description = StringField(_l("Details"), validators=[Optional(), Length(max=2000)])


class DisputeForm(Form):
    reason = SelectField(_l("Reason"), validators=[DataRequired(message=_l("Choose a reason."))])
    description = TextAreaField(_l("What is wrong"), validators=[
        DataRequired(message=_l("Describe the problem.")), Length(min=5, max=10000)])


class AcceptedLineForm(Form):
    """One line of a partial acceptance: the quantity the buyer accepts."""

    class Meta:
        csrf = False  # a part of :class:`PartialAcceptanceForm`, which carries the token

    deal_line_id = IntegerField(widget=HiddenInput())
    quantity = CountField(_l("Accepted quantity"), validators=[InputRequired(message=_l("Enter the quantity you accept."))])


class PartialAcceptanceForm(Form):
    lines = FieldList(FormField(AcceptedLineForm))
    description = TextAreaField(_l("What is missing or wrong with the rest"), validators=[
        DataRequired(message=_l("Describe what is missing or wrong.")), Length(min=5, max=10000)])


class MessageForm(Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write a message.")), Length(max=10000)])


#: carriers' names as people read them (adapters name the others themselves)
CARRIER_NAMES = {MANUAL: _l("Own delivery or any carrier (tracking entered by hand)")}
#: short carrier names for lists
CARRIER_SHORT = {MANUAL: _l("Own delivery")}


def carrier_name(code: str, short: bool = False) -> str:
    """A carrier's name for people: ours translated, an adapter's as it names itself, else its code."""
    label = (CARRIER_SHORT if short else CARRIER_NAMES).get(code)
    if label is not None:
        return str(label)
    carrier = all_carriers().get(code)
    return carrier.name if carrier is not None else code


def left_to_ship(plan: list[dict]) -> int:
    """How many units of the deal's lines are still to ship (0: everything is on its way or arrived)."""
    return sum(p["remaining"] for p in plan)


def shipping_progress(plan: list[dict]) -> dict[str, str]:
    """What of each line has shipped (on its way or delivered) and what the vendor still has to ship, worded in the
    page's language: ``{"shipped": "400 of 800 bags (Cement)", "left": "400 bags (Cement); 30 m3 (Sand)"}``."""
    shipped = [_("%(sent)s of %(ordered)s (%(item)s)", sent=number(p["in_transit"] + p["delivered"]),
                 ordered=quantity(p["quantity"], p["unit"]), item=p["description"])
               for p in plan if p["in_transit"] + p["delivered"] > 0]
    left = [f"{quantity(p['remaining'], p['unit'])} ({p['description']})" for p in plan if p["remaining"] > 0]
    return {"shipped": "; ".join(shipped) or _("nothing yet"), "left": "; ".join(left) or _("nothing")}


def may_ship(actor, deal, actions, plan: list[dict]) -> bool:
    """May the viewer book a shipment now: a funded deal (``ship``), or a shipped one with goods left to ship."""
    if "ship" in actions:
        return True
    return (overview.side_of(actor, deal) == "vendor" and deal.status == DealStatus.SHIPPED
            and actor.member_role in overview.SHIPPER_ROLES and left_to_ship(plan) > 0)


def _dispute_form() -> DisputeForm:
    form = DisputeForm()
    form.reason.choices = [("", _("Choose a reason"))] + [(r.value, str(r_label)) for r, r_label in (
        (DisputeReason.NOT_RECEIVED, _l("Goods not received")),
        (DisputeReason.NOT_AS_DESCRIBED, _l("Not as described")),
        (DisputeReason.DAMAGED, _l("Damaged goods")),
        (DisputeReason.OTHER, _l("Other reason")))]
    return form


# --- the list --------------------------------------------------------------------------------------


@bp.get("/", endpoint="deals")
@page_login_required()
def deals_page():
    """The viewer's deals (a platform admin: every deal), newest first, by status and a search."""
    actor = current_actor()
    form = SearchForm(request.args)
    form.status.choices = [("", _("Every status"))] + [(s.value, status_label(s.value, "deal")) for s in DealStatus]
    raw = {"status": request.args.get("status") or None, "cursor": request.args.get("cursor") or None}
    try:
        params = load(DealQuerySchema(), {k: v for k, v in raw.items() if v is not None})
        params["q"] = (request.args.get("q") or "").strip()[:200]
        result = overview.search_deals(actor, params)
    except (ValidationError, DomainError):
        result = {"items": [], "next_cursor": None}
        form.page_errors.append(_("The filter is not valid; start a new search."))
    ids = [i for d in result["items"] for i in (d.buyer_id, d.vendor_id)]
    return render_template("deals/list.html", search=form, result=result, names=overview.org_names(ids), actor=actor)


# --- the deal page ---------------------------------------------------------------------------------


def _actor_text(event: dict) -> str:
    if event["user"]:
        who = event["user"]
        if event["organization"]:
            who += " · " + event["organization"]
        return who
    return str(ROLES.get(event["role"], event["role"]))


def _event_text(event: dict) -> str:
    label = EVENTS.get((event["subject"], event["name"]))
    if label is None:
        return event["name"].replace("_", " ")
    payload = event["payload"]
    return str(label) % {"milestone": payload.get("milestone", ""), "tracking_number": payload.get("tracking_number", "")}


@lru_cache(maxsize=512)
def qr_image(text: str) -> str:
    """The VietQR code of a payload as an SVG ``data:`` URI, drawn once per process: it depends on the payload
    alone (bank, account, amount, reference), and drawing it (segno, about 20 ms) was the dearest part of the page
    of a deal awaiting payment, redrawn on every view. 512 codes of about 4 kB at most."""
    return vietqr.svg_data_uri(text)


def _payments(actor, deal, actions) -> list[dict]:
    """Each milestone's bank-transfer instructions with its VietQR code (buyers and admins only)."""
    if actor.org_id == deal.vendor_id or deal.gateway != BANK_TRANSFER:
        return []
    rows = []
    for m in services.payment_instructions(deal)["milestones"]:
        ins = m.get("instructions")
        if not ins:
            continue
        row = {**m, "instructions": ins, "qr": None}
        try:
            text = vietqr.for_instructions(ins)
            row["qr"], row["qr_text"] = qr_image(text), text
        except vietqr.VietQRError:
            pass  # another currency or an account VietQR cannot carry: the details are still shown
        rows.append(row)
    return rows


def _partial_form(deal) -> PartialAcceptanceForm:
    """The partial acceptance form, every line filled with its whole quantity."""
    return PartialAcceptanceForm(formdata=None, data={"lines": [{"deal_line_id": line.id, "quantity": line.quantity}
                                                                for line in deal.lines]})


def render_deal(deal_id: int, partial_preview: dict | None = None, **forms):
    """The deal page for the viewer, with any form that failed (422) in place of a fresh one (and, while the
    buyer checks a partial acceptance, what it would release)."""
    actor = current_actor()
    deal = services.get_deal(actor, deal_id)
    dispute = overview.latest_dispute(actor, deal)
    actions = overview.allowed_actions(actor, deal, dispute)
    step = overview.next_step(actor, deal, dispute)
    shipments = shipping.list_shipments(actor, {"limit": 100}, deal_id=deal.id)["items"]
    plan = services.shipping_plan(deal)
    events = overview.deal_timeline(actor, deal.id)
    timeline = [{"at": e["at"], "actor": _actor_text(e), "text": _event_text(e)} for e in events
                if (e["subject"], e["name"]) not in REPEATED]
    messages, authors = [], {}
    if dispute is not None:
        messages = cases.list_messages(actor, dispute.id, {"limit": 100})["items"]
        authors = overview.user_names(m.author_id for m in messages)
    names = overview.org_names([deal.buyer_id, deal.vendor_id])
    what = ACTIONS.get(step.action) if step.action else WAITING.get(step.waiting_for, WAITING[None])
    if step.action == "confirm_delivery_partial":
        what = str(PARTLY_SHIPPED) % shipping_progress(plan)
    failed = next((f for f in forms.values() if f is not None and f.has_errors), None)
    context = dict(
        deal=deal, dispute=dispute, actions=actions, step=step, what=what,
        lapse=LAPSES.get(step.lapse) if step.deadline else None, shipments=shipments, timeline=timeline,
        messages=messages, authors=authors, names=names, money=overview.money_summary(deal),
        decision=dispute.decision_summary if dispute is not None else None,
        payments=_payments(actor, deal, actions), tracking_text=TRACKING_TEXT, plan=plan,
        can_ship=may_ship(actor, deal, actions, plan), left=left_to_ship(plan), carrier_name=carrier_name,
        live=step.waiting_for is not None or step.action in LIVE_ACTIONS, side=overview.side_of(actor, deal),
        pay_form=forms.get("pay_form") or ActionForm(), ship_form=forms.get("ship_form") or ShipForm(),
        dispute_form=forms.get("dispute_form") or _dispute_form(),
        message_form=forms.get("message_form") or MessageForm(), action_form=forms.get("action_form") or ActionForm(),
        partial_form=forms.get("partial_form") or _partial_form(deal), partial_preview=partial_preview,
        deal_lines={line.id: line for line in deal.lines}, partial=services.partial_acceptance_of(deal),
    )
    return page("deals/deal.html", failed, **{k: v for k, v in context.items()})


@bp.get("/<int:deal_id>", endpoint="deal")
@page_login_required()
def deal_page(deal_id):
    """One deal as its buyer, its vendor or a platform admin sees it (another organisation's: the 404 page)."""
    return render_deal(deal_id)


@bp.get("/<int:deal_id>/status")
@page_login_required()
def status(deal_id):
    """The live part of the deal page (htmx): a reload link once the deal's status is no longer ``shown``."""
    deal = services.get_deal(current_actor(), deal_id)
    return render_template("deals/_fragment.html", deal=deal, shown=request.args.get("shown", deal.status))


def _done(deal_id: int, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("web_deals.deal", deal_id=deal_id) + anchor)


@bp.post("/<int:deal_id>/pay")
@page_login_required()
def pay(deal_id):
    """The buyer starts paying by bank transfer: a reference per milestone, the bank details, a VietQR code."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(
            form, lambda: services.pay_deal(current_actor(), deal_id, BANK_TRANSFER)) is not None:
        return _done(deal_id, _("Transfer the amount with the reference shown; the deal is funded once the money "
                                "arrives."), "#payment")
    return render_deal(deal_id, pay_form=form)


@bp.post("/<int:deal_id>/approve")
@page_login_required()
def approve(deal_id):
    """An approver of the buyer lets the deal go ahead."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: services.approve_deal(current_actor(), deal_id)):
        return _done(deal_id, _("The deal is approved and can be paid."))
    return render_deal(deal_id, action_form=form)


@bp.post("/<int:deal_id>/cancel")
@page_login_required()
def cancel(deal_id):
    """Either party cancels before any money is held."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: services.cancel_deal(current_actor(), deal_id, None)):
        return _done(deal_id, _("The deal is cancelled."))
    return render_deal(deal_id, action_form=form)


@bp.post("/<int:deal_id>/confirm-delivery")
@page_login_required()
def confirm_delivery(deal_id):
    """The buyer confirms the goods arrived; the inspection window starts."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: services.confirm_delivery(current_actor(), deal_id)):
        return _done(deal_id, _("Delivery confirmed. Inspect the goods, then accept them or open a dispute."))
    return render_deal(deal_id, action_form=form)


@bp.post("/<int:deal_id>/accept")
@page_login_required()
def accept(deal_id):
    """The buyer accepts the goods; the money is released to the vendor."""
    form = ActionForm()
    if form.validate_on_submit() and attempt(form, lambda: services.accept_deal(current_actor(), deal_id)):
        return _done(deal_id, _("Goods accepted; the money is being released to the vendor."))
    return render_deal(deal_id, action_form=form)


@bp.post("/<int:deal_id>/partial-acceptance")
@page_login_required()
def accept_partly(deal_id):
    """The buyer accepts part of the goods: first a preview of what would be released (``do=preview``), then
    the confirmation (``do=confirm``) releases that share and opens a dispute over the rest."""
    form = PartialAcceptanceForm()
    if form.validate_on_submit():
        data = {"lines": [{"deal_line_id": entry.form.deal_line_id.data, "quantity": entry.form.quantity.data}
                          for entry in form.lines], "description": form.description.data.strip()}
        if request.form.get("do") == "confirm":
            if attempt(form, lambda: services.accept_deal_partly(current_actor(), deal_id,
                                                                 load(PartialAcceptanceCreateSchema(), data))):
                return _done(deal_id, _("The accepted part is released to the vendor; the rest stays in escrow "
                                        "under the dispute opened for it."), "#dispute")
        else:
            preview = attempt(form, lambda: services.preview_partial_acceptance(
                current_actor(), deal_id, load(PartialAcceptanceCreateSchema(), data)["lines"]))
            if preview is not None:
                return render_deal(deal_id, partial_preview=preview, partial_form=form)
    return render_deal(deal_id, partial_form=form)


@bp.post("/<int:deal_id>/dispute")
@page_login_required()
def open_dispute(deal_id):
    """The buyer opens a dispute: the release of the money is frozen until it is resolved."""
    form = _dispute_form()
    if form.validate_on_submit():
        data = {"reason": form.reason.data, "description": form.description.data.strip()}
        if attempt(form, lambda: services.open_dispute(current_actor(), deal_id,
                                                       load(DisputeCreateSchema(), data))) is not None:
            return _done(deal_id, _("The dispute is open; the money stays in escrow until it is resolved."),
                         "#dispute")
    return render_deal(deal_id, dispute_form=form)


def _check_dispute(deal_id: int, dispute_id: int) -> None:
    """The dispute is the deal's and the viewer may see both (else the 404 page)."""
    if cases.get_dispute(current_actor(), dispute_id).deal_id != services.get_deal(current_actor(), deal_id).id:
        abort(404)


@bp.post("/<int:deal_id>/dispute/<int:dispute_id>/withdraw")
@page_login_required()
def withdraw_dispute(deal_id, dispute_id):
    """The buyer withdraws the dispute, which accepts the deal."""
    form = ActionForm()
    _check_dispute(deal_id, dispute_id)
    if form.validate_on_submit() and attempt(form, lambda: services.withdraw_dispute(current_actor(), dispute_id)):
        return _done(deal_id, _("The dispute is withdrawn and the deal accepted."))
    return render_deal(deal_id, action_form=form)


@bp.post("/<int:deal_id>/dispute/<int:dispute_id>/messages")
@page_login_required()
def message(deal_id, dispute_id):
    """A party (or an admin) writes in the dispute conversation."""
    form = MessageForm()
    _check_dispute(deal_id, dispute_id)
    if form.validate_on_submit():
        data = load(DisputeMessageCreateSchema(), {"body": form.body.data.strip()}) if form.body.data.strip() else None
        if data is None:
            form.body.errors = [*form.body.errors, _("Write a message.")]
        elif attempt(form, lambda: cases.add_message(current_actor(), dispute_id, data["body"])) is not None:
            return _done(deal_id, _("Your message is sent."), "#dispute")
    return render_deal(deal_id, message_form=form)
