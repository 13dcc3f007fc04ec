"""Deal documents: the purchase order, pro-forma invoice and money statement (PDF, vi/en), the vendor's VAT
e-invoices with their check against the deal, and a vendor's monthly commission statements (PDF, CSV)."""

from __future__ import annotations

import io

from flask import send_file
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.downloads import send_download
from . import documents, e_invoices

blp = Blueprint("deal_documents", __name__, url_prefix="/api/v1",
                description="Deal documents: purchase order, pro-forma invoice, money statement, VAT e-invoices "
                            "and the vendors' commission statements")
TAGS = ["documents"]
_FILE = {"type": "string", "format": "binary"}


class DocumentQuerySchema(Schema):
    lang = fields.String(load_default="vi", validate=validate.OneOf(documents.LOCALES),
                         metadata={"description": "the document's language"})


class EInvoiceUploadSchema(Schema):
    """The vendor's e-invoice: multipart with ``xml`` (required) and ``pdf`` (optional)."""

    xml = Upload(required=True, metadata={"description": "the e-invoice XML (Decree 123/2020, Circular 78)"})
    pdf = Upload(metadata={"description": "its PDF rendition"})


class EInvoiceMismatchSchema(Schema):
    field = fields.String(metadata={"enum": list(e_invoices.FIELD_WORDS)})
    expected = fields.String(allow_none=True)
    actual = fields.String(allow_none=True)


class EInvoiceFieldsSchema(Schema):
    form = fields.String(metadata={"description": "KHMSHDon"})
    series = fields.String(metadata={"description": "KHHDon"})
    number = fields.String(metadata={"description": "SHDon"})
    issued_on = fields.String(metadata={"description": "NLap"})
    currency = fields.String(metadata={"description": "DVTTe"})
    seller_name = fields.String()
    seller_tax_code = fields.String()
    buyer_name = fields.String()
    buyer_tax_code = fields.String()
    subtotal = fields.String(allow_none=True, metadata={"description": "TgTCThue, a decimal string"})
    vat = fields.String(allow_none=True, metadata={"description": "TgTThue, a decimal string"})
    total = fields.String(allow_none=True, metadata={"description": "TgTTTBSo, a decimal string"})


class EInvoiceSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    fields_ = fields.Nested(EInvoiceFieldsSchema, data_key="fields", attribute="fields")
    flagged = fields.Function(lambda inv: inv.is_flagged(), metadata={"type": "boolean"})
    mismatches = fields.List(fields.Nested(EInvoiceMismatchSchema))
    xml_filename = fields.String()
    xml_sha256 = fields.String()
    xml_size = fields.Integer()
    pdf_filename = fields.String(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    pdf_size = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class EInvoiceListSchema(Schema):
    deal_id = fields.Integer()
    flagged = fields.Boolean(metadata={"description": "the latest e-invoice disagrees with the deal"})
    items = fields.List(fields.Nested(EInvoiceSchema))


class CommissionMonthsSchema(Schema):
    vendor_id = fields.Integer()
    months = fields.List(fields.String(), metadata={"description": "``yyyy-mm`` with releases, newest first"})


@blp.route("/deals/<int:deal_id>/documents/<string:kind>", tags=TAGS)
@login_required()
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, _FILE, content_type="application/pdf",
              description="The PDF: ``purchase-order``, ``order-confirmation`` (the vendor's, with the frozen "
                          "prices), ``proforma-invoice`` (with each milestone's payment "
                          "reference) or ``money-statement`` (funded, released, commission, refunded, held, dated).")
def deal_document(params, deal_id, kind):
    """A deal's document (its buyer, its vendor and admins); 404 for another organisation's deal or another kind."""
    found = documents.deal_document(current_actor(), deal_id, kind, params["lang"])
    return _send(found)


@blp.route("/deals/<int:deal_id>/e-invoices", methods=["POST"], tags=TAGS)
@login_required(OrgKind.VENDOR)
@blp.arguments(EInvoiceUploadSchema, location="files", content_type="multipart/form-data")
@blp.response(201, EInvoiceSchema)
def attach_e_invoice(files, deal_id):
    """The deal's vendor attaches its VAT e-invoice (``xml``, perhaps ``pdf``): it is parsed safely and checked
    against the deal (buyer and seller tax codes, currency, total = the deal's total or what was released).
    ``mismatches`` lists each disagreement; a mismatch is told to the buyer (owners, finance) and the vendor.
    Not an e-invoice, an XML with a DTD or entities, or a ``pdf`` that is no PDF: 422."""
    xml, pdf = files["xml"], files.get("pdf")
    invoice = e_invoices.attach_e_invoice(current_actor(), deal_id, xml.filename, xml.stream,
                                          pdf.filename if pdf else None, pdf.stream if pdf else None)
    db.session.commit()
    return invoice


@blp.route("/deals/<int:deal_id>/e-invoices", tags=TAGS)
@login_required()
@blp.response(200, EInvoiceListSchema)
def list_e_invoices(deal_id):
    """The deal's e-invoices, newest first, with ``flagged`` when the latest disagrees with the deal."""
    return e_invoices.list_e_invoices(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/e-invoices/<int:e_invoice_id>/<string:part>", tags=TAGS)
@login_required()
@blp.response(200, _FILE, content_type="application/xml",
              description="The stored file: ``xml`` or ``pdf``.")
@blp.doc(responses={200: {"content": {"application/pdf": {"schema": _FILE}}}})
def e_invoice_file(deal_id, e_invoice_id, part):
    """One stored file of a deal's e-invoice (its buyer, its vendor and admins)."""
    return send_download(e_invoices.e_invoice_file(current_actor(), deal_id, e_invoice_id, part))


@blp.route("/vendors/<int:vendor_id>/commission-statements", tags=TAGS)
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.response(200, CommissionMonthsSchema)
def commission_months(vendor_id):
    """The months with money released to the vendor, each with a statement (the vendor's members and admins)."""
    return {"vendor_id": vendor_id, "months": documents.commission_months(current_actor(), vendor_id)}


@blp.route("/vendors/<int:vendor_id>/commission-statements/<string:month>.pdf", tags=TAGS)
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, _FILE, content_type="application/pdf",
              description="The month's deals released to the vendor: gross, commission and net, with totals.")
def commission_statement_pdf(params, vendor_id, month):
    """A vendor's commission statement of ``month`` (``yyyy-mm``, platform time zone) as PDF."""
    return _send(documents.commission_statement_pdf(current_actor(), vendor_id, month, params["lang"]))


@blp.route("/vendors/<int:vendor_id>/commission-statements/<string:month>.csv", tags=TAGS)
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.response(200, _FILE, content_type="text/csv",
              description="One row per deal (gross, commission, net as decimal strings), then a total per currency.")
def commission_statement_csv(vendor_id, month):
    """A vendor's commission statement of ``month`` (``yyyy-mm``, platform time zone) as CSV."""
    return _send(documents.commission_statement_csv(current_actor(), vendor_id, month))


def _send(found: documents.DealDocument):
    response = send_file(io.BytesIO(found.body), mimetype=found.mimetype, as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
