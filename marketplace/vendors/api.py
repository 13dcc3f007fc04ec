"""Vendor directory, verification (documents, admin queue), categories, catalog, price lists, bulk import/export."""

from flask import jsonify
from flask.views import MethodView

from ..accounts.auth import current_actor, login_required, optional_actor
from ..accounts.models import MANAGERS, SELLERS, MemberRole, OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.downloads import send_download
from ..http.pagination import PageQuerySchema
from . import services
from .schemas import (
    CategoryCreateSchema,
    CategoryNodeSchema,
    CategoryPageSchema,
    CategoryQuerySchema,
    CategoryUpdateSchema,
    DocumentUploadSchema,
    HsSuggestionQuerySchema,
    HsSuggestionsSchema,
    ImportFileSchema,
    PriceListCreateSchema,
    PriceListPageSchema,
    PriceListSchema,
    PriceQuerySchema,
    PriceQuoteSchema,
    ProductCreateSchema,
    ProductHsSuggestionSchema,
    ProductImportSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
    QueueQuerySchema,
    VendorDocumentPageSchema,
    VendorDocumentSchema,
    VendorEventPageSchema,
    VendorPageSchema,
    VendorPrivateSchema,
    VendorProfileUpdateSchema,
    VendorQuerySchema,
    VendorQueuePageSchema,
    VerificationDecisionSchema,
)
from .services.verification import vendor_events as read_vendor_events

blp = Blueprint("vendors", __name__, url_prefix="/api/v1", description="Vendors, verification and the catalog")

#: the OpenAPI schema of a response body that is a file
_FILE = {"type": "string", "format": "binary"}

VENDOR, BUYER, PLATFORM = OrgKind.VENDOR, OrgKind.BUYER, OrgKind.PLATFORM
#: vendor members who edit the profile and handle verification
#: vendor members who edit the catalog and price lists
#: platform members who read the verification queue
REVIEWERS = (MemberRole.ADMIN, MemberRole.SUPPORT)
#: platform members who decide
ADMINS = (MemberRole.ADMIN,)


# --- vendors ------------------------------------------------------------------------------------


@blp.route("/vendors")
@blp.arguments(VendorQuerySchema, location="query")
@blp.response(200, VendorPageSchema)
def list_vendors(params):
    """The public vendor directory: by region, category (subtree), certification and verification status."""
    return services.list_vendors(params)


@blp.route("/vendors/<int:vendor_id>")
class VendorResource(MethodView):
    @blp.response(200, VendorPrivateSchema)
    def get(self, vendor_id):
        """A vendor's profile: public fields for everyone; ``payout_account`` and ``submitted_at`` only for the
        vendor itself and platform admins."""
        return services.view_vendor(vendor_id, optional_actor())

    @login_required(VENDOR, roles=MANAGERS)
    @blp.arguments(VendorProfileUpdateSchema)
    @blp.response(200, VendorPrivateSchema)
    def patch(self, data, vendor_id):
        """The vendor edits its own profile (tax code checked with python-stdnum for Vietnam).

        A verified vendor's change of legal name, tax code or payout account is kept but sends it back to
        ``pending`` for an admin (``pending_changes`` shows old and new values) and holds its payouts until
        then; other fields change freely. 409 ``tax_code_taken``: another vendor has this tax code."""
        vendor = services.update_vendor_profile(vendor_id, current_actor(), data)
        db.session.commit()
        return vendor


@blp.route("/vendors/<int:vendor_id>/events")
@login_required(VENDOR, PLATFORM)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, VendorEventPageSchema)
def vendor_events(params, vendor_id):
    """The vendor's timeline (verification, documents, profile changes), oldest first, with actor and time:
    the vendor itself and platform admins only."""
    return read_vendor_events(vendor_id, current_actor(), params)


@blp.route("/vendors/<int:vendor_id>/documents")
class VendorDocuments(MethodView):
    @login_required(VENDOR, PLATFORM)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, VendorDocumentPageSchema)
    def get(self, params, vendor_id):
        """The vendor's verification documents (the vendor itself and platform admins)."""
        return services.list_vendor_documents(vendor_id, current_actor(), params)

    @login_required(VENDOR, roles=MANAGERS)
    @blp.arguments(DocumentUploadSchema, location="form_and_files", content_type="multipart/form-data")
    @blp.response(201, VendorDocumentSchema)
    def post(self, form, vendor_id):
        """Upload a verification document (multipart: ``kind``, ``file``): PDF, PNG or JPEG by content."""
        upload = form["file"]
        doc = services.add_vendor_document(vendor_id, current_actor(), form["kind"], upload.filename, upload.stream)
        db.session.commit()
        return doc


@blp.route("/vendors/<int:vendor_id>/documents/<int:document_id>/file")
@login_required(VENDOR, PLATFORM)
@blp.response(200, _FILE, content_type="application/pdf",
              description="The document's bytes, served with its sniffed type (PDF, PNG or JPEG).")
@blp.doc(responses={200: {"content": {"image/png": {"schema": _FILE}, "image/jpeg": {"schema": _FILE}}}})
def download_document(vendor_id, document_id):
    """The document's bytes (the vendor itself and platform admins)."""
    return send_download(services.download_vendor_document(vendor_id, document_id, current_actor()))


@blp.route("/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required(VENDOR, roles=MANAGERS)
@blp.response(200, VendorPrivateSchema)
def submit_verification(vendor_id):
    """The vendor submits its profile for verification (needs a business_registration document)."""
    vendor = services.submit_verification(vendor_id, current_actor())
    db.session.commit()
    return vendor


@blp.route("/admin/vendors/verification-queue")
@login_required(PLATFORM, roles=REVIEWERS)
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, VendorQueuePageSchema)
def verification_queue(params):
    """Vendors to review: pending first, oldest submission first."""
    return services.verification_queue(params)


@blp.route("/admin/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required(PLATFORM, roles=ADMINS)
@blp.arguments(VerificationDecisionSchema)
@blp.response(200, VendorPrivateSchema)
def decide_verification(data, vendor_id):
    """A platform admin verifies, rejects, suspends or reinstates a vendor."""
    vendor = services.decide_verification(vendor_id, current_actor(), data["decision"], data.get("reason"))
    db.session.commit()
    return vendor


# --- categories ---------------------------------------------------------------------------------


@blp.route("/categories")
@blp.arguments(CategoryQuerySchema, location="query")
@blp.response(200, CategoryPageSchema)
def list_categories(params):
    """Category roots, the children of ``parent_id`` or the nodes of an HS code; ``depth`` 2-3 nests the levels below."""
    return services.list_categories(params)


@blp.route("/admin/categories", methods=["POST"])
@login_required(PLATFORM, roles=ADMINS)
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategoryNodeSchema)
def create_category(data):
    """A platform admin adds a marketplace category."""
    category = services.create_category(current_actor(), data)
    db.session.commit()
    return category


@blp.route("/admin/categories/<int:category_id>", methods=["PATCH"])
@login_required(PLATFORM, roles=ADMINS)
@blp.arguments(CategoryUpdateSchema)
@blp.response(200, CategoryNodeSchema)
def update_category(data, category_id):
    """A platform admin renames a category (e.g. adds its Vietnamese name)."""
    category = services.update_category(current_actor(), category_id, data)
    db.session.commit()
    return category


# --- products -----------------------------------------------------------------------------------


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductPageSchema)
    def get(self, params):
        """Search listings (accent-insensitive), filter, sort (relevance, newest, price, -price), keyset cursor."""
        # the items come as ProductSchema would dump them (services/listing.py); a Response skips the dump
        return jsonify(services.search_listing(params))

    @login_required(VENDOR, roles=SELLERS)
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    def post(self, data):
        """A vendor lists a product."""
        product = services.create_product(current_actor(), data)
        db.session.commit()
        return product


@blp.route("/products/import", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.arguments(ImportFileSchema, location="form_and_files", content_type="multipart/form-data")
@blp.response(202, ProductImportSchema)
def import_products(form):
    """Upload a CSV (UTF-8) or XLSX catalog; it is imported in the background (poll the import)."""
    upload = form["file"]
    imp = services.start_product_import(current_actor(), upload.filename, upload.stream)
    db.session.commit()
    return imp


@blp.route("/products/imports/<int:import_id>")
@login_required(VENDOR)
@blp.response(200, ProductImportSchema)
def get_import(import_id):
    """An import's status and progress (rows done / total)."""
    return services.get_product_import(current_actor(), import_id)


@blp.route("/products/imports/<int:import_id>/errors.csv")
@login_required(VENDOR)
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="UTF-8 CSV with a BOM: row, sku, reason; cells that a spreadsheet would run are escaped.")
def import_errors(import_id):
    """The rows that were not imported, with their row number and the reason (CSV)."""
    return send_download(services.download_import_errors(current_actor(), import_id))


@blp.route("/products/export.csv")
@login_required(VENDOR)
@blp.response(200, {"type": "string"}, content_type="text/csv",
              description="UTF-8 CSV with a BOM, in the import's columns; formula-like cells are escaped.")
def export_products():
    """The vendor's own catalog as CSV, in the import's columns, safe to open in a spreadsheet."""
    return send_download(services.download_catalog(current_actor()))


@blp.route("/products/<int:product_id>")
class ProductResource(MethodView):
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """One product (drafts only for their vendor)."""
        return services.get_visible_product(product_id, optional_actor())

    @login_required(VENDOR, roles=SELLERS)
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
    """What the calling buyer pays for a quantity: its negotiated price if valid now, else the public tier."""
    return services.quote_price(product_id, params["quantity"], optional_actor())


# --- HS code suggestions ------------------------------------------------------------------------


@blp.route("/products/hs-suggestions", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.arguments(HsSuggestionQuerySchema)
@blp.response(200, HsSuggestionsSchema)
def suggest_hs_codes(data):
    """HS codes suggested for a listing's text (before or while it is listed), with calibrated confidence."""
    model, suggestions = services.suggest_hs(data["name"], data["description"], data.get("name_vi"),
                                             within=data["within"], limit=data["limit"])
    return {"suggestions": suggestions, "model": model}


@blp.route("/products/<int:product_id>/hs-suggestion")
@login_required(VENDOR)
@blp.response(200, ProductHsSuggestionSchema)
def product_hs_suggestion(product_id):
    """The HS code inferred for one of the vendor's listings that shows none (404 when none is inferred)."""
    return services.product_hs_suggestion(current_actor(), product_id)


@blp.route("/products/<int:product_id>/hs-suggestion/accept", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.response(200, ProductSchema)
def accept_hs_suggestion(product_id):
    """The vendor takes the inferred code as the listing's own HS code (to correct it, PATCH the product)."""
    product = services.accept_hs_suggestion(current_actor(), product_id)
    db.session.commit()
    return product


# --- negotiated price lists ---------------------------------------------------------------------


@blp.route("/price-lists")
class PriceLists(MethodView):
    @login_required(VENDOR, BUYER, PLATFORM)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PriceListPageSchema)
    def get(self, params):
        """Price lists the vendor made, or that were made for the calling buyer (newest first)."""
        return services.list_price_lists(current_actor(), params)

    @login_required(VENDOR, roles=SELLERS)
    @blp.arguments(PriceListCreateSchema)
    @blp.response(201, PriceListSchema)
    def post(self, data):
        """A vendor records prices negotiated with one buyer organisation, valid for a period."""
        price_list = services.create_price_list(current_actor(), data)
        db.session.commit()
        return price_list


@blp.route("/price-lists/<int:price_list_id>")
@login_required(VENDOR, BUYER, PLATFORM)
@blp.response(200, PriceListSchema)
def get_price_list(price_list_id):
    """One price list (its vendor and its buyer only)."""
    return services.get_price_list(current_actor(), price_list_id)


@blp.route("/price-lists/<int:price_list_id>/end", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.response(200, PriceListSchema)
def end_price_list(price_list_id):
    """The vendor ends a price list now."""
    price_list = services.end_price_list(current_actor(), price_list_id)
    db.session.commit()
    return price_list
