"""Vendor profiles: created with the vendor organisation, edited by the vendor, read by everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from ...accounts.models import OrgKind
from ...actors import Actor
from ...errors import InvalidInputError, NotFoundError
from ...extensions import db
from ...statemachine import record_event
from ..models import Category, VendorProfile

#: profile fields only the vendor itself and platform staff see
PRIVATE_FIELDS = frozenset({"payout_account", "submitted_at"})


def create_vendor_profile(org) -> VendorProfile | None:
    """Listener of ``accounts.organization_created``: a new vendor organisation gets an unverified profile."""
    if org.kind != OrgKind.VENDOR:
        return None
    profile = VendorProfile(id=org.id, legal_name=org.name, regions=[], certifications=[])
    db.session.add(profile)
    db.session.flush()
    return profile


def get_vendor(vendor_id: int) -> VendorProfile:
    """A vendor's profile (public).

    :raises NotFoundError: no such vendor.
    """
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None:
        raise NotFoundError("no such vendor")
    return vendor


@dataclass(frozen=True)
class VendorView:
    """A profile as one viewer may see it: the private fields are absent unless ``private``."""

    profile: VendorProfile
    private: bool

    def __getattr__(self, name: str) -> Any:
        if name in PRIVATE_FIELDS and not self.private:
            raise AttributeError(name)  # the output schema leaves an absent attribute out
        return getattr(self.profile, name)


def view_vendor(vendor_id: int, viewer: Actor | None) -> VendorView:
    """A vendor's profile for ``viewer``: payout details only for the vendor itself and platform admins.

    :raises NotFoundError: no such vendor.
    """
    vendor = get_vendor(vendor_id)
    private = viewer is not None and db.session.execute(
        VendorProfile.visible_to(viewer).where(VendorProfile.id == vendor.id).with_only_columns(VendorProfile.id)
    ).first() is not None
    return VendorView(vendor, private)


def update_vendor_profile(vendor_id: int, actor: Actor, data: dict) -> VendorProfile:
    """A vendor edits its own profile.

    :raises NotFoundError: not the actor's own vendor organisation.
    :raises InvalidInputError: a bad tax code or unknown categories.
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    data = dict(data)
    if data.get("tax_code"):
        data["tax_code"] = validate_tax_code(data["tax_code"], vendor.organization.country)
    if "category_ids" in data:
        data["category_ids"] = existing_categories(data["category_ids"])
    if "addresses" in data:
        data["addresses"] = [{k: v for k, v in a.items() if v is not None} for a in data["addresses"]]
    for key, value in data.items():
        setattr(vendor, key, value)
    record_event("vendor", vendor.id, "profile_updated", None, None, actor, {"fields": sorted(data)})
    db.session.flush()
    return vendor


def validate_tax_code(tax_code: str, country: str | None) -> str:
    """A Vietnamese enterprise code (mã số thuế, 10 or 13 digits with a check digit) when the org is in VN.

    :raises InvalidInputError: the code fails the checksum.
    """
    if (country or "VN") != "VN":
        return tax_code.strip()
    try:
        return mst.format(mst.validate(tax_code))
    except StdnumError as exc:
        raise InvalidInputError("the tax code is not a valid Vietnamese tax code (MST)",
                                fields=InvalidInputError.nest(("tax_code",), str(exc) or "invalid")) from None


def existing_categories(ids: list[int]) -> list[int]:
    """``ids`` sorted and deduplicated.

    :raises InvalidInputError: some category does not exist.
    """
    ids = sorted(set(ids))
    found = set(db.session.execute(select(Category.id).where(Category.id.in_(ids))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInputError("unknown categories", fields={"category_ids": [f"no category {i}" for i in missing]})
    return ids
