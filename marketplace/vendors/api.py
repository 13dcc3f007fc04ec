"""Vendor directory, verification (documents, admin queue), categories, catalog, price lists, bulk import/export."""

from flask import Response, jsonify, send_file, stream_with_context
from flask.views import MethodView
from ..http.blueprint import Blueprint

from ..accounts.auth import current_actor, login_required, optional_session
from ..extensions import db
from ..money import format_amount
from ..http.pagination import page_schema, paginate
from .models import VendorProfile
from . import imports, services
from .schemas import (CategoryCreateSchema, CategoryNodeSchema, CategoryQuerySchema, CategorySchema, CategoryUpdateSchema,
                      DocumentFileSchema, DocumentFormSchema, ImportFileSchema, PriceListCreateSchema,
                      PriceListPageSchema, PriceListSchema, PriceQuerySchema, PriceQuoteSchema, ProductCreateSchema,
                      ProductImportSchema, ProductPageSchema, ProductQuerySchema, ProductSchema, ProductUpdateSchema,
                      QueueQuerySchema, VendorDocumentSchema, VendorPrivateSchema, VendorProfileUpdateSchema,
                      VendorQuerySchema, VendorQueuePageSchema, VendorSchema, VerificationDecisionSchema)
from .storage import blob_path

blp = Blueprint("vendors", __name__, url_prefix="/api/v1", description="Vendors, verification and the catalog")


def _optional_org_id() -> int | None:
    session = optional_session()
    return session.organization.id if session else None


# --- vendors ------------------------------------------------------------------------------------


@blp.route("/vendors")
@blp.arguments(VendorQuerySchema, location="query")
@blp.response(200, page_schema(VendorSchema, "VendorPage"))
def list_vendors(params):
    """The public vendor directory: by region, category (subtree), certification and verification status."""
    return paginate(services.list_vendors(params), params, VendorProfile.id)


@blp.route("/vendors/<int:vendor_id>")
class VendorResource(MethodView):
    @blp.response(200, VendorPrivateSchema)
    def get(self, vendor_id):
        """A vendor's profile: public fields for everyone, payout details for the vendor itself and admins."""
        vendor = services.get_vendor(vendor_id)
        session = optional_session()
        if session and (session.organization.id == vendor_id or session.kind == "platform"):
            return vendor
        return jsonify(VendorSchema().dump(vendor))

    @login_required("vendor", roles=("owner", "admin"))
    @blp.arguments(VendorProfileUpdateSchema)
    @blp.response(200, VendorPrivateSchema)
    def patch(self, data, vendor_id):
        """The vendor edits its own profile (tax code checked with python-stdnum for Vietnam)."""
        vendor = services.update_vendor_profile(vendor_id, current_actor(), data)
        db.session.commit()
        return vendor


@blp.route("/vendors/<int:vendor_id>/documents")
class VendorDocuments(MethodView):
    @login_required("vendor", "platform")
    @blp.response(200, VendorDocumentSchema(many=True))
    def get(self, vendor_id):
        """The vendor's verification documents (the vendor itself and platform admins)."""
        return services.list_vendor_documents(vendor_id, current_actor())

    @login_required("vendor", roles=("owner", "admin"))
    @blp.arguments(DocumentFormSchema, location="form")
    @blp.arguments(DocumentFileSchema, location="files")
    @blp.response(201, VendorDocumentSchema)
    def post(self, form, files, vendor_id):
        """Upload a verification document (multipart: ``kind``, ``file``): PDF, PNG or JPEG by content."""
        upload = files["file"]
        doc = services.add_vendor_document(vendor_id, current_actor(), form["kind"], upload.filename, upload.stream)
        db.session.commit()
        return doc


@blp.route("/vendors/<int:vendor_id>/documents/<int:document_id>/file")
@login_required("vendor", "platform")
def download_document(vendor_id, document_id):
    """The document's bytes (the vendor itself and platform admins)."""
    doc = services.get_vendor_document(vendor_id, document_id, current_actor())
    return send_file(blob_path(doc.sha256), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@blp.route("/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required("vendor", roles=("owner", "admin"))
@blp.response(200, VendorPrivateSchema)
def submit_verification(vendor_id):
    """The vendor submits its profile for verification (needs a business_registration document)."""
    vendor = services.submit_verification(vendor_id, current_actor())
    db.session.commit()
    return vendor


@blp.route("/admin/vendors/verification-queue")
@login_required("platform", roles=("admin", "support"))
@blp.arguments(QueueQuerySchema, location="query")
@blp.response(200, VendorQueuePageSchema)
def verification_queue(params):
    """Vendors to review: pending first, oldest submission first."""
    items, cursor = services.verification_queue(params)
    return {"items": items, "next_cursor": cursor}


@blp.route("/admin/vendors/<int:vendor_id>/verification", methods=["POST"])
@login_required("platform", roles=("admin",))
@blp.arguments(VerificationDecisionSchema)
@blp.response(200, VendorPrivateSchema)
def decide_verification(data, vendor_id):
    """A platform admin verifies, rejects, suspends or reinstates a vendor."""
    vendor = services.decide_verification(vendor_id, current_actor(), data["decision"], data.get("reason"))
    db.session.commit()
    return vendor


# --- categories ---------------------------------------------------------------------------------


def _category_tree(nodes, depth: int) -> list[dict]:
    out = [CategoryNodeSchema().dump(n) for n in nodes]
    if depth > 1 and nodes:
        children = services.category_children(nodes)
        for item, node in zip(out, nodes):
            item["children"] = _category_tree(children[node.id], depth - 1)
    return out


@blp.route("/categories")
@blp.arguments(CategoryQuerySchema, location="query")
@blp.response(200, CategorySchema(many=True))
def list_categories(params):
    """Category roots, or the children of ``parent_id``; ``depth`` 2-3 nests the levels below."""
    return jsonify(_category_tree(services.list_categories(params), params["depth"]))


@blp.route("/admin/categories", methods=["POST"])
@login_required("platform", roles=("admin",))
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategoryNodeSchema)
def create_category(data):
    """A platform admin adds a marketplace category."""
    category = services.create_category(current_actor(), data)
    db.session.commit()
    return category


@blp.route("/admin/categories/<int:category_id>", methods=["PATCH"])
@login_required("platform", roles=("admin",))
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


@blp.route("/products/import", methods=["POST"])
@login_required("vendor", roles=("owner", "admin", "sales"))
@blp.arguments(ImportFileSchema, location="files")
@blp.response(202, ProductImportSchema)
def import_products(files):
    """Upload a CSV (UTF-8) or XLSX catalog; it is imported in the background (poll the import)."""
    upload = files["file"]
    imp = imports.start_product_import(current_actor(), upload.filename, upload.stream)
    db.session.commit()
    return imp


@blp.route("/products/imports/<int:import_id>")
@login_required("vendor")
@blp.response(200, ProductImportSchema)
def get_import(import_id):
    """An import's status and progress (rows done / total)."""
    return imports.get_product_import(current_actor(), import_id)


@blp.route("/products/imports/<int:import_id>/errors.csv")
@login_required("vendor")
def import_errors(import_id):
    """The rows that were not imported, with their row number and the reason (CSV)."""
    imp = imports.get_product_import(current_actor(), import_id)
    return Response(stream_with_context(imports.csv_lines(imports.error_report_rows(imp.id))), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="import-{imp.id}-errors.csv"'})


@blp.route("/products/export.csv")
@login_required("vendor")
def export_products():
    """The vendor's own catalog as CSV, in the import's columns, safe to open in a spreadsheet."""
    vendor_id = current_actor().org_id
    return Response(stream_with_context(imports.csv_lines(imports.export_rows(vendor_id))), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="products.csv"'})


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
    """What the calling buyer pays for a quantity: its negotiated price if valid now, else the public tier."""
    org_id = _optional_org_id()
    product = services.get_visible_product(product_id, org_id)
    quote = services.price_for(product, params["quantity"], org_id)
    quote["unit_price"] = format_amount(quote["unit_price"], product.currency)
    quote["total"] = format_amount(quote["total"], product.currency)
    return quote


# --- negotiated price lists ---------------------------------------------------------------------


@blp.route("/price-lists")
class PriceLists(MethodView):
    @login_required("vendor", "buyer", "platform")
    @blp.response(200, PriceListPageSchema)
    def get(self):
        """Price lists the vendor made, or that were made for the calling buyer."""
        return {"items": services.list_price_lists(current_actor())}

    @login_required("vendor", roles=("owner", "admin", "sales"))
    @blp.arguments(PriceListCreateSchema)
    @blp.response(201, PriceListSchema)
    def post(self, data):
        """A vendor records prices negotiated with one buyer organisation, valid for a period."""
        price_list = services.create_price_list(current_actor(), data)
        db.session.commit()
        return price_list


@blp.route("/price-lists/<int:price_list_id>")
@login_required("vendor", "buyer", "platform")
@blp.response(200, PriceListSchema)
def get_price_list(price_list_id):
    """One price list (its vendor and its buyer only)."""
    return services.get_price_list(current_actor(), price_list_id)


@blp.route("/price-lists/<int:price_list_id>/end", methods=["POST"])
@login_required("vendor", roles=("owner", "admin", "sales"))
@blp.response(200, PriceListSchema)
def end_price_list(price_list_id):
    """The vendor ends a price list now."""
    price_list = services.end_price_list(current_actor(), price_list_id)
    db.session.commit()
    return price_list
