"""Stock reservations: available stock is ``products.stock_qty`` less the held reservations, read under the
product row's lock so that two orders for the last units cannot both take them."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ...extensions import db
from ...vendors.models import Product
from ..models import ReservationStatus, StockReservation


def lock_products(product_ids) -> dict[int, Product]:
    """The products, locked ``FOR UPDATE`` in id order (a fixed order: two carts never deadlock)."""
    rows = db.session.execute(
        select(Product).where(Product.id.in_(sorted(set(product_ids)))).order_by(Product.id)
        .with_for_update(of=Product).execution_options(populate_existing=True)
    ).scalars().all()
    return {p.id: p for p in rows}


def held_quantities(product_ids) -> dict[int, int]:
    """Units held by live reservations, per product."""
    rows = db.session.execute(
        select(StockReservation.product_id, func.sum(StockReservation.quantity))
        .where(StockReservation.product_id.in_(list(product_ids)), StockReservation.status == ReservationStatus.HELD)
        .group_by(StockReservation.product_id)
    ).all()
    return {pid: int(qty) for pid, qty in rows}


def available(product: Product, held: dict[int, int]) -> int | None:
    """Units that may still be ordered (None: made to order, no limit)."""
    if product.stock_qty is None:
        return None
    return max(product.stock_qty - held.get(product.id, 0), 0)


def release_order_stock(order_id: int) -> int:
    """Give back every unit an order still holds; returns how many units. Harmless when run twice."""
    released = db.session.execute(
        update(StockReservation).where(StockReservation.order_id == order_id,
                                       StockReservation.status == ReservationStatus.HELD)
        .values(status=ReservationStatus.RELEASED).returning(StockReservation.quantity)
    ).scalars().all()
    return sum(released)


def consume_order_stock(order_id: int) -> int:
    """The order's goods shipped: its held units leave the shelf (``stock_qty`` goes down by them)."""
    held = db.session.execute(
        select(StockReservation).where(StockReservation.order_id == order_id,
                                       StockReservation.status == ReservationStatus.HELD)
        .order_by(StockReservation.product_id).with_for_update()
    ).scalars().all()
    products = lock_products(r.product_id for r in held)
    for r in held:
        product = products[r.product_id]
        if product.stock_qty is not None:
            product.stock_qty = max(product.stock_qty - r.quantity, 0)
        r.status = ReservationStatus.CONSUMED
    return sum(r.quantity for r in held)
