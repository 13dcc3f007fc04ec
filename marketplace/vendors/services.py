"""Vendor and catalog verbs: profiles, verification decisions, products, prices, search."""

from __future__ import annotations

from sqlalchemy import func, select

from ..database import utcnow
from ..errors import ConflictError, ForbiddenError, NotFoundError
from ..extensions import db
from ..statemachine import Actor, record_event
from ..text import fold
from .models import PriceTier, Product, ProductStatus, VendorProfile
from .states import verification_machine


def create_vendor_profile(org) -> VendorProfile:
    profile = VendorProfile(id=org.id, legal_name=org.name, regions=[], certifications=[])
    db.session.add(profile)
    db.session.flush()
    return profile


def get_vendor(vendor_id: int) -> VendorProfile:
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None:
        raise NotFoundError("no such vendor")
    return vendor


def update_vendor_profile(vendor_id: int, actor: Actor, data: dict) -> VendorProfile:
    """A vendor edits its own profile.

    :raises NotFoundError: not the actor's own vendor organisation.
    """
    if actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    vendor = get_vendor(vendor_id)
    for key, value in data.items():
        setattr(vendor, key, value)
    record_event("vendor", vendor.id, "profile_updated", None, None, actor, {"fields": sorted(data)})
    return vendor


def submit_verification(vendor_id: int, actor: Actor) -> VendorProfile:
    """The vendor asks the platform to verify it.

    :raises ConflictError: legal name or tax code missing, or the state does not allow it.
    """
    if actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    vendor = get_vendor(vendor_id)
    missing = [f for f in ("legal_name", "tax_code") if not getattr(vendor, f)]
    if missing:
        raise ConflictError("complete the profile first", code="profile_incomplete", fields={f: ["required"] for f in missing})
    verification_machine.apply(vendor, "submit", actor)
    return vendor


def decide_verification(vendor_id: int, actor: Actor, decision: str, reason: str | None = None) -> VendorProfile:
    """An admin verifies, rejects, suspends or reinstates a vendor; every decision is an event.

    :raises IllegalTransitionError: the decision does not fit the current state.
    """
    vendor = get_vendor(vendor_id)
    if verification_machine.apply(vendor, decision, actor, {"reason": reason} if reason else None):
        vendor = db.session.get(VendorProfile, vendor_id)
        if decision in ("verify", "reinstate"):
            vendor.verified_at = vendor.verified_at or utcnow()
            vendor.rejection_reason = None
        elif decision in ("reject", "suspend"):
            vendor.rejection_reason = reason
    return vendor


def _search_text(product: Product) -> str:
    return " ".join(filter(None, [fold(product.name), fold(product.name_vi), fold(product.description),
                                  fold(product.sku), product.hs_code or ""]))


def _require_publishable(vendor: VendorProfile, status: str) -> None:
    if status == ProductStatus.ACTIVE and not vendor.is_verified():
        raise ConflictError("only verified vendors can publish listings", code="vendor_not_verified")


def create_product(actor: Actor, data: dict) -> Product:
    """A vendor lists a product (draft, or active when verified).

    :raises ConflictError: the SKU exists, or an unverified vendor tries to publish.
    """
    vendor = get_vendor(actor.org_id)
    _require_publishable(vendor, data["status"])
    if db.session.execute(select(Product.id).where(Product.vendor_id == vendor.id, Product.sku == data["sku"])).first():
        raise ConflictError("this SKU already exists in your catalog", code="duplicate_sku", fields={"sku": ["taken"]})
    tiers = data.pop("price_tiers")
    product = Product(vendor_id=vendor.id, **data)
    product.tiers = [PriceTier(min_qty=t["min_qty"], unit_price=t["unit_price_minor"]) for t in tiers]
    product.search_text = _search_text(product)
    db.session.add(product)
    db.session.flush()
    return product


def get_own_product(actor: Actor, product_id: int) -> Product:
    product = db.session.execute(Product.for_org(actor.org_id).where(Product.id == product_id)).scalar_one_or_none()
    if product is None:
        raise NotFoundError("no such product")
    return product


def update_product(actor: Actor, product_id: int, data: dict) -> Product:
    """A vendor edits its own product; SKU changes must stay unique."""
    product = get_own_product(actor, product_id)
    _require_publishable(product.vendor, data.get("status", product.status))
    if "currency" in data and data["currency"] != product.currency and "price_tiers" not in data:
        raise ConflictError("changing the currency needs new price tiers", fields={"price_tiers": ["required"]})
    if "sku" in data and data["sku"] != product.sku and db.session.execute(
        select(Product.id).where(Product.vendor_id == product.vendor_id, Product.sku == data["sku"])
    ).first():
        raise ConflictError("this SKU already exists in your catalog", code="duplicate_sku")
    tiers = data.pop("price_tiers", None)
    for key, value in data.items():
        setattr(product, key, value)
    if tiers is not None:
        product.tiers = [PriceTier(min_qty=t["min_qty"], unit_price=t["unit_price_minor"]) for t in tiers]
    product.search_text = _search_text(product)
    db.session.flush()
    return product


def get_visible_product(product_id: int, org_id: int | None) -> Product:
    """Active products are public; drafts and archived ones only for their vendor."""
    product = db.session.get(Product, product_id)
    if product is None or (product.status != ProductStatus.ACTIVE and product.vendor_id != org_id):
        raise NotFoundError("no such product")
    return product


def price_for(product: Product, quantity: int) -> dict:
    """What a buyer pays for ``quantity`` units at the public tiers."""
    unit = product.unit_price_for(max(quantity, product.moq))
    if unit is None:
        raise ConflictError("no price for this quantity")
    return {"product_id": product.id, "quantity": quantity, "unit_price": unit, "total": unit * quantity,
            "currency": product.currency, "below_moq": quantity < product.moq}


def search_products(params: dict, org_id: int | None = None) -> tuple[list[Product], int | None]:
    """Active products from verified vendors, filtered; keyset pagination on id."""
    stmt = select(Product).join(VendorProfile, VendorProfile.id == Product.vendor_id).where(
        Product.status == ProductStatus.ACTIVE, VendorProfile.status == "verified"
    )
    if params.get("q"):
        words = fold(params["q"]).split()
        if words:
            query = func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words[:12]))
            stmt = stmt.where(Product.search_vector.op("@@")(query))
    if params.get("vendor_id"):
        stmt = stmt.where(Product.vendor_id == params["vendor_id"])
    if params.get("hs_code"):
        stmt = stmt.where(Product.hs_code.startswith(params["hs_code"]))
    if params.get("max_moq"):
        stmt = stmt.where(Product.moq <= params["max_moq"])
    if params.get("region"):
        region = params["region"]
        stmt = stmt.where(VendorProfile.regions.overlap([region, region.split("-")[0]]))
    if params.get("after"):
        stmt = stmt.where(Product.id > params["after"])
    limit = params.get("limit", 20)
    rows = list(db.session.execute(stmt.order_by(Product.id).limit(limit + 1)).scalars())
    cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], cursor
