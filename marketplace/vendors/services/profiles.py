"""Vendor profiles: created with the vendor organisation, edited by the vendor, read by everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from ...accounts.models import OrgKind
from ...actors import Actor
from ...database import utcnow
from ...errors import ConflictError, InvalidInputError, NotFoundError
from ...extensions import db
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org, notify_platform
from ...statemachine import record_event
from ..models import (
    REVERIFY,
    SENSITIVE_FIELDS,
    Category,
    VendorProfile,
    VerificationStatus,
)
from ..states import verification_machine

#: profile fields only the vendor itself and platform staff see
PRIVATE_FIELDS = frozenset({"payout_account", "submitted_at", "pending_changes", "payouts_on_hold"})

#: the sensitive fields as the vendor's notification words them: field -> (Vietnamese, English)
FIELD_WORDS = {"legal_name": ("tên pháp lý", "legal name"), "tax_code": ("mã số thuế", "tax code"),
               "payout_account": ("tài khoản nhận tiền", "payout account")}

#: states in which a sensitive change is recorded for the admin (verified vendors also go back to pending)
WATCHED_STATES = (VerificationStatus.VERIFIED, VerificationStatus.SUSPENDED)


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

    Description, regions, capacity, addresses and categories change freely. A change of legal name, tax
    code or payout account on a verified vendor is kept but sends the vendor back to ``pending``
    (transition ``reverify``): the old and new values are recorded in ``pending_changes`` and on the
    event for the admin, payouts are on hold until an admin verifies again, and the vendor is told.

    :raises NotFoundError: not the actor's own vendor organisation.
    :raises InvalidInputError: a bad tax code or unknown categories.
    :raises ConflictError: ``tax_code_taken``: another vendor has the same tax code (ignoring case and separators).
    """
    vendor = VendorProfile.get_visible(actor, vendor_id)
    vendor = verification_machine.lock(vendor.id)  # old values read under the lock the transition takes anyway
    data = dict(data)
    if data.get("tax_code"):
        data["tax_code"] = validate_tax_code(data["tax_code"], vendor.organization.country)
        ensure_tax_code_free(vendor.id, data["tax_code"])
    if "category_ids" in data:
        data["category_ids"] = existing_categories(data["category_ids"])
    if "addresses" in data:
        data["addresses"] = [{k: v for k, v in a.items() if v is not None} for a in data["addresses"]]
    changes = {f: {"old": getattr(vendor, f), "new": data[f]} for f in SENSITIVE_FIELDS
               if f in data and data[f] != getattr(vendor, f)}
    for key, value in data.items():
        setattr(vendor, key, value)
    watched = vendor.status in WATCHED_STATES or vendor.pending_changes is not None
    payload = {"fields": sorted(data), **({"changes": changes} if changes and watched else {})}
    record_event("vendor", vendor.id, "profile_updated", None, None, actor, payload)
    if changes and watched:
        vendor.pending_changes = merge_changes(vendor.pending_changes, changes)
        db.session.flush()
        if vendor.status == VerificationStatus.VERIFIED:
            send_back_to_verification(vendor, actor, changes)
    db.session.flush()
    return vendor


def merge_changes(pending: dict | None, changes: dict) -> dict | None:
    """``pending`` with ``changes`` folded in: each field keeps its first old value; a value set back drops out."""
    merged = dict(pending or {})
    for field, change in changes.items():
        old = merged[field]["old"] if field in merged else change["old"]
        if old == change["new"]:
            merged.pop(field, None)
        else:
            merged[field] = {"old": old, "new": change["new"]}
    return merged or None


def send_back_to_verification(vendor: VendorProfile, actor: Actor, changes: dict) -> None:
    """A verified vendor's sensitive change: back to ``pending`` for an admin, payouts on hold, the vendor told."""
    if not verification_machine.apply(vendor, REVERIFY, actor, {"changes": changes}):
        return
    vendor = db.session.get(VendorProfile, vendor.id)
    vendor.submitted_at = utcnow()
    fields = [f for f in SENSITIVE_FIELDS if f in changes]
    data = {"fields": fields, "fields_vi": ", ".join(FIELD_WORDS[f][0] for f in fields),
            "fields_en": ", ".join(FIELD_WORDS[f][1] for f in fields)}
    notify_org(vendor.id, NotificationKind.VENDOR_REVERIFICATION, data,
               key=f"vendor-{vendor.id}-reverify-v{vendor.version}")
    notify_platform(NotificationKind.VENDOR_CHANGE_REVIEW,
                    {**data, "vendor_id": vendor.id, "vendor_name": vendor.organization.name},
                    key=f"vendor-{vendor.id}-change-review-v{vendor.version}")


def normalized_tax_code(tax_code: str) -> str:
    """A tax code compared across vendors: letters and digits only, upper case (``0100-109 106`` = ``0100109106``)."""
    return "".join(ch for ch in tax_code if ch.isalnum()).upper()


def ensure_tax_code_free(vendor_id: int, tax_code: str) -> None:
    """Refuse a tax code another vendor already has; concurrent claims of one code are serialised.

    :raises ConflictError: ``tax_code_taken``.
    """
    norm = normalized_tax_code(tax_code)
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"vendor-tax-code:{norm}"))))
    taken = db.session.execute(
        select(VendorProfile.id).where(VendorProfile.id != vendor_id, _stored_tax_code() == norm).limit(1)
    ).first()
    if taken:
        raise ConflictError("another vendor is already registered with this tax code", code="tax_code_taken",
                            fields={"tax_code": ["another vendor is already registered with this tax code"]},
                            details={"tax_code": tax_code})


def _stored_tax_code():
    """SQL: a vendor's tax code as compared (upper case, separators dropped)."""
    return func.upper(func.regexp_replace(VendorProfile.tax_code, "[^0-9A-Za-z]", "", "g"))


def tax_code_twins(vendor_ids) -> dict[int, list[tuple[int, str]]]:
    """For each of ``vendor_ids`` with a tax code another vendor also has (registered before the rule
    refused duplicates, or by data imported around it): those other vendors as ``(id, legal name)``.

    For the admins' verification queue: a shared tax code is flagged, never silently accepted.
    """
    ids = [i for i in vendor_ids if i is not None]
    if not ids:
        return {}
    mine = select(VendorProfile.id.label("vid"), _stored_tax_code().label("code")).where(
        VendorProfile.id.in_(ids), VendorProfile.tax_code.is_not(None), VendorProfile.tax_code != "").subquery()
    rows = db.session.execute(
        select(mine.c.vid, VendorProfile.id, VendorProfile.legal_name)
        .join(VendorProfile, (_stored_tax_code() == mine.c.code) & (VendorProfile.id != mine.c.vid))
        .order_by(mine.c.vid, VendorProfile.id)
    ).all()
    twins: dict[int, list[tuple[int, str]]] = {}
    for vid, other_id, name in rows:
        twins.setdefault(vid, []).append((other_id, name or ""))
    return twins


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
