"""Catalog search: accent-insensitive full text over active listings of verified vendors, filters, sorts, keyset pages."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Float, func, select

from ...http.fields import to_minor
from ...http.pagination import paginate
from ...text import fold
from ..models import (
    Product,
    ProductSort,
    ProductStatus,
    VendorProfile,
    VerificationStatus,
)
from .categories import category_subtree
from .pricing import price_at_quantity

#: sort name -> whether its keys run descending
SORTS = {ProductSort.RELEVANCE: True, ProductSort.NEWEST: True, ProductSort.PRICE: False, ProductSort.PRICE_DESC: True}
_NO_PRICE = 2**62  # products without a tier for the quantity sort after every priced one


def search_products(params: dict) -> dict:
    """One page of active products of verified vendors: accent-insensitive full text, filters, sorting.

    The cursor carries the sort's name, the last row's sort key and its id, so pages stay consistent under
    any sort order and a cursor of another sort is refused. Prices are the public tiers at ``quantity``
    (default: each product's MOQ) in ``currency`` (default VND when a price is involved).

    :raises InvalidInputError: a bad cursor, an unknown category, or a price bound that does not fit the currency.
    """
    stmt = select(Product).join(VendorProfile, VendorProfile.id == Product.vendor_id).where(
        Product.status == ProductStatus.ACTIVE, VendorProfile.status == VerificationStatus.VERIFIED
    )
    rank = None
    if params.get("q"):
        words = fold(params["q"]).split()
        if words:
            query = func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words[:12]))
            stmt = stmt.where(Product.search_vector.op("@@")(query))
            rank = func.ts_rank(Product.search_vector, query).cast(Float(53))
    if params.get("vendor_id"):
        stmt = stmt.where(Product.vendor_id == params["vendor_id"])
    if params.get("category_id"):
        stmt = stmt.where(Product.category_id.in_(category_subtree(params["category_id"])))
    if params.get("hs_code"):
        stmt = stmt.where(Product.hs_code.startswith(params["hs_code"]))
    if params.get("max_moq"):
        stmt = stmt.where(Product.moq <= params["max_moq"])
    if params.get("region"):
        stmt = stmt.where(VendorProfile.serving(params["region"]))
    if params.get("in_stock"):
        stmt = stmt.where(Product.stock_qty >= func.greatest(params.get("quantity") or 1, Product.moq))
    sort = ProductSort(params.get("sort") or (ProductSort.RELEVANCE if rank is not None else ProductSort.NEWEST))
    if sort == ProductSort.RELEVANCE and rank is None:
        sort = ProductSort.NEWEST
    price = None
    bounds = {name: params[name] for name in ("price_min", "price_max") if params.get(name) is not None}
    if sort in (ProductSort.PRICE, ProductSort.PRICE_DESC) or bounds:
        currency = params.get("currency") or current_app.config["DEFAULT_CURRENCY"]
        price = price_at_quantity(params.get("quantity"))
        stmt = stmt.where(Product.currency == currency)
        if "price_min" in bounds:
            stmt = stmt.where(price >= to_minor(bounds["price_min"], currency, ("price_min",)))
        if "price_max" in bounds:
            stmt = stmt.where(price <= to_minor(bounds["price_max"], currency, ("price_max",)))
    elif params.get("currency"):
        stmt = stmt.where(Product.currency == params["currency"])
    key = {ProductSort.RELEVANCE: rank, ProductSort.NEWEST: Product.created_at,
           ProductSort.PRICE: func.coalesce(price, _NO_PRICE), ProductSort.PRICE_DESC: func.coalesce(price, _NO_PRICE)}[sort]
    return paginate(stmt, params, key, Product.id, order=sort.value, descending=SORTS[sort])
