"""The catalog: vendors list and edit products with quantity price tiers; who may read which product."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from ...actors import Actor
from ...errors import ConflictError, InvalidInputError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate
from ...text import fold
from ..models import Category, PriceTier, Product, ProductStatus, VendorProfile
from . import hs_classifier
from .profiles import get_vendor


def search_text(product: Any) -> str:
    """The accent-folded document full-text search reads (name, Vietnamese name, description, SKU, HS code)."""
    return " ".join(filter(None, [fold(product.name), fold(product.name_vi), fold(product.description),
                                  fold(product.sku), product.hs_code or ""]))


def tier_prices(tiers: list[dict], currency: str, path: tuple = ("price_tiers",)) -> list[tuple[int, int]]:
    """``[{"min_qty", "unit_price": "12.50"}]`` as ``[(min_qty, minor units)]`` sorted by quantity.

    :raises InvalidInputError: a price has too many decimals for ``currency``, or is negative; nested at
        ``price_tiers.<i>.unit_price``.
    """
    prices = [(t["min_qty"], to_minor(t["unit_price"], currency, (*path, i, "unit_price"))) for i, t in enumerate(tiers)]
    return sorted(prices)


def _require_publishable(vendor: VendorProfile, status: str) -> None:
    if status == ProductStatus.ACTIVE and not vendor.is_verified():
        raise ConflictError("only verified vendors can publish listings", code="vendor_not_verified")


def _check_category(data: dict, current_hs: str | None = None) -> None:
    """``category_id`` must exist; a product without an HS code inherits the category's."""
    if data.get("category_id") is None:
        return
    category = db.session.get(Category, data["category_id"])
    if category is None:
        raise InvalidInputError.at(("category_id",), f"no category {data['category_id']}")
    if not data.get("hs_code") and not current_hs and category.hs_code:
        data["hs_code"] = category.hs_code


def create_product(actor: Actor, data: dict) -> Product:
    """A vendor lists a product (draft, or active when verified).

    :raises ConflictError: the SKU exists, or an unverified vendor tries to publish.
    :raises InvalidInputError: unknown category, or a price that does not fit the currency.
    """
    vendor = get_vendor(actor.org_id)
    data = dict(data)
    _require_publishable(vendor, data["status"])
    tiers = tier_prices(data.pop("price_tiers"), data["currency"])
    if db.session.execute(select(Product.id).where(Product.vendor_id == vendor.id, Product.sku == data["sku"])).first():
        raise ConflictError("this SKU already exists in your catalog", code="duplicate_sku", fields={"sku": ["taken"]})
    _check_category(data)
    product = Product(vendor_id=vendor.id, **data)
    product.tiers = [PriceTier(min_qty=q, unit_price=p) for q, p in tiers]
    product.search_text = search_text(product)
    db.session.add(product)
    db.session.flush()
    hs_classifier.infer_products([product.id])  # an HS code suggested at once when it shows none
    return product


def replace_tiers(product: Product, tiers: list[tuple[int, int]]) -> None:
    """Swap a product's price tiers; old rows are deleted first (the unit of work would insert before
    deleting and trip the (product_id, min_qty) unique constraint)."""
    if product.tiers:
        product.tiers.clear()
        db.session.flush()
    product.tiers = [PriceTier(min_qty=q, unit_price=p) for q, p in tiers]


def update_product(actor: Actor, product_id: int, data: dict) -> Product:
    """A vendor edits its own product; SKU changes must stay unique; prices are read in the product's currency.

    :raises NotFoundError: another organisation's product.
    :raises ConflictError: the new SKU is taken, or an unverified vendor tries to publish.
    :raises InvalidInputError: a currency change without new tiers, or a price that does not fit the currency.
    """
    product = Product.get_visible(actor, product_id)
    data = dict(data)
    _require_publishable(product.vendor, data.get("status", product.status))
    currency = data.get("currency", product.currency)
    if currency != product.currency and "price_tiers" not in data:
        raise InvalidInputError.at(("price_tiers",), "changing the currency needs new price tiers")
    tiers = tier_prices(data.pop("price_tiers"), currency) if "price_tiers" in data else None
    if "sku" in data and data["sku"] != product.sku and db.session.execute(
        select(Product.id).where(Product.vendor_id == product.vendor_id, Product.sku == data["sku"])
    ).first():
        raise ConflictError("this SKU already exists in your catalog", code="duplicate_sku", fields={"sku": ["taken"]})
    _check_category(data, product.hs_code)
    for key, value in data.items():
        setattr(product, key, value)
    if tiers is not None:
        replace_tiers(product, tiers)
    product.search_text = search_text(product)
    db.session.flush()
    if {"name", "name_vi", "description", "hs_code", "status"} & data.keys():
        hs_classifier.infer_products([product.id])
    return product


def get_visible_product(product_id: int, viewer: Actor | None) -> Product:
    """One product: active ones are public; drafts and archived ones only for their vendor.

    :raises NotFoundError: no such product, or another vendor's unlisted one.
    """
    stmt = select(Product).where(Product.status == ProductStatus.ACTIVE)
    if viewer is not None:
        stmt = select(Product).where(or_(Product.status == ProductStatus.ACTIVE, Product.id.in_(
            Product.visible_to(viewer).with_only_columns(Product.id))))
    return Product.one(stmt, product_id)


def own_products(actor: Actor, params: dict) -> dict:
    """One page of the calling vendor's own products (every status), newest first; ``status`` filters, and
    ``hs_missing`` keeps those showing no six-digit HS code."""
    stmt = Product.for_org(actor.org_id)
    if params.get("status"):
        stmt = stmt.where(Product.status == params["status"])
    if params.get("hs_missing"):
        stmt = stmt.where(func.coalesce(Product.hs_code, "").op("!~")(r"^[0-9]{6}"))
    return paginate(stmt, params, Product.id, descending=True)


def own_product(actor: Actor, product_id: int) -> Product:
    """One of the calling vendor's own products (any status), for its edit page.

    :raises NotFoundError: another organisation's product, or no such product.
    """
    return Product.one(Product.for_org(actor.org_id), product_id)
