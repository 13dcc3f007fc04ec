"""Commission rates: platform default, overridden per category (deepest rule wins), then per vendor.

Rates are basis points frozen on the deal at award. Rounding (``money.commission_for``): half up to
the currency's minor unit, per milestone, on the vendor's gross share.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..database import utcnow
from ..errors import NotFoundError
from ..extensions import db
from ..vendors.models import Category, VendorProfile
from .models import CategoryCommission


def category_rate(category_id: int | None) -> int | None:
    """The rate of the deepest rule on the category's path to the root, or None."""
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None:
        return None
    ids = [int(x) for x in (category.path or "").strip("/").split("/") if x] or [category.id]
    rules = dict(db.session.execute(
        select(CategoryCommission.category_id, CategoryCommission.bps).where(CategoryCommission.category_id.in_(ids))
    ).all())
    for cid in reversed(ids):  # deepest first
        if cid in rules:
            return rules[cid]
    return None


def rate_for(vendor, category_id: int | None) -> int:
    """Vendor override, else the category rule, else the platform default."""
    if vendor.commission_bps is not None:
        return vendor.commission_bps
    rate = category_rate(category_id)
    return rate if rate is not None else current_app.config["PLATFORM_COMMISSION_BPS"]


def set_category_rate(category_id: int, bps: int | None, user_id: int) -> dict:
    """Set (or with ``None`` remove) a category's commission rate; returns every rate (:func:`list_rates`).

    :raises NotFoundError: no such category.
    """
    if db.session.get(Category, category_id) is None:
        raise NotFoundError("no such category")
    rule = db.session.execute(select(CategoryCommission).where(CategoryCommission.category_id == category_id)).scalar_one_or_none()
    if bps is None:
        if rule is not None:
            db.session.delete(rule)
            db.session.flush()
        return list_rates()
    if rule is None:
        rule = CategoryCommission(category_id=category_id, bps=bps)
        db.session.add(rule)
    rule.bps, rule.updated_by, rule.updated_at = bps, user_id, utcnow()
    db.session.flush()
    return list_rates()


def set_vendor_rate(vendor_id: int, bps: int | None) -> dict:
    """Set (or with ``None`` remove) a vendor's own commission rate; returns every rate (:func:`list_rates`).

    :raises NotFoundError: no such vendor.
    """
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None:
        raise NotFoundError("no such vendor")
    vendor.commission_bps = bps
    db.session.flush()
    return list_rates()


def list_rates() -> dict:
    """The platform default and every vendor and category override, in basis points."""
    vendors = db.session.execute(select(VendorProfile.id, VendorProfile.commission_bps)
                                 .where(VendorProfile.commission_bps.is_not(None))).all()
    categories = db.session.execute(select(CategoryCommission.category_id, CategoryCommission.bps)).all()
    return {"default_bps": current_app.config["PLATFORM_COMMISSION_BPS"],
            "vendors": [{"vendor_id": v, "bps": b} for v, b in vendors],
            "categories": [{"category_id": c, "bps": b} for c, b in categories]}
