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


def price_for(product: Product, quantity: int, buyer_org_id: int | None = None) -> dict:
    """What this buyer pays for ``quantity`` units: its negotiated price if one is valid now, else the public tier.

    Below the MOQ nothing can be ordered: the answer says so (``orderable: false``) and prices the MOQ.
    Amounts are integer minor units of ``currency``.

    :raises ConflictError: no tier prices this quantity.
    """
    below = quantity < product.moq
    priced_qty = max(quantity, product.moq)
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


def quote_price(product_id: int, quantity: int, viewer: Actor | None) -> dict:
    """:func:`price_for` a product the viewer may read, for the viewer's organisation.

    :raises NotFoundError: no such product, or another vendor's unlisted one.
    :raises ConflictError: no tier prices this quantity.
    """
    product = get_visible_product(product_id, viewer)
    return price_for(product, quantity, viewer.org_id if viewer else None)
