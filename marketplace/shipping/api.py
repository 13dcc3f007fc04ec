"""Shipment endpoints (creating one is the deal's ``ship`` transition, under /deals)."""

import io

from flask import send_file
from marshmallow import Schema, fields, validate

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from . import documents, services
from .schemas import (
    DeliveryProofUploadSchema,
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


@blp.route("/shipments/<int:shipment_id>/cancel", methods=["POST"])
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.response(200, ShipmentSchema)
def cancel_shipment(shipment_id):
    """Cancel a booking the carrier has not picked up yet (with the carrier first); its quantities are free to
    ship again. 409 once the goods are with the carrier; 422 ``carrier_refused`` when the carrier refuses."""
    shipment = services.cancel_shipment(current_actor(), shipment_id)
    db.session.commit()
    return shipment


@blp.route("/shipments/<int:shipment_id>/proof-of-delivery", methods=["POST"])
@login_required(OrgKind.VENDOR, OrgKind.PLATFORM)
@blp.arguments(DeliveryProofUploadSchema, location="form_and_files", content_type="multipart/form-data")
@blp.response(201, ShipmentSchema)
def add_proof(form, shipment_id):
    """Proof of delivery of a built-in carrier's shipment (multipart: ``receiver_name``, ``image`` — a PNG or JPEG
    photo or signature, kept by its SHA-256 —, optional ``received_at``, ``note`` and ``delivered``: JSON
    quantities per line when the receiver took less). The shipment becomes delivered with proof, which starts the
    deal's inspection once everything has arrived."""
    upload = form.pop("image")
    shipment = services.record_proof(current_actor(), shipment_id, form, upload.filename, upload.stream)
    db.session.commit()
    return shipment


@blp.route("/shipments/<int:shipment_id>/proof-of-delivery/image")
@login_required()
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png",
              description="The proof-of-delivery image (PNG or JPEG); header ``X-Content-SHA256``.")
def proof_image(shipment_id):
    """The proof-of-delivery photo or signature (the deal's buyer, its vendor and admins)."""
    path, content_type, sha256 = services.proof_image(current_actor(), shipment_id)
    response = send_file(path, mimetype=content_type, download_name=f"proof-{shipment_id}" +
                         (".png" if content_type == "image/png" else ".jpg"))
    response.headers["X-Content-SHA256"] = sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/shipping/rates", methods=["POST"])
@login_required()
@blp.arguments(RateRequestSchema)
@blp.response(200, RateListSchema)
def quote_rates(data):
    """Freight prices of the enabled carriers for parcels and pallets between two provinces, cheapest first, each
    with its breakdown, transit business days and estimated delivery day (``estimate``: a guide price)."""
    return services.quote_rates(data)


# --- documents ---

_PDF = {"type": "string", "format": "binary"}


class DocumentQuerySchema(Schema):
    lang = fields.String(load_default="vi", validate=validate.OneOf(documents.LOCALES),
                         metadata={"description": "the document's language"})


@blp.route("/shipments/<int:shipment_id>/documents/<string:kind>")
@login_required()
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, _PDF, content_type="application/pdf",
              description="The PDF: ``label`` (A6, tracking barcode and a QR code of the tracking page), "
                          "``packing-list`` or ``delivery-note`` (A4, incoterm and named place, signature boxes), "
                          "or ``carrier-label``: the carrier's own label, fetched from carriers that return one.")
@blp.alt_response(502, response="BAD_GATEWAY")  # carrier-label: the carrier did not answer
def shipment_document(params, shipment_id, kind):
    """A shipment's document (the deal's buyer, its vendor and admins); 404 for another organisation's shipment,
    a kind other than ``label``, ``packing-list``, ``delivery-note``, ``carrier-label``, or a carrier label of a
    carrier that returns none."""
    found = documents.shipment_document(current_actor(), shipment_id, kind, params["lang"])
    response = send_file(io.BytesIO(found.body), mimetype="application/pdf", as_attachment=True,
                         download_name=found.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
