"""Pages: a shipment's printable documents (label, packing list, delivery note) as PDF downloads in the page's
language, linked from the deal page's Shipments section."""

from __future__ import annotations

import io

from flask import Blueprint, abort, send_file

from ...accounts.auth import current_actor
from ...shipping import documents
from ..i18n import locale_code
from ..session import page_login_required

bp = Blueprint("web_shipping_documents", __name__, url_prefix="/deals")


@bp.get("/<int:deal_id>/shipments/<int:shipment_id>/documents/<string:kind>")
@page_login_required()
def document(deal_id: int, shipment_id: int, kind: str):
    """One document of a shipment of the deal (its buyer, its vendor and admins); 404 otherwise."""
    found = documents.shipment_document(current_actor(), shipment_id, kind, locale_code())
    if found.deal_id != deal_id:
        abort(404)
    response = send_file(io.BytesIO(found.body), mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
