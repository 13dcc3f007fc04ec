"""The catalog list's items as the API's JSON objects, read with one Core statement per page.

``GET /products`` is the request buyers wait on most. Loading ``Product`` objects (with vendor,
organisation and tiers) through the ORM and dumping them with ``ProductSchema`` cost about 0.3 ms of
Python per item; here the page's columns are read in one statement (tiers aggregated in it) and each
object is built directly. :data:`ITEM_FIELDS` are ``ProductSchema``'s fields in its
order, and each value is what the schema would write (tests/vendors/test_search_fast_path.py holds
the two outputs equal).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, any_, bindparam, select, true
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql import func

from ...accounts.models import Organization
from ...extensions import db
from ...money import format_amount
from ..models import PriceTier, Product

#: the keys of one item, in ``ProductSchema``'s order
ITEM_FIELDS = ("id", "vendor_id", "vendor_name", "sku", "name", "name_vi", "description", "hs_code", "category_id",
               "unit", "pack_size", "moq", "stock_qty", "lead_time_days", "currency", "status", "created_at",
               "price_tiers")

_tiers = (select(func.array_agg(aggregate_order_by(PriceTier.min_qty, PriceTier.min_qty)).label("qty"),
                 func.array_agg(aggregate_order_by(PriceTier.unit_price, PriceTier.min_qty)).label("price"))
          .where(PriceTier.product_id == Product.id).correlate(Product).lateral("tiers"))

#: every column an item shows, the vendor's name and the tiers (ascending breaks), for a list of ids
_ITEMS = (select(Product.id, Product.vendor_id, Organization.name, Product.sku, Product.name, Product.name_vi,
                 Product.description, Product.hs_code, Product.category_id, Product.unit, Product.pack_size,
                 Product.moq, Product.stock_qty, Product.lead_time_days, Product.currency, Product.status,
                 Product.created_at, _tiers.c.qty, _tiers.c.price)
          .join(Organization, Organization.id == Product.vendor_id)
          .join(_tiers, true())
          .where(Product.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))))


def product_items(ids: list[int]) -> list[dict]:
    """The products of ``ids`` in that order as ``ProductSchema`` dumps them (one statement; unknown ids
    are left out)."""
    if not ids:
        return []
    found = {}
    # a constant statement (compiled and cache-keyed once) on the session's connection: no ORM step
    for (pid, vendor_id, vendor_name, sku, name, name_vi, description, hs_code, category_id, unit, pack_size, moq,
         stock_qty, lead_time_days, currency, status, created_at, qty, price) in db.session.connection().execute(
            _ITEMS, {"ids": list(ids)}):
        found[pid] = {
            "id": pid, "vendor_id": vendor_id, "vendor_name": vendor_name, "sku": sku, "name": name,
            "name_vi": name_vi, "description": description, "hs_code": hs_code, "category_id": category_id,
            "unit": unit, "pack_size": pack_size, "moq": moq, "stock_qty": stock_qty,
            "lead_time_days": lead_time_days, "currency": currency, "status": status,
            "created_at": created_at.isoformat(),
            "price_tiers": [{"min_qty": q, "unit_price": format_amount(p, currency)}
                            for q, p in zip(qty or (), price or ())],
        }
    return [found[i] for i in ids if i in found]
