"""Deal endpoints: list, read, timeline, and one POST per transition."""

from ..accounts.auth import current_actor, login_required
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import page_schema, paginate
from ..shipping.schemas import ShipmentCreateSchema, ShipmentSchema
from ..statemachine import events_for
from . import services
from .models import Deal
from .schemas import (
    DealQuerySchema,
    DealSchema,
    EventSchema,
    PaymentStartSchema,
    ReasonSchema,
    RefundSchema,
)
from .states import deal_machine

blp = Blueprint("deals", __name__, url_prefix="/api/v1", description="Deals, payments and delivery")


@blp.route("/deals")
@login_required()
@blp.arguments(DealQuerySchema, location="query")
@blp.response(200, page_schema(DealSchema, "DealPage"))
def list_deals(params):
    """Deals the caller's organisation is party to (admins: all)."""
    stmt = services.deals_for(current_actor())
    if params.get("status"):
        stmt = stmt.where(Deal.status == params["status"])
    return paginate(stmt, params, Deal.id)


@blp.route("/deals/<int:deal_id>")
@login_required()
@blp.response(200, DealSchema)
def get_deal(deal_id):
    """One deal with its frozen terms and milestones."""
    return services.get_deal(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/events")
@login_required()
@blp.response(200, EventSchema(many=True))
def deal_events(deal_id):
    """The deal's timeline: every transition with actor and time."""
    deal = services.get_deal(current_actor(), deal_id)
    return events_for("deal", deal.id)


@blp.route("/deals/<int:deal_id>/approve", methods=["POST"])
@login_required("buyer")
@blp.response(200, DealSchema)
def approve(deal_id):
    """An approver lets a deal above the spending threshold proceed."""
    deal = services.approve_deal(current_actor(), deal_id)
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/cancel", methods=["POST"])
@login_required()
@blp.arguments(ReasonSchema)
@blp.response(200, DealSchema)
def cancel(data, deal_id):
    """Cancel a deal before any money is held."""
    deal = services.cancel_deal(current_actor(), deal_id, data.get("reason"))
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/payments", methods=["GET"])
@login_required()
def payments(deal_id):
    """Milestones with their status and, while awaiting payment, the payment instructions."""
    return {"milestones": services.payment_instructions(services.get_deal(current_actor(), deal_id))}


@blp.route("/deals/<int:deal_id>/payments", methods=["POST"])
@login_required("buyer")
@blp.arguments(PaymentStartSchema)
def start_payment(data, deal_id):
    """The buyer chooses a payment method and receives instructions per milestone."""
    deal = services.start_payment(current_actor(), deal_id, data["gateway"])
    db.session.commit()
    return {"gateway": deal.gateway, "milestones": services.payment_instructions(deal)}


@blp.route("/deals/<int:deal_id>/shipments", methods=["POST"])
@login_required("vendor", roles=("owner", "admin", "fulfilment", "sales"))
@blp.arguments(ShipmentCreateSchema)
@blp.response(201, ShipmentSchema)
def ship(data, deal_id):
    """The vendor ships a funded deal (built-in ``manual`` carrier, or an adapter)."""
    _deal, shipment = services.ship_deal(current_actor(), deal_id, data)
    db.session.commit()
    return shipment


@blp.route("/deals/<int:deal_id>/shipments", methods=["GET"])
@login_required()
@blp.response(200, ShipmentSchema(many=True))
def list_shipments(deal_id):
    """The deal's shipments."""
    return services.deal_shipments(services.get_deal(current_actor(), deal_id))


@blp.route("/deals/<int:deal_id>/confirm-delivery", methods=["POST"])
@login_required("buyer")
@blp.response(200, DealSchema)
def confirm_delivery(deal_id):
    """The buyer confirms the goods arrived; the inspection window starts."""
    deal = services.confirm_delivery(current_actor(), deal_id)
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/accept", methods=["POST"])
@login_required("buyer")
@blp.response(200, DealSchema)
def accept(deal_id):
    """The buyer accepts the goods; the money is released in the background."""
    deal = services.accept_deal(current_actor(), deal_id)
    db.session.commit()
    return deal


@blp.route("/admin/deals/<int:deal_id>/refund", methods=["POST"])
@login_required("platform", roles=("admin",))
@blp.arguments(RefundSchema)
@blp.response(200, DealSchema)
def refund(data, deal_id):
    """An admin refunds a funded deal that will not ship."""
    services.get_deal(current_actor(), deal_id)
    deal = services.refund_deal(current_actor(), deal_id, data["reason"])
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/transitions")
@login_required()
def transitions(deal_id):
    """What the caller may do next (for drawing buttons)."""
    deal = services.get_deal(current_actor(), deal_id)
    return {"status": deal.status, "allowed": deal_machine.allowed(deal.status, current_actor().role)}
