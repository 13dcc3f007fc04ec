"""Pages: catalog orders. The buyer member's cart (quantities, prices at the tier or negotiated, MOQ / pack /
stock problems), placing it, the buyer's orders and an order's page (approve, cancel, reorder), the vendor's
incoming orders (confirm, reject with a reason)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ...accounts.auth import current_actor
from ...accounts.models import MemberRole, Organization, OrgKind
from ...deals.services import APPROVER_ROLES
from ...escrow.models import MilestoneDue
from ...extensions import db
from ...orders import services
from ...orders.models import OrderStatus
from ...orders.schemas import OrderCreateSchema
from ..forms import Form, attempt, load, page
from ..i18n import quantity, register_labels, status_label
from ..session import page_login_required
from .vendor.quotes import TermForm

bp = Blueprint("web_orders", __name__)

register_labels("order", {OrderStatus.AWAITING_APPROVAL: _l("Waiting for approval"),
                          OrderStatus.PLACED: _l("Waiting for the vendor"), OrderStatus.CONFIRMED: _l("Confirmed"),
                          OrderStatus.REJECTED: _l("Rejected by the vendor"), OrderStatus.CANCELLED: _l("Cancelled")})

#: vendor members who answer orders (as the API's)
SELLERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES)
#: what a cart line's problem codes say on the page
PROBLEMS = {"unavailable": _l("This product is no longer listed."),
            "below_moq": _l("Below the minimum order quantity (%(moq)s)."),
            "pack_size": _l("Order in multiples of the pack size (%(pack)s)."),
            "out_of_stock": _l("Only %(available)s left in stock."),
            "no_price": _l("No price for this quantity.")}


class ActionForm(Form):
    """A button: the CSRF token only."""


class AddForm(Form):
    product_id = HiddenField(validators=[DataRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(
        min=1, max=10**9, message=_l("Enter a quantity of at least 1."))], render_kw={"min": 1, "type": "number"})


class QuantityForm(Form):
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(
        min=0, max=10**9, message=_l("Enter a quantity of at least 1."))], render_kw={"min": 0, "type": "number"})


class PlaceForm(Form):
    delivery_region = StringField(_l("Delivery region"), validators=[Optional(), Regexp(
        r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", message=_l("A region code such as VN or VN-SG."))],
        render_kw={"placeholder": "VN-SG"})
    delivery_address = StringField(_l("Delivery address"), validators=[Optional(), Length(max=2000)])
    note = TextAreaField(_l("Note to the vendors"), validators=[Optional(), Length(max=2000)])


class RejectForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why you reject the order.")),
                                                   Length(min=3, max=2000)])


def problem_texts(line: dict) -> list[str]:
    """A cart line's problems in the reader's language."""
    unit = line.get("unit")
    return [str(PROBLEMS.get(p["code"], p["message"])) % {"moq": quantity(line["moq"], unit),
                                                          "pack": quantity(line["pack_size"], unit),
                                                          "available": quantity(line["available"], unit)}
            for p in line["problems"]]


@bp.get("/cart")
@page_login_required(OrgKind.BUYER)
def cart(place_form: PlaceForm | None = None):
    """The member's cart, one block per vendor (one order each), priced now."""
    form = place_form or PlaceForm()
    return page("orders/cart.html", form, cart=services.cart_view(current_actor()), problems=problem_texts,
                quantity_form=QuantityForm)


@bp.post("/cart/add")
@page_login_required(OrgKind.BUYER)
def add_to_cart():
    """"Add to cart" from the product page or the search results; the product page's "Update price" sends the same
    quantity here and is shown the page priced at it."""
    form = AddForm()
    pricing = request.form.get("action") == "price"
    if pricing and form.validate_on_submit() and str(form.product_id.data).isdigit():
        return redirect(url_for("web_buyer.product", product_id=int(form.product_id.data), quantity=form.quantity.data))
    if not pricing and form.validate_on_submit() and attempt(form, lambda: services.add_to_cart(
            current_actor(), int(form.product_id.data), form.quantity.data)) is not None:
        flash(_("Added to your cart."), "success")
        return redirect(url_for(".cart"))
    for message in [*form.page_errors, *(e for errors in form.errors.values() for e in errors)]:
        flash(str(message), "error")
    return redirect(request.referrer or url_for(".cart"))


@bp.post("/cart/<int:product_id>")
@page_login_required(OrgKind.BUYER)
def update_line(product_id: int):
    """Change a cart line's quantity (0 takes it out)."""
    form = QuantityForm()
    if form.validate_on_submit() and attempt(form, lambda: services.set_cart_quantity(
            current_actor(), product_id, form.quantity.data)) is not None:
        return redirect(url_for(".cart"))
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")
    return redirect(url_for(".cart"))


@bp.post("/cart/<int:product_id>/remove")
@page_login_required(OrgKind.BUYER)
def remove_line(product_id: int):
    """Take a product out of the cart."""
    form = ActionForm()
    if form.validate_on_submit():
        attempt(form, lambda: services.remove_from_cart(current_actor(), product_id))
    return redirect(url_for(".cart"))


@bp.post("/cart/place")
@page_login_required(OrgKind.BUYER)
def place():
    """Place the cart: one order per vendor; refused as a whole (nothing reserved) when a line breaks a rule."""
    form = PlaceForm()
    if form.validate_on_submit():
        data = {k: v for k, v in {"delivery_region": form.delivery_region.data,
                                  "delivery_address": form.delivery_address.data, "note": form.note.data}.items() if v}
        orders = attempt(form, lambda: services.place_orders(current_actor(), load(OrderCreateSchema(), data)))
        if orders is not None:
            flash(_("%(n)s order(s) placed.", n=len(orders)), "success")
            if len(orders) == 1:
                return redirect(url_for(".order", order_id=orders[0].id))
            return redirect(url_for(".orders"))
    return cart(form)


@bp.get("/orders")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
def orders():
    """The organisation's orders, newest first; approvers see those waiting for them first, vendors those waiting
    for their answer."""
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in {s.value for s in OrderStatus}:
        status = None
    result = services.list_orders(actor, {"status": status, "limit": 100, "cursor": request.args.get("cursor")})
    waiting = []
    # the orders waiting for this member come first (unfiltered list); the list below shows each other order once
    if status is None:
        if actor.role == "buyer" and actor.member_role in APPROVER_ROLES:
            waiting = services.list_orders(actor, {"status": OrderStatus.AWAITING_APPROVAL, "limit": 100})["items"]
        elif actor.role == "vendor":
            waiting = services.list_orders(actor, {"status": OrderStatus.PLACED, "limit": 100})["items"]
    shown = {o.id for o in waiting}
    result = {**result, "items": [o for o in result["items"] if o.id not in shown]}
    ids = {o.buyer_id for o in result["items"] + waiting} | {o.vendor_id for o in result["items"] + waiting}
    names = {o.id: o.name for o in db.session.query(Organization).filter(Organization.id.in_(ids))}
    if request.args.get("cursor"):
        waiting = []  # shown on the first page only
    return render_template("orders/list.html", result=result, waiting=waiting, names=names, actor=actor,
                           status=status, statuses=list(OrderStatus))


def render_order(order_id: int, form: Form | None = None, reject_form: RejectForm | None = None):
    actor = current_actor()
    order = services.get_order(actor, order_id)
    return page("orders/order.html", form, order=order, deal=services.deal_of(order),
                confirm_by=services.confirm_deadline(order), actor=actor,
                buyer_name=db.session.get(Organization, order.buyer_id).name,
                vendor_name=db.session.get(Organization, order.vendor_id).name,
                can_approve=actor.role == "buyer" and actor.member_role in APPROVER_ROLES,
                can_answer=actor.role == "vendor" and actor.member_role in SELLERS,
                reject_form=reject_form or RejectForm())


@bp.get("/orders/<int:order_id>")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM)
def order(order_id: int):
    """One order: lines at their frozen prices, status, the vendor's deadline, its deal once confirmed."""
    return render_order(order_id)


def _act(order_id: int, action, done: str, form: Form | None = None):
    form = form or ActionForm()
    if form.validate_on_submit() and attempt(form, action) is not None:
        flash(done, "success")
        return redirect(url_for(".order", order_id=order_id))
    if isinstance(form, RejectForm):
        return render_order(order_id, reject_form=form)
    return render_order(order_id, form)


@bp.post("/orders/<int:order_id>/approve")
@page_login_required(OrgKind.BUYER)
def approve(order_id: int):
    """An approver sends an order above the threshold to its vendor."""
    return _act(order_id, lambda: services.approve_order(current_actor(), order_id),
                _("The order is approved and sent to the vendor."))


@bp.post("/orders/<int:order_id>/cancel")
@page_login_required(OrgKind.BUYER)
def cancel(order_id: int):
    """The buyer withdraws an order not yet confirmed (an approver refusing it does the same)."""
    return _act(order_id, lambda: services.cancel_order(current_actor(), order_id, request.form.get("reason") or None),
                _("The order is cancelled; its stock is released."))


@bp.post("/orders/<int:order_id>/confirm")
@page_login_required(OrgKind.VENDOR, roles=SELLERS)
def confirm(order_id: int):
    """The vendor confirms: the order becomes a deal at its frozen prices."""
    form = ActionForm()
    if form.validate_on_submit():
        done = attempt(form, lambda: services.confirm_order(current_actor(), order_id))
        if done is not None:
            flash(_("Order confirmed: deal #%(id)s awaits the buyer's payment.", id=done[1].id), "success")
            return redirect(url_for("web_deals.deal", deal_id=done[1].id))
    return render_order(order_id, form)


@bp.post("/orders/<int:order_id>/reject")
@page_login_required(OrgKind.VENDOR, roles=SELLERS)
def reject(order_id: int):
    """The vendor refuses the order, with a reason."""
    form = RejectForm()
    return _act(order_id, lambda: services.reject_order(current_actor(), order_id, form.reason.data),
                _("The order is rejected; the buyer is told why."), form)


@bp.post("/orders/<int:order_id>/reorder")
@page_login_required(OrgKind.BUYER)
def reorder(order_id: int):
    """Put an earlier order's products back in the cart at today's prices."""
    form = ActionForm()
    if form.validate_on_submit():
        result = attempt(form, lambda: services.reorder_order(current_actor(), order_id))
        if result is not None:
            for gone in result["unavailable"]:
                flash(_("%(item)s is no longer available.", item=gone["description"]), "error")
            return redirect(url_for(".cart"))
    return render_order(order_id, form)


@bp.post("/orders/from-deal/<int:deal_id>")
@page_login_required(OrgKind.BUYER)
def reorder_deal(deal_id: int):
    """Put an earlier deal's catalog products back in the cart at today's prices."""
    form = ActionForm()
    if form.validate_on_submit():
        result = attempt(form, lambda: services.reorder_deal(current_actor(), deal_id))
        if result is not None:
            for gone in result["unavailable"]:
                flash(_("%(item)s is no longer available.", item=gone["description"]), "error")
    return redirect(url_for(".cart"))


# --- the vendor's payment terms for catalog orders ----------------------------------------------------------

class OrderTermsForm(Form):
    payment_terms = FieldList(FormField(TermForm), min_entries=3, max_entries=6)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]


def _terms_from(form: OrderTermsForm) -> list[dict]:
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


@bp.route("/orders/payment-terms", methods=["GET", "POST"])
@page_login_required(OrgKind.VENDOR)
def order_terms():
    """The vendor's default payment terms for catalog orders (what a confirmed order's deal is paid by)."""
    actor = current_actor()
    form = OrderTermsForm() if request.method == "POST" else OrderTermsForm(formdata=None)
    if request.method == "GET":
        for i, term in enumerate(services.vendor_order_terms(actor.org_id)["payment_terms"][:6]):
            while len(form.payment_terms.entries) <= i:
                form.payment_terms.append_entry()
            row = form.payment_terms.entries[i].form
            row.name.data, row.percent.data, row.due.data = term["name"], term["percent"], term["due"]
            row.net_days.data = term.get("net_days")
        for entry in form.payment_terms.entries:
            entry.form.due.choices = [(d.value, status_label(d.value, "milestone_due")) for d in MilestoneDue]
    elif form.validate_on_submit() and attempt(
            form, lambda: services.set_order_terms(actor, actor.org_id, _terms_from(form))) is not None:
        flash(_("Your payment terms are saved; orders you confirm from now on use them."))
        return redirect(url_for(".order_terms"))
    current = services.vendor_order_terms(actor.org_id)
    return page("orders/terms.html", form, current=current)
