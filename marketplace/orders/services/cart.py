"""The cart: one per buyer member, priced now at the member's organisation's prices, with what stops each line."""

from __future__ import annotations

from sqlalchemy import delete, select

from ...actors import Actor
from ...errors import ForbiddenError, InvalidInputError, NotFoundError
from ...extensions import db
from ...vendors.models import Product, ProductStatus
from ...vendors.services.catalog import get_visible_product
from ...vendors.services.pricing import prices_for
from ..models import CartItem
from .stock import available, held_quantities

#: the most units one cart line may hold
MAX_QUANTITY = 10**9


def _require_buyer_member(actor: Actor) -> None:
    if actor.role != "buyer" or actor.user_id is None:
        raise ForbiddenError("only members of a buyer organisation have a cart")


def _items(actor: Actor) -> list[CartItem]:
    return list(db.session.execute(
        select(CartItem).where(CartItem.org_id == actor.org_id, CartItem.user_id == actor.user_id)
        .order_by(CartItem.id)).scalars())


def problems(product: Product, quantity: int, free: int | None) -> list[dict]:
    """Why ``quantity`` units of ``product`` cannot be ordered now (empty: they can), as codes with messages."""
    out = []
    if product.status != ProductStatus.ACTIVE or not product.vendor.is_verified():
        return [{"code": "unavailable", "message": "this product is no longer listed"}]
    if quantity < product.moq:
        out.append({"code": "below_moq", "message": f"the minimum order is {product.moq} {product.unit}"})
    if product.pack_size > 1 and quantity % product.pack_size:
        out.append({"code": "pack_size", "message": f"order in multiples of {product.pack_size} {product.unit}"})
    if free is not None and quantity > free:
        out.append({"code": "out_of_stock", "message": f"only {free} {product.unit} in stock"})
    return out


def priced_lines(items, products: dict[int, Product], buyer_org_id: int, held: dict[int, int]) -> list[dict]:
    """Cart or order lines (``items`` with ``product_id`` and ``quantity``) priced for the buyer now, the
    negotiated prices of all of them looked up at once (:func:`priced_line` each)."""
    wanted = [products[i.product_id] for i in items]
    prices = prices_for(wanted, {i.product_id: max(i.quantity, products[i.product_id].moq) for i in items},
                        buyer_org_id)
    return [priced_line(products[i.product_id], i.quantity, available(products[i.product_id], held),
                        prices.get(i.product_id)) for i in items]


def priced_line(product: Product, quantity: int, free: int | None, price: dict | None) -> dict:
    """One cart or order line priced for the buyer now (``price``: :func:`prices_for`'s answer for it, None when no
    tier prices the quantity): its unit price (negotiated, else the tier), amount and problems."""
    line = {"product_id": product.id, "sku": product.sku, "name": product.name, "name_vi": product.name_vi,
            "unit": product.unit, "quantity": quantity, "moq": product.moq, "pack_size": product.pack_size,
            "available": free, "vendor_id": product.vendor_id, "vendor_name": product.vendor.organization.name,
            "currency": product.currency, "unit_price": None, "amount": None, "price_source": None,
            "price_list_id": None, "category_id": product.category_id, "lead_time_days": product.lead_time_days}
    issues = problems(product, quantity, free)
    if not any(p["code"] == "unavailable" for p in issues):
        if price is None:
            issues.append({"code": "no_price", "message": "no price for this quantity"})
        else:
            line.update(unit_price=price["unit_price"], amount=price["unit_price"] * quantity,
                        price_source=str(price["source"]), price_list_id=price["price_list_id"])
    line["problems"] = issues
    return line


def cart_view(actor: Actor) -> dict:
    """The caller's cart priced now, its lines grouped by vendor (one order each), with totals per currency."""
    _require_buyer_member(actor)
    items = _items(actor)
    products = {p.id: p for p in db.session.execute(
        select(Product).where(Product.id.in_([i.product_id for i in items]))).scalars()}
    held = held_quantities(products)
    lines = priced_lines(items, products, actor.org_id, held)
    groups: dict[tuple[int, str], dict] = {}
    for line in lines:
        group = groups.setdefault((line["vendor_id"], line["currency"]), {
            "vendor_id": line["vendor_id"], "vendor_name": line["vendor_name"], "currency": line["currency"],
            "lines": [], "subtotal": 0})
        group["lines"].append(line)
        group["subtotal"] += line["amount"] or 0
    return {"vendors": list(groups.values()), "count": len(lines),
            "orderable": bool(lines) and not any(line["problems"] for line in lines)}


def add_to_cart(actor: Actor, product_id: int, quantity: int) -> dict:
    """Add units of a listed product to the caller's cart (added to what is there already).

    :raises NotFoundError: no such listed product.
    """
    _require_buyer_member(actor)
    product = get_visible_product(product_id, actor)
    if product.status != ProductStatus.ACTIVE:
        raise NotFoundError("no such product")
    item = db.session.execute(select(CartItem).where(
        CartItem.org_id == actor.org_id, CartItem.user_id == actor.user_id, CartItem.product_id == product.id)
    ).scalar_one_or_none()
    if item is None:
        item = CartItem(org_id=actor.org_id, user_id=actor.user_id, product_id=product.id, quantity=0)
        db.session.add(item)
    if item.quantity + quantity > MAX_QUANTITY:
        raise InvalidInputError.at(("quantity",), f"at most {MAX_QUANTITY} units")
    item.quantity += quantity
    db.session.flush()
    return cart_view(actor)


def set_cart_quantity(actor: Actor, product_id: int, quantity: int) -> dict:
    """Set a cart line's quantity (0 removes it).

    :raises NotFoundError: the product is not in the cart.
    """
    _require_buyer_member(actor)
    item = db.session.execute(select(CartItem).where(
        CartItem.org_id == actor.org_id, CartItem.user_id == actor.user_id, CartItem.product_id == product_id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFoundError("this product is not in your cart")
    if quantity <= 0:
        db.session.delete(item)
    else:
        item.quantity = quantity
    db.session.flush()
    return cart_view(actor)


def remove_from_cart(actor: Actor, product_id: int) -> dict:
    """Take a product out of the caller's cart.

    :raises NotFoundError: the product is not in the cart.
    """
    return set_cart_quantity(actor, product_id, 0)


def empty_cart(actor: Actor) -> dict:
    """Remove every line of the caller's cart."""
    _require_buyer_member(actor)
    db.session.execute(delete(CartItem).where(CartItem.org_id == actor.org_id, CartItem.user_id == actor.user_id))
    return cart_view(actor)


def cart_items(actor: Actor) -> list[CartItem]:
    """The caller's cart lines, oldest first."""
    _require_buyer_member(actor)
    return _items(actor)


def fill_cart(actor: Actor, wanted: list[tuple[int | None, int, str]]) -> dict:
    """Put ``(product_id, quantity, description)`` lines into the caller's cart at today's prices; lines whose
    product is gone (or never was a catalog product) are reported in ``unavailable``, not added."""
    _require_buyer_member(actor)
    unavailable = []
    for product_id, quantity, description in wanted:
        product = db.session.get(Product, product_id) if product_id else None
        if product is None:
            unavailable.append({"product_id": product_id, "description": description, "reason": "not_in_catalog"})
            continue
        if product.status != ProductStatus.ACTIVE or not product.vendor.is_verified():
            unavailable.append({"product_id": product_id, "description": description, "reason": "unavailable"})
            continue
        add_to_cart(actor, product_id, quantity)
    return {**cart_view(actor), "unavailable": unavailable}
