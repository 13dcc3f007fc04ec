"""Dispute endpoints of the case itself: read it, talk in it. (Opening, withdrawing and deciding move the
deal and its money: they live in ``deals.dispute_api``.)"""

from flask.views import MethodView

from ..accounts.auth import current_actor, login_required
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema
from . import services
from .schemas import (
    DisputeEventPageSchema,
    DisputeMessageCreateSchema,
    DisputeMessagePageSchema,
    DisputeMessageQuerySchema,
    DisputeMessageSchema,
    DisputeSchema,
)

blp = Blueprint("disputes", __name__, url_prefix="/api/v1", description="Disputes")


@blp.route("/disputes/<int:dispute_id>")
@login_required()
@blp.response(200, DisputeSchema)
def get_dispute(dispute_id):
    """One dispute (its buyer, its vendor and admins)."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/disputes/<int:dispute_id>/events")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, DisputeEventPageSchema)
def dispute_events(params, dispute_id):
    """The dispute's timeline, oldest first, with actor and time (its buyer, its vendor and admins)."""
    return services.dispute_events(current_actor(), dispute_id, params)


@blp.route("/disputes/<int:dispute_id>/messages")
class Messages(MethodView):
    decorators = [login_required()]

    @blp.arguments(DisputeMessageQuerySchema, location="query")
    @blp.response(200, DisputeMessagePageSchema)
    def get(self, params, dispute_id):
        """The conversation, oldest first."""
        return services.list_messages(current_actor(), dispute_id, params)

    @blp.arguments(DisputeMessageCreateSchema)
    @blp.response(201, DisputeMessageSchema)
    def post(self, data, dispute_id):
        """Add a message (a vendor's first reply moves the case to negotiating); 409 once the dispute is decided."""
        message = services.add_message(current_actor(), dispute_id, data["body"])
        db.session.commit()
        return message
