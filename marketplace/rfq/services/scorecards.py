"""A vendor's scorecard as the API answers it: the window's figures and the last twelve months."""

from __future__ import annotations

from ...errors import NotFoundError
from ...extensions import db
from ...vendors.models import VendorProfile
from ..scorecard import monthly_scorecard, vendor_scorecard


def scorecard_of(vendor_id: int, days: int) -> dict:
    """The vendor's scorecard over the last ``days`` with its monthly figures.

    :raises NotFoundError: not a vendor.
    """
    if db.session.get(VendorProfile, vendor_id) is None:
        raise NotFoundError("no such vendor")
    return {**vendor_scorecard(vendor_id, days), "monthly": monthly_scorecard(vendor_id)}
