"""What a buyer pays for a quantity: its negotiated price when a valid price list covers it, else the public tier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from ...actors import Actor
from ...database import utcnow
from ...errors import ConflictError
from ...extensions import db
from ..models import PriceList, PriceListItem, PriceSource, PriceTier, Product
from .catalog import get_visible_product


def price_at_quantity(quantity: int | None):
    """SQL for the public unit price at ``quantity`` (raised to the product's MOQ), per product row."""
    qty = func.greatest(quantity or 1, Product.moq)
    return (select(PriceTier.unit_price)
            .where(PriceTier.product_id == Product.id, PriceTier.min_qty <= qty)
            .order_by(PriceTier.min_qty.desc()).limit(1).correlate(Product).scalar_subquery())


def negotiated_price(product: Product, buyer_org_id: int | None, quantity: int, at: datetime | None = None):
    """The negotiated (price list, unit price) for this buyer and quantity, if a valid list covers it."""
    if not buyer_org_id:
        return None
    at = at or utcnow()
    row = db.session.execute(
        select(PriceList, PriceListItem.unit_price)
        .join(PriceListItem, PriceListItem.price_list_id == PriceList.id)
        .where(PriceList.vendor_id == product.vendor_id, PriceList.buyer_org_id == buyer_org_id,
               PriceList.currency == product.currency, PriceListItem.product_id == product.id,
               PriceListItem.min_qty <= quantity, PriceList.valid_from <= at,
               or_(PriceList.valid_until.is_(None), PriceList.valid_until > at))
        # the newest valid list wins; within it the highest quantity break not above the quantity
        .order_by(PriceList.valid_from.desc(), PriceList.id.desc(), PriceListItem.min_qty.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def negotiated_prices(products: list[Product], buyer_org_id: int | None, quantities: dict[int, int],
                      at: datetime | None = None) -> dict[int, tuple]:
    """:func:`negotiated_price` of many products in one statement: product id -> (price list, unit price), for
    the products a valid list covers at ``quantities[product.id]``."""
    if not buyer_org_id or not products:
        return {}
    at = at or utcnow()
    by_id = {p.id: p for p in products}
    rows = db.session.execute(
        select(PriceList, PriceListItem.product_id, PriceListItem.min_qty, PriceListItem.unit_price)
        .join(PriceListItem, PriceListItem.price_list_id == PriceList.id)
        .where(PriceList.buyer_org_id == buyer_org_id, PriceListItem.product_id.in_(by_id),
               PriceList.valid_from <= at, or_(PriceList.valid_until.is_(None), PriceList.valid_until > at))
        .order_by(PriceList.valid_from.desc(), PriceList.id.desc(), PriceListItem.min_qty.desc())
    ).all()
    found: dict[int, tuple] = {}
    for price_list, product_id, min_qty, unit in rows:  # the first fitting row per product wins, as in the one
        product = by_id[product_id]
        if (product_id not in found and price_list.vendor_id == product.vendor_id
                and price_list.currency == product.currency and min_qty <= quantities[product_id]):
            found[product_id] = (price_list, unit)
    return found


def price_for(product: Product, quantity: int, buyer_org_id: int | None = None, *, negotiated=...) -> dict:
    """What this buyer pays for ``quantity`` units: its negotiated price if one is valid now, else the public tier.

    Below the MOQ nothing can be ordered: the answer says so (``orderable: false``) and prices the MOQ.
    Amounts are integer minor units of ``currency``. ``negotiated``: the product's entry of
    :func:`negotiated_prices` (or None) when the caller looked it up for many products at once.

    :raises ConflictError: no tier prices this quantity.
    """
    below = quantity < product.moq
    priced_qty = max(quantity, product.moq)
    if negotiated is ...:
        negotiated = negotiated_price(product, buyer_org_id, priced_qty)
    if negotiated is not None:
        price_list, unit = negotiated
        source = {"source": PriceSource.NEGOTIATED, "price_list_id": price_list.id, "valid_until": price_list.valid_until}
    else:
        unit = product.unit_price_for(priced_qty)
        source = {"source": PriceSource.PUBLIC, "price_list_id": None, "valid_until": None}
    if unit is None:
        raise ConflictError("no price for this quantity", code="no_price")
    return {"product_id": product.id, "quantity": quantity, "priced_quantity": priced_qty, "unit_price": unit,
            "total": unit * priced_qty, "currency": product.currency, "moq": product.moq, "below_moq": below,
            "orderable": not below, **source}


def prices_for(products: list[Product], quantities: dict[int, int], buyer_org_id: int | None = None) -> dict:
    """:func:`price_for` of many products (``quantities``: product id -> quantity) with one lookup of the
    negotiated prices: product id -> the price, or None where no tier prices the quantity."""
    negotiated = negotiated_prices(products, buyer_org_id, {p.id: max(quantities[p.id], p.moq) for p in products})
    prices = {}
    for product in products:
        try:
            prices[product.id] = price_for(product, quantities[product.id], buyer_org_id,
                                           negotiated=negotiated.get(product.id))
        except ConflictError:
            prices[product.id] = None
    return prices


def quote_price(product_id: int, quantity: int, viewer: Actor | None) -> dict:
    """:func:`price_for` a product the viewer may read, for the viewer's organisation.

    :raises NotFoundError: no such product, or another vendor's unlisted one.
    :raises ConflictError: no tier prices this quantity.
    """
    product = get_visible_product(product_id, viewer)
    return price_for(product, quantity, viewer.org_id if viewer else None)
