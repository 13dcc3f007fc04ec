"""Shipment endpoints (creating one is the deal's ``ship`` transition, under /deals)."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from . import services
from .schemas import (
    RateListSchema,
    RateRequestSchema,
    ShipmentPageSchema,
    ShipmentQuerySchema,
    ShipmentSchema,
    TrackingEventCreateSchema,
)

blp = Blueprint("shipping", __name__, url_prefix="/api/v1", description="Shipments and tracking")


@blp.route("/shipments")
@login_required()
@blp.arguments(ShipmentQuerySchema, location="query")
@blp.response(200, ShipmentPageSchema)
def list_shipments(params):
    """Shipments of the caller's organisation's deals (admins: all), oldest first."""
    return services.list_shipments(current_actor(), params)


@blp.route("/shipments/<int:shipment_id>")
@login_required()
@blp.response(200, ShipmentSchema)
def get_shipment(shipment_id):
    """A shipment with its tracking history (the deal's buyer, its vendor and admins)."""
    return services.get_shipment(current_actor(), shipment_id)


@blp.route("/shipments/<int:shipment_id>/events", methods=["POST"])
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.arguments(TrackingEventCreateSchema)
@blp.response(201, ShipmentSchema)
def add_event(data, shipment_id):
    """Report progress of a manual shipment; ``delivered`` asks the buyer to confirm (silence past
    DELIVERY_CONFIRM_DAYS counts as delivered). Events dated before the shipment are refused."""
    shipment = services.add_manual_event(current_actor(), shipment_id, data)
    db.session.commit()
    return shipment


@blp.route("/shipping/rates", methods=["POST"])
@login_required()
@blp.arguments(RateRequestSchema)
@blp.response(200, RateListSchema)
def quote_rates(data):
    """Freight prices of the enabled carriers for parcels and pallets between two provinces, cheapest first, each
    with its breakdown, transit business days and estimated delivery day (``estimate``: a guide price)."""
    return services.quote_rates(data)


# === documents ===
# (the integrator may fold these imports into the header)
import io

from flask import send_file
from marshmallow import Schema, fields, validate

from . import documents

_PDF = {"type": "string", "format": "binary"}


class DocumentQuerySchema(Schema):
    lang = fields.String(load_default="vi", validate=validate.OneOf(documents.LOCALES),
                         metadata={"description": "the document's language"})


@blp.route("/shipments/<int:shipment_id>/documents/<string:kind>")
@login_required()
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, _PDF, content_type="application/pdf",
              description="The PDF: ``label`` (A6, tracking barcode and a QR code of the tracking page), "
                          "``packing-list`` or ``delivery-note`` (A4, incoterm and named place, signature boxes).")
def shipment_document(params, shipment_id, kind):
    """A shipment's document (the deal's buyer, its vendor and admins); 404 for another organisation's shipment
    or a kind other than ``label``, ``packing-list``, ``delivery-note``."""
    found = documents.shipment_document(current_actor(), shipment_id, kind, params["lang"])
    response = send_file(io.BytesIO(found.body), mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
