"""Dispute endpoints."""

from flask.views import MethodView
from ..http.blueprint import Blueprint

from ..accounts.auth import current_actor, login_required
from ..extensions import db
from . import services
from .schemas import DecisionSchema, DisputeCreateSchema, DisputeMessageCreateSchema, DisputeMessageSchema, DisputeSchema

blp = Blueprint("disputes", __name__, url_prefix="/api/v1", description="Disputes")


@blp.route("/deals/<int:deal_id>/disputes", methods=["POST"])
@login_required("buyer")
@blp.arguments(DisputeCreateSchema)
@blp.response(201, DisputeSchema)
def open_dispute(data, deal_id):
    """The buyer opens a dispute on a shipped or delivered deal; release is frozen."""
    dispute = services.open_dispute(current_actor(), deal_id, data)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>")
@login_required()
@blp.response(200, DisputeSchema)
def get_dispute(dispute_id):
    """One dispute (parties of the deal and admins)."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/disputes/<int:dispute_id>/messages")
class Messages(MethodView):
    decorators = [login_required()]

    @blp.response(200, DisputeMessageSchema(many=True))
    def get(self, dispute_id):
        """The conversation."""
        return services.list_messages(current_actor(), dispute_id)

    @blp.arguments(DisputeMessageCreateSchema)
    @blp.response(201, DisputeMessageSchema)
    def post(self, data, dispute_id):
        """Add a message (a vendor's first reply moves the case to negotiating)."""
        message = services.add_message(current_actor(), dispute_id, data["body"])
        db.session.commit()
        return message


@blp.route("/disputes/<int:dispute_id>/withdraw", methods=["POST"])
@login_required("buyer")
@blp.response(200, DisputeSchema)
def withdraw(dispute_id):
    """The buyer withdraws the dispute, which accepts the deal."""
    dispute = services.withdraw_dispute(current_actor(), dispute_id)
    db.session.commit()
    return dispute


@blp.route("/admin/disputes/<int:dispute_id>/decision", methods=["POST"])
@login_required("platform", roles=("admin",))
@blp.arguments(DecisionSchema)
@blp.response(200, DisputeSchema)
def decide(data, dispute_id):
    """A platform admin decides: release, refund or split; settlement runs in the background."""
    dispute = services.decide_dispute(current_actor(), dispute_id, data)
    db.session.commit()
    return dispute
