"""Order verbs: place the cart (one order per vendor), approve, confirm into a deal, reject, cancel, reorder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from ...accounts.models import Organization
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...deals.models import Deal
from ...deals.services import APPROVER_ROLES, create_deal_from_order
from ...deals.services import get_deal as get_visible_deal
from ...errors import ForbiddenError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.pagination import paginate
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_members, notify_org
from ...statemachine import Deadline
from ...vendors.models import Product
from ..models import CartItem, Order, OrderLine, OrderStatus, StockReservation
from ..states import CONFIRM_DUE, CONFIRM_WARNING, order_machine
from .cart import cart_items, fill_cart, priced_lines
from .stock import (
    consume_order_stock,
    held_quantities,
    lock_products,
    release_order_stock,
)
from .terms import order_terms


def order_notice(order: Order, **extra) -> dict:
    """What a notification about ``order`` carries: its number, total and the parties' names."""
    return {"order_id": order.id, "total": format_amount(order.total, order.currency), "currency": order.currency,
            "buyer_name": db.session.get(Organization, order.buyer_id).name,
            "vendor_name": db.session.get(Organization, order.vendor_id).name, **extra}


def confirm_deadline(order: Order) -> datetime | None:
    """When the vendor must have confirmed a placed order, if that deadline is pending."""
    read = getattr(order, "_read", None)
    if read is not None:
        return read["confirm_by"]
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == order_machine.subject, Deadline.subject_id == order.id,
                                      Deadline.kind == CONFIRM_DUE, Deadline.fired_at.is_(None),
                                      Deadline.cancelled_at.is_(None)).limit(1)
    ).scalar_one_or_none()


def _tell_vendor_placed(order: Order) -> None:
    due = confirm_deadline(order)
    notify_org(order.vendor_id, NotificationKind.ORDER_PLACED,
               order_notice(order, confirm_by_at=due.isoformat() if due else None), key=f"order-{order.id}-placed")


def place_orders(actor: Actor, data: dict) -> list[Order]:
    """Place the caller's cart: one order per vendor (and currency), each line priced at the buyer's valid
    negotiated price, else the volume tier at its quantity; the stock of stock-tracked products is reserved.
    An order above the organisation's approval threshold placed by a non-approver waits for an approver;
    the others go to their vendor, who confirms or rejects before ``ORDER_CONFIRM_HOURS``.

    :raises InvalidInputError: the cart is empty, or some line is below its MOQ, not a multiple of its pack
        size, beyond the stock left, unlisted or unpriced (``fields.items.<product_id>.quantity``; ``details.problems``);
        nothing is reserved then.
    """
    items = cart_items(actor)
    if not items:
        raise InvalidInputError("your cart is empty", code="cart_empty")
    # lock the products first (by id): whoever locks second sees the first's reservations
    products = lock_products(i.product_id for i in items)
    held = held_quantities(products)
    lines = priced_lines(items, products, actor.org_id, held)
    failing = [l for l in lines if l["problems"]]
    if failing:
        raise InvalidInputError(
            "some items cannot be ordered as they are", code="cart_invalid",
            fields={"items": {str(l["product_id"]): {"quantity": [p["message"] for p in l["problems"]]}
                              for l in failing}},
            details={"problems": [{"product_id": l["product_id"], "sku": l["sku"], "codes":
                                   [p["code"] for p in l["problems"]]} for l in failing]})
    buyer = db.session.get(Organization, actor.org_id)
    by_vendor: dict[tuple[int, str], list[dict]] = {}
    for line in lines:
        by_vendor.setdefault((line["vendor_id"], line["currency"]), []).append(line)
    orders = []
    for (vendor_id, currency), group in sorted(by_vendor.items()):
        subtotal = sum(l["amount"] for l in group)
        # above the threshold an approver must agree; an order placed by an approver is that agreement
        needs_approval = (buyer.approval_threshold is not None and subtotal > buyer.approval_threshold
                          and actor.member_role not in APPROVER_ROLES)
        order = Order(buyer_id=actor.org_id, vendor_id=vendor_id, placed_by=actor.user_id,
                      status=OrderStatus.AWAITING_APPROVAL if needs_approval else OrderStatus.PLACED,
                      currency=currency, subtotal=subtotal, freight=0, total=subtotal,
                      delivery_region=data.get("delivery_region"), delivery_address=data.get("delivery_address"),
                      note=data.get("note") or "")
        order.lines = [OrderLine(product_id=l["product_id"], sku=l["sku"], description=l["name"],
                                 quantity=l["quantity"], unit=l["unit"], unit_price=l["unit_price"],
                                 amount=l["amount"], price_source=l["price_source"], price_list_id=l["price_list_id"])
                       for l in group]
        db.session.add(order)
        db.session.flush()
        for l in group:
            if l["available"] is not None:
                db.session.add(StockReservation(order_id=order.id, product_id=l["product_id"], quantity=l["quantity"]))
        order_machine.start(order, actor, {"total": format_amount(order.total, currency), "currency": currency})
        if needs_approval:
            notify_members(order.buyer_id, NotificationKind.ORDER_APPROVAL_REQUESTED, order_notice(order),
                           key=f"order-{order.id}-approval-requested", roles=APPROVER_ROLES)
        else:
            _tell_vendor_placed(order)
        orders.append(order)
    db.session.execute(delete(CartItem).where(CartItem.id.in_([i.id for i in items])))
    db.session.flush()
    return orders


def list_orders(actor: Actor, params: dict) -> dict:
    """One page of the orders ``actor``'s organisation placed or received (admins: all), newest first, with their
    deals and confirmation deadlines read for the whole page (:func:`annotate`)."""
    stmt = Order.visible_to(actor)
    if params.get("status"):
        stmt = stmt.where(Order.status == params["status"])
    page = paginate(stmt, params, Order.id, descending=True)
    annotate(page["items"])
    return page


def annotate(orders: list[Order]) -> None:
    """Read the deals and pending confirmation deadlines of many orders in two queries; :func:`deal_id_of` and
    :func:`confirm_deadline` answer from what this put on each order."""
    ids = [o.id for o in orders]
    if not ids:
        return
    deals = dict(db.session.execute(select(Deal.order_id, func.min(Deal.id)).where(Deal.order_id.in_(ids))
                                    .group_by(Deal.order_id)).all())
    dues = dict(db.session.execute(
        select(Deadline.subject_id, func.min(Deadline.due_at))
        .where(Deadline.subject_type == order_machine.subject, Deadline.subject_id.in_(ids),
               Deadline.kind == CONFIRM_DUE, Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
        .group_by(Deadline.subject_id)).all())
    for order in orders:
        order._read = {"deal_id": deals.get(order.id), "confirm_by": dues.get(order.id)}


def deal_id_of(order: Order) -> int | None:
    """The id of the deal a confirmed order became (from :func:`annotate` when it ran)."""
    read = getattr(order, "_read", None)
    if read is not None:
        return read["deal_id"]
    deal = deal_of(order)
    return deal.id if deal is not None else None


def get_order(actor: Actor, order_id: int) -> Order:
    """An order as its buyer, its vendor or a platform admin sees it.

    :raises NotFoundError: unknown, or another organisation's order.
    """
    return Order.get_visible(actor, order_id)


def deal_of(order: Order) -> Deal | None:
    """The deal a confirmed order became."""
    return db.session.execute(select(Deal).where(Deal.order_id == order.id).order_by(Deal.id).limit(1)
                              ).scalar_one_or_none()


def _require_side(order: Order, actor: Actor, side: str) -> None:
    if actor.role == ActorRole.ADMIN:
        return
    if actor.org_id != (order.buyer_id if side == ActorRole.BUYER else order.vendor_id):
        raise ForbiddenError(f"only the {side} may do this")


def approve_order(actor: Actor, order_id: int) -> Order:
    """An approver of the buyer lets an order above the threshold go to its vendor.

    :raises ForbiddenError: not an approver, admin or owner of the buyer.
    """
    order = get_order(actor, order_id)
    _require_side(order, actor, ActorRole.BUYER)
    if actor.member_role not in APPROVER_ROLES:
        raise ForbiddenError("only approvers, admins or owners approve orders")
    if order_machine.apply(order, "approve", actor):
        _tell_vendor_placed(order)
    return order


def confirm_order(actor: Actor, order_id: int) -> tuple[Order, Deal]:
    """The vendor confirms a placed order: it becomes a deal with the order's frozen prices, payable at once
    (the order already passed the buyer's approval rule), paid into escrow by the vendor's payment terms.

    :raises IllegalTransitionError: the order is not waiting for the vendor.
    """
    order = get_order(actor, order_id)
    _require_side(order, actor, ActorRole.VENDOR)
    if not order_machine.apply(order, "confirm", actor):
        return order, deal_of(order)
    lines = [{"product_id": l.product_id, "description": l.description, "quantity": l.quantity, "unit": l.unit,
              "unit_price": l.unit_price} for l in order.lines]
    products = {p.id: p for p in db.session.execute(
        select(Product).where(Product.id.in_([l.product_id for l in order.lines]))).scalars()}
    top = max(order.lines, key=lambda l: l.amount)
    lead = [products[l.product_id].lead_time_days for l in order.lines
            if l.product_id in products and products[l.product_id].lead_time_days is not None]
    terms = {"incoterm": None, "named_place": None, "lead_time_days": max(lead) if lead else None,
             "delivery_region": order.delivery_region, "delivery_address": order.delivery_address,
             "prices": [{"product_id": l.product_id, "price_source": l.price_source,
                         "price_list_id": l.price_list_id} for l in order.lines]}
    deal = create_deal_from_order(
        order_id=order.id, buyer_id=order.buyer_id, vendor_id=order.vendor_id, currency=order.currency, lines=lines,
        freight=order.freight, terms=terms, actor=actor, approved=True,
        payment_terms=order_terms(order.vendor_id),  # the vendor's terms as they stand at confirmation
        category_id=products[top.product_id].category_id if top.product_id in products else None)
    notify_org(order.buyer_id, NotificationKind.ORDER_CONFIRMED, order_notice(order, deal_id=deal.id),
               key=f"order-{order.id}-confirmed")
    return order, deal


def reject_order(actor: Actor, order_id: int, reason: str) -> Order:
    """The vendor refuses a placed order with a reason; its stock is released (:func:`on_closed`)."""
    order = get_order(actor, order_id)
    _require_side(order, actor, ActorRole.VENDOR)
    if order_machine.apply(order, "reject", actor, {"reason": reason}):
        order.reason = reason
        notify_org(order.buyer_id, NotificationKind.ORDER_REJECTED, order_notice(order, reason=reason),
                   key=f"order-{order.id}-rejected")
    return order


def cancel_order(actor: Actor, order_id: int, reason: str | None = None) -> Order:
    """The buyer withdraws an order the vendor has not confirmed (an approver refusing one does the same);
    its stock is released."""
    order = get_order(actor, order_id)
    _require_side(order, actor, ActorRole.BUYER)
    if order_machine.apply(order, "cancel", actor, {"reason": reason}):
        order.reason = reason
    return order


def on_closed(order: Order) -> None:
    """Entering ``rejected`` or ``cancelled`` (by anyone, or the lapse of the confirmation deadline): the
    order's reserved stock goes back; on a lapse both sides are told."""
    release_order_stock(order.id)
    lapsed = db.session.execute(
        select(Deadline.id).where(Deadline.subject_type == order_machine.subject, Deadline.subject_id == order.id,
                                  Deadline.kind == CONFIRM_DUE, Deadline.fired_at.is_not(None)).limit(1)
    ).scalar_one_or_none()
    if lapsed is not None and order.status == OrderStatus.CANCELLED:
        order.reason = order.reason or "not confirmed in time"
        for org_id, side in ((order.buyer_id, "buyer"), (order.vendor_id, "vendor")):
            notify_org(org_id, NotificationKind.ORDER_LAPSED, order_notice(order),
                       key=f"order-{order.id}-lapsed-{side}")


def on_deal_cancelled(deal: Deal) -> None:
    """A deal made from an order was cancelled (or refunded before shipping): the order's stock goes back."""
    if deal.order_id is not None:
        release_order_stock(deal.order_id)


def on_deal_shipped(deal: Deal) -> None:
    """A deal made from an order shipped: the units it held leave the shelf."""
    if deal.order_id is not None:
        consume_order_stock(deal.order_id)


def warn_unconfirmed(now: datetime | None = None) -> int:
    """Sweeper step: vendors of placed orders whose confirmation deadline is near are reminded (once per order)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Order, Deadline.due_at).join(Deadline, (Deadline.subject_type == order_machine.subject)
                                            & (Deadline.subject_id == Order.id))
        .where(Order.status == OrderStatus.PLACED, Deadline.kind == CONFIRM_DUE, Deadline.fired_at.is_(None),
               Deadline.cancelled_at.is_(None), Deadline.due_at <= now + CONFIRM_WARNING, Deadline.due_at > now)
        .order_by(Order.id).limit(1000)
    ).all()
    for order, due in rows:
        notify_org(order.vendor_id, NotificationKind.ORDER_CONFIRM_DUE,
                   order_notice(order, confirm_by_at=due.isoformat()), key=f"order-{order.id}-confirm-due")
    return len(rows)


def reorder_order(actor: Actor, order_id: int) -> dict:
    """Fill the caller's cart with an earlier order's products and quantities at today's prices; products no
    longer listed are reported in ``unavailable``."""
    order = get_order(actor, order_id)
    _require_side(order, actor, ActorRole.BUYER)
    return fill_cart(actor, [(l.product_id, l.quantity, l.description) for l in order.lines])


def reorder_deal(actor: Actor, deal_id: int) -> dict:
    """Fill the caller's cart from an earlier deal's catalog products (lines of an RFQ deal name no product:
    they are reported in ``unavailable``, as are products no longer listed)."""
    deal = get_visible_deal(actor, deal_id)
    if actor.org_id != deal.buyer_id:
        raise NotFoundError("no such deal")
    return fill_cart(actor, [(l.product_id, l.quantity, l.description) for l in deal.lines])

