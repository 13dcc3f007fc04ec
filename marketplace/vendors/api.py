"""Vendor directory, verification and catalog endpoints."""

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..accounts.auth import current_actor, login_required
from ..accounts.services import authenticate
from ..extensions import db
from ..pagination import page_schema
from . import services
from .models import VendorProfile
from .schemas import (PriceQuerySchema, PriceQuoteSchema, ProductCreateSchema, ProductQuerySchema, ProductSchema,
                      ProductUpdateSchema, VendorProfileUpdateSchema, VendorSchema, VerificationDecisionSchema)
from ..money import format_amount

blp = Blueprint("vendors", __name__, url_prefix="/api/v1", description="Vendors, verification and the catalog")


def _optional_org_id() -> int | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        session = authenticate(header[7:].strip())
        return session.organization.id if session else None
    return None


@blp.route("/vendors")
@blp.arguments(ProductQuerySchema(only=("after", "limit", "region")), location="query")
@blp.response(200, page_schema(VendorSchema, "VendorPage"))
def list_vendors(params):
    """The public vendor directory: verified vendors, optionally by region."""
    stmt = select(VendorProfile).where(VendorProfile.status == "verified")
    if params.get("region"):
        region = params["region"]
        stmt = stmt.where(VendorProfile.regions.overlap([region, region.split("-")[0]]))
    if params.get("after"):
        stmt = stmt.where(VendorProfile.id > params["after"])
    rows = list(db.session.execute(stmt.order_by(VendorProfile.id).limit(params["limit"] + 1)).scalars())
    cursor = rows[params["limit"] - 1].id if len(rows) > params["limit"] else None
    return {"items": rows[: params["limit"]], "next_cursor": cursor}


@blp.route("/vendors/<int:vendor_id>")
class VendorResource(MethodView):
    @blp.response(200, VendorSchema)
    def get(self, vendor_id):
        """A vendor's public profile."""
        return services.get_vendor(vendor_id)

    @login_required("vendor", roles=("owner", "admin"))
    @blp.arguments(VendorProfileUpdateSchema)
    @blp.response(200, VendorSchema)
    def patch(self, data, vendor_id):
        """The vendor edits its own profile."""
        vendor = services.update_vendor_profile(vendor_id, current_actor(), data)
        db.session.commit()
        return vendor


@blp.route("/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required("vendor", roles=("owner", "admin"))
@blp.response(200, VendorSchema)
def submit_verification(vendor_id):
    """The vendor submits its profile for verification."""
    vendor = services.submit_verification(vendor_id, current_actor())
    db.session.commit()
    return vendor


@blp.route("/admin/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required("platform", roles=("admin",))
@blp.arguments(VerificationDecisionSchema)
@blp.response(200, VendorSchema)
def decide_verification(data, vendor_id):
    """A platform admin verifies, rejects, suspends or reinstates a vendor."""
    vendor = services.decide_verification(vendor_id, current_actor(), data["decision"], data.get("reason"))
    db.session.commit()
    return vendor


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, page_schema(ProductSchema, "ProductPage"))
    def get(self, params):
        """Search active products of verified vendors (accent-insensitive), keyset-paginated."""
        items, cursor = services.search_products(params)
        return {"items": items, "next_cursor": cursor}

    @login_required("vendor", roles=("owner", "admin", "sales"))
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    def post(self, data):
        """A vendor lists a product."""
        product = services.create_product(current_actor(), data)
        db.session.commit()
        return product


@blp.route("/products/<int:product_id>")
class ProductResource(MethodView):
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """One product (drafts only for their vendor)."""
        return services.get_visible_product(product_id, _optional_org_id())

    @login_required("vendor", roles=("owner", "admin", "sales"))
    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    def patch(self, data, product_id):
        """The vendor edits its own product."""
        product = services.update_product(current_actor(), product_id, data)
        db.session.commit()
        return product


@blp.route("/products/<int:product_id>/price")
@blp.arguments(PriceQuerySchema, location="query")
@blp.response(200, PriceQuoteSchema)
def product_price(params, product_id):
    """What a buyer pays for a quantity at the public tiers."""
    product = services.get_visible_product(product_id, _optional_org_id())
    quote = services.price_for(product, params["quantity"])
    quote["unit_price"] = format_amount(quote["unit_price"], product.currency)
    quote["total"] = format_amount(quote["total"], product.currency)
    return quote
