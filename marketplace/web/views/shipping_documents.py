"""Pages: a shipment's printable documents (label, packing list, delivery note) as PDF downloads in the page's
language (or the one asked for), linked from the deal page's Shipments section and the tracking page."""

from __future__ import annotations

import io

from flask import Blueprint, abort, request, send_file

from ...accounts.auth import current_actor
from ...settings import LOCALES
from ...shipping import documents
from ..i18n import locale_code
from ..session import page_login_required

bp = Blueprint("web_shipping_documents", __name__, url_prefix="/deals")


def send_document(shipment_id: int, kind: str, deal_id: int | None = None):
    """A shipment's document as a PDF download (its deal's buyer, its vendor and admins; 404 otherwise), in the
    language asked for (``?lang=vi|en``), else the page's."""
    lang = request.args.get("lang")
    found = documents.shipment_document(current_actor(), shipment_id, kind, lang if lang in LOCALES else locale_code())
    if deal_id is not None and found.deal_id != deal_id:
        abort(404)
    response = send_file(io.BytesIO(found.body), mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:deal_id>/shipments/<int:shipment_id>/documents/<string:kind>")
@page_login_required()
def document(deal_id: int, shipment_id: int, kind: str):
    """One document of a shipment of the deal."""
    return send_document(shipment_id, kind, deal_id)
