"""Catalog order endpoints: the member's cart, placing it (one order per vendor), approval, the vendor's
confirmation or rejection, and reordering from an earlier order or deal."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import page_schema
from . import services
from .schemas import (
    CartItemCreateSchema,
    CartItemUpdateSchema,
    CartSchema,
    OrderConfirmedSchema,
    OrderCreateSchema,
    OrderQuerySchema,
    OrderReasonSchema,
    OrderRejectSchema,
    OrderSchema,
    OrdersPlacedSchema,
    OrderTermsInSchema,
    OrderTermsSchema,
)

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Catalog orders")

buyer_member = login_required(OrgKind.BUYER)
#: vendor members who answer orders
SELLERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES)


@blp.route("/cart")
@buyer_member
@blp.response(200, CartSchema)
def get_cart():
    """The caller's cart priced now for its organisation, grouped by vendor, with what stops each line."""
    return services.cart_view(current_actor())


@blp.route("/cart", methods=["DELETE"])
@buyer_member
@blp.response(200, CartSchema)
def empty_cart():
    """Remove every line of the caller's cart."""
    cart = services.empty_cart(current_actor())
    db.session.commit()
    return cart


@blp.route("/cart/items", methods=["POST"])
@buyer_member
@blp.arguments(CartItemCreateSchema)
@blp.response(200, CartSchema)
def add_item(data):
    """Add units of a listed product to the caller's cart (MOQ, pack size and stock are checked when placing;
    the cart shows them as problems meanwhile)."""
    cart = services.add_to_cart(current_actor(), data["product_id"], data["quantity"])
    db.session.commit()
    return cart


@blp.route("/cart/items/<int:product_id>", methods=["PUT"])
@buyer_member
@blp.arguments(CartItemUpdateSchema)
@blp.response(200, CartSchema)
def set_item(data, product_id):
    """Set the quantity of a product in the cart (0 removes it)."""
    cart = services.set_cart_quantity(current_actor(), product_id, data["quantity"])
    db.session.commit()
    return cart


@blp.route("/cart/items/<int:product_id>", methods=["DELETE"])
@buyer_member
@blp.response(200, CartSchema)
def remove_item(product_id):
    """Take a product out of the cart."""
    cart = services.remove_from_cart(current_actor(), product_id)
    db.session.commit()
    return cart


@blp.route("/orders", methods=["POST"])
@buyer_member
@blp.arguments(OrderCreateSchema)
@blp.response(201, OrdersPlacedSchema)
def place(data):
    """Place the cart: one order per vendor at the buyer's negotiated prices, else the volume tiers; stock is
    reserved. 422 ``cart_invalid`` (nothing reserved) when a line is below its MOQ, not a multiple of its pack
    size or beyond the stock left. Above the approval threshold an order waits for an approver."""
    orders = services.place_orders(current_actor(), data)
    db.session.commit()
    return {"orders": orders}


@blp.route("/orders")
@login_required()
@blp.arguments(OrderQuerySchema, location="query")
@blp.response(200, page_schema(OrderSchema, "OrderPage"))
def list_orders(params):
    """Orders the caller's organisation placed (buyers) or received (vendors), newest first."""
    return services.list_orders(current_actor(), params)


@blp.route("/orders/<int:order_id>")
@login_required()
@blp.response(200, OrderSchema)
def get_order(order_id):
    """One order, with its deal once confirmed."""
    return services.get_order(current_actor(), order_id)


@blp.route("/orders/<int:order_id>/approve", methods=["POST"])
@buyer_member
@blp.response(200, OrderSchema)
def approve(order_id):
    """An approver lets an order above the threshold go to its vendor."""
    order = services.approve_order(current_actor(), order_id)
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@buyer_member
@blp.arguments(OrderReasonSchema)
@blp.response(200, OrderSchema)
def cancel(data, order_id):
    """The buyer withdraws an order not yet confirmed (an approver refusing it does the same); stock is released."""
    order = services.cancel_order(current_actor(), order_id, data.get("reason"))
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@login_required(OrgKind.VENDOR, roles=SELLERS)
@blp.response(200, OrderConfirmedSchema)
def confirm(order_id):
    """The vendor confirms: the order becomes a deal with its frozen prices, payable into escrow."""
    order, deal = services.confirm_order(current_actor(), order_id)
    db.session.commit()
    return {"order": order, "deal_id": deal.id}


@blp.route("/orders/<int:order_id>/reject", methods=["POST"])
@login_required(OrgKind.VENDOR, roles=SELLERS)
@blp.arguments(OrderRejectSchema)
@blp.response(200, OrderSchema)
def reject(data, order_id):
    """The vendor refuses the order, with a reason; its stock is released."""
    order = services.reject_order(current_actor(), order_id, data["reason"])
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/reorder", methods=["POST"])
@buyer_member
@blp.response(200, CartSchema)
def reorder(order_id):
    """Put an earlier order's products back in the caller's cart at today's prices (``unavailable``: left out)."""
    cart = services.reorder_order(current_actor(), order_id)
    db.session.commit()
    return cart


@blp.route("/deals/<int:deal_id>/reorder", methods=["POST"])
@buyer_member
@blp.response(200, CartSchema)
def reorder_deal(deal_id):
    """Put an earlier deal's catalog products back in the caller's cart at today's prices (``unavailable``: lines
    no longer listed or not from the catalog)."""
    cart = services.reorder_deal(current_actor(), deal_id)
    db.session.commit()
    return cart


@blp.route("/vendors/<int:vendor_id>/order-terms")
@login_required()
@blp.response(200, OrderTermsSchema)
def vendor_order_terms(vendor_id):
    """The payment terms the vendor's catalog orders are paid by (buyers read them before ordering)."""
    return services.vendor_order_terms(vendor_id)


@blp.route("/vendors/<int:vendor_id>/order-terms", methods=["PUT"])
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.arguments(OrderTermsInSchema)
@blp.response(200, OrderTermsSchema)
def set_vendor_order_terms(data, vendor_id):
    """The vendor sets its default payment terms for catalog orders (owners, admins and sales members); orders
    confirmed from now on are paid by them. 422 when the percentages do not add up to 100 or nothing is paid
    before shipment."""
    result = services.set_order_terms(current_actor(), vendor_id, data["payment_terms"])
    db.session.commit()
    return result
