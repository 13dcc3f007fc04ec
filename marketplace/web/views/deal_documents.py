"""Pages: a deal's documents (purchase order, pro-forma invoice, money statement) as PDF downloads in the page's
language (or the one asked for), the deal's VAT e-invoices with their check result and the vendor's upload form,
and the vendor's monthly commission statements (PDF and CSV)."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ...accounts.auth import current_actor
from ...accounts.models import OrgKind
from ...deals import documents, e_invoices
from ...deals.services import get_deal
from ...deals.services.overview import side_of
from ...http.downloads import send_download
from ...settings import LOCALES
from ..forms import Form, attempt, page
from ..i18n import locale_code
from ..session import page_login_required

bp = Blueprint("web_deal_documents", __name__)

#: the deal's documents as the pages name them
TITLES = {documents.PURCHASE_ORDER: _l("Purchase order"), documents.ORDER_CONFIRMATION: _l("Order confirmation"),
          documents.PROFORMA_INVOICE: _l("Pro-forma invoice"),
          documents.MONEY_STATEMENT: _l("Statement of money")}
#: the checked fields of an e-invoice as the pages name them
FIELD_TITLES = {"buyer_tax_code": _l("Buyer's tax code"), "seller_tax_code": _l("Seller's tax code"),
                "currency": _l("Currency"), "total": _l("Total with VAT")}


class EInvoiceForm(Form):
    xml = FileField(_l("E-invoice XML"), validators=[FileRequired(message=_l("Choose the e-invoice's XML file."))])
    pdf = FileField(_l("Its PDF (optional)"))


def _lang() -> str:
    lang = request.args.get("lang")
    return lang if lang in LOCALES else locale_code()


def _send(found: documents.DealDocument):
    response = send_file(io.BytesIO(found.body), mimetype=found.mimetype, as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/deals/<int:deal_id>/documents/<string:kind>")
@page_login_required()
def document(deal_id: int, kind: str):
    """One document of the deal as a PDF (its buyer, its vendor and admins; 404 otherwise)."""
    return _send(documents.deal_document(current_actor(), deal_id, kind, _lang()))


def _e_invoice_page(deal_id: int, form: EInvoiceForm | None = None):
    actor = current_actor()
    found = e_invoices.list_e_invoices(actor, deal_id)
    deal = get_deal(actor, deal_id)
    side = side_of(actor, deal)
    if form is None and side == "vendor":
        form = EInvoiceForm()
    return page("deals/e_invoices.html", form, deal=deal, side=side, invoices=found["items"], flagged=found["flagged"],
                field_titles=FIELD_TITLES, label=e_invoices.invoice_label)


@bp.get("/deals/<int:deal_id>/e-invoices")
@page_login_required()
def e_invoices_page(deal_id: int):
    """The deal's e-invoices with their check against the deal; the vendor's upload form."""
    return _e_invoice_page(deal_id)


@bp.post("/deals/<int:deal_id>/e-invoices")
@page_login_required(OrgKind.VENDOR)
def upload_e_invoice(deal_id: int):
    """The vendor attaches its e-invoice (XML, perhaps its PDF); the page shows the check result."""
    form = EInvoiceForm()
    if form.validate_on_submit():
        xml, pdf = form.xml.data, form.pdf.data
        invoice = attempt(form, lambda: e_invoices.attach_e_invoice(
            current_actor(), deal_id, xml.filename, xml.stream, pdf.filename if pdf else None,
            pdf.stream if pdf else None), aliases={"xml": "xml", "pdf": "pdf"})
        if invoice is not None:
            if invoice.is_flagged():
                flash(_("The e-invoice is attached but does not match the deal: see the differences below."), "error")
            else:
                flash(_("The e-invoice is attached and matches the deal."), "success")
            return redirect(url_for("web_deal_documents.e_invoices_page", deal_id=deal_id))
    return _e_invoice_page(deal_id, form)


@bp.get("/deals/<int:deal_id>/e-invoices/<int:e_invoice_id>/<string:part>")
@page_login_required()
def e_invoice_file(deal_id: int, e_invoice_id: int, part: str):
    """A stored e-invoice file (``xml`` or ``pdf``)."""
    return send_download(e_invoices.e_invoice_file(current_actor(), deal_id, e_invoice_id, part))


@bp.get("/vendor/commission-statements")
@page_login_required(OrgKind.VENDOR)
def commission_statements():
    """The vendor's months with money released, each with its figures (deals, gross released, commission, net paid
    out per currency, as the statement has them) and its statement as PDF and CSV."""
    actor = current_actor()
    statements = [documents.commission_statement(actor, actor.org_id, month)
                  for month in documents.commission_months(actor, actor.org_id)]
    return render_template("vendor/commission_statements.html", vendor_id=actor.org_id, statements=statements)


@bp.get("/vendors/<int:vendor_id>/commission-statements/<string:month>.<string:fmt>")
@page_login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
def commission_statement(vendor_id: int, month: str, fmt: str):
    """One month's commission statement as PDF or CSV (the vendor's members and admins)."""
    actor = current_actor()
    if fmt == "pdf":
        return _send(documents.commission_statement_pdf(actor, vendor_id, month, _lang()))
    if fmt == "csv":
        return _send(documents.commission_statement_csv(actor, vendor_id, month))
    abort(404)


@bp.app_template_global()
def deal_document_links() -> list[tuple[str, str]]:
    """``(kind, title)`` of each document a deal page links to."""
    return [(kind, str(title)) for kind, title in TITLES.items()]


@bp.app_template_global()
def e_invoice_state(deal_id: int) -> str | None:
    """``flagged`` or ``matches`` by the deal's latest e-invoice; None without one (the deal page's Documents)."""
    found = e_invoices.deal_e_invoices(deal_id)
    if not found:
        return None
    return "flagged" if found[0].is_flagged() else "matches"
