"""The public vendor directory: verified vendors by region, category subtree and certification."""

from __future__ import annotations

from sqlalchemy import select, text

from ...extensions import db
from ...http.pagination import paginate
from ..models import VendorProfile, VerificationStatus
from .categories import category_subtree


def list_vendors(params: dict) -> dict:
    """One page of the directory by id; verified vendors unless another status is asked.

    :raises InvalidInputError: a bad cursor or an unknown category.
    """
    stmt = select(VendorProfile).where(VendorProfile.status == (params.get("status") or VerificationStatus.VERIFIED))
    if params.get("region"):
        stmt = stmt.where(VendorProfile.serving(params["region"]))
    if params.get("category_id"):
        subtree = list(db.session.execute(category_subtree(params["category_id"])).scalars())
        stmt = stmt.where(VendorProfile.category_ids.overlap(subtree))
    if params.get("certification"):
        stmt = stmt.where(text("EXISTS (SELECT 1 FROM unnest(vendor_profiles.certifications) AS c(name) "
                               "WHERE lower(c.name) = lower(:certification))").bindparams(
            certification=params["certification"]))
    return paginate(stmt, params, VendorProfile.id)
