"""The webhook endpoints: an organisation's endpoints, their secrets, delivery log, replay and test events."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MANAGERS
from ..extensions import db
from ..http.blueprint import Blueprint
from . import services
from .schemas import (
    DeliveryPageSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    EndpointCreateSchema,
    EndpointPageSchema,
    EndpointQuerySchema,
    EndpointSchema,
    EndpointUpdateSchema,
    EndpointWithSecretSchema,
    EventTypesSchema,
)

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1", description="Outbound webhooks for integrators")


@blp.route("/webhooks/event-types")
@login_required(roles=MANAGERS)
@blp.response(200, EventTypesSchema)
def event_types():
    """The event types an endpoint may subscribe to."""
    return {"event_types": services.event_types()}


@blp.route("/webhooks/endpoints")
@login_required(roles=MANAGERS)
@blp.arguments(EndpointQuerySchema, location="query")
@blp.response(200, EndpointPageSchema)
def list_endpoints(params):
    """The organisation's endpoints with their health (owners and admins)."""
    return services.list_endpoints(current_actor(), params)


@blp.route("/webhooks/endpoints", methods=["POST"])
@login_required(roles=MANAGERS)
@blp.arguments(EndpointCreateSchema)
@blp.response(201, EndpointWithSecretSchema)
def create_endpoint(data):
    """Register an endpoint; the answer carries its signing secret, shown only this once."""
    endpoint = services.create_endpoint(current_actor(), data)
    db.session.commit()
    return endpoint


@blp.route("/webhooks/endpoints/<int:endpoint_id>")
@login_required(roles=MANAGERS)
@blp.response(200, EndpointSchema)
def get_endpoint(endpoint_id):
    """One endpoint with its health (never its secret)."""
    return services.get_endpoint(current_actor(), endpoint_id)


@blp.route("/webhooks/endpoints/<int:endpoint_id>", methods=["PATCH"])
@login_required(roles=MANAGERS)
@blp.arguments(EndpointUpdateSchema)
@blp.response(200, EndpointSchema)
def update_endpoint(data, endpoint_id):
    """Change an endpoint's URL, description, event types or enabled flag."""
    endpoint = services.update_endpoint(current_actor(), endpoint_id, data)
    db.session.commit()
    return endpoint


@blp.route("/webhooks/endpoints/<int:endpoint_id>", methods=["DELETE"])
@login_required(roles=MANAGERS)
@blp.response(204)
def delete_endpoint(endpoint_id):
    """Delete an endpoint and its delivery log."""
    services.delete_endpoint(current_actor(), endpoint_id)
    db.session.commit()


@blp.route("/webhooks/endpoints/<int:endpoint_id>/rotate-secret", methods=["POST"])
@login_required(roles=MANAGERS)
@blp.response(200, EndpointWithSecretSchema)
def rotate_secret(endpoint_id):
    """A new signing secret (shown only now); the old one keeps signing during the overlap."""
    endpoint = services.rotate_secret(current_actor(), endpoint_id)
    db.session.commit()
    return endpoint


@blp.route("/webhooks/endpoints/<int:endpoint_id>/test", methods=["POST"])
@login_required(roles=MANAGERS)
@blp.response(202, DeliverySchema)
def send_test(endpoint_id):
    """Queue a ``ping`` event to the endpoint."""
    delivery = services.send_test(current_actor(), endpoint_id)
    db.session.commit()
    return delivery


@blp.route("/webhooks/endpoints/<int:endpoint_id>/deliveries")
@login_required(roles=MANAGERS)
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryPageSchema)
def list_deliveries(params, endpoint_id):
    """The endpoint's delivery log, newest first, each delivery with its attempts."""
    return services.list_deliveries(current_actor(), endpoint_id, params)


@blp.route("/webhooks/deliveries/<int:delivery_id>/replay", methods=["POST"])
@login_required(roles=MANAGERS)
@blp.response(202, DeliverySchema)
def replay_delivery(delivery_id):
    """Send the delivery's event again, as a new delivery."""
    delivery = services.replay_delivery(current_actor(), delivery_id)
    db.session.commit()
    return delivery
