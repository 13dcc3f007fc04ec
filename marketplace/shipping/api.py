"""Shipment endpoints (creating one is the deal's ``ship`` transition, under /deals)."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from . import services
from .schemas import (
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
