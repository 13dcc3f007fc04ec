"""Deal endpoints: list, read, timeline, payments, the deal's ledger, and one POST per transition."""

from flask import jsonify

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..escrow.schemas import BankTransferConfirmSchema, DealLedgerSchema
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.events import EventSchema
from ..http.pagination import PageQuerySchema, page_schema
from ..shipping.schemas import BookingQueuedSchema, ShipmentCreateSchema, ShipmentSchema
from . import services
from .schemas import (
    DealQuerySchema,
    DealSchema,
    PartialAcceptanceCreateSchema,
    PartialAcceptanceSchema,
    PaymentsSchema,
    PaymentStartSchema,
    ReasonSchema,
    RefundSchema,
    ShippingPlanSchema,
    TransitionsSchema,
)
from .services import timeline

blp = Blueprint("deals", __name__, url_prefix="/api/v1", description="Deals, payments and delivery")
admin_only = login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))


@blp.route("/deals")
@login_required()
@blp.arguments(DealQuerySchema, location="query")
@blp.response(200, page_schema(DealSchema, "DealPage"))
def list_deals(params):
    """Deals the caller's organisation is party to (admins: all)."""
    return services.list_deals(current_actor(), params)


@blp.route("/deals/<int:deal_id>")
@login_required()
@blp.response(200, DealSchema)
def get_deal(deal_id):
    """One deal with its frozen terms and milestones."""
    return services.get_deal(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/events")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(EventSchema, "DealEventPage"))
def deal_events(params, deal_id):
    """The deal's timeline: every transition with actor and time, oldest first."""
    return timeline.deal_events(current_actor(), deal_id, params)


@blp.route("/deals/<int:deal_id>/transitions")
@login_required()
@blp.response(200, TransitionsSchema)
def transitions(deal_id):
    """What the caller may do next (for drawing buttons)."""
    return timeline.deal_transitions(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/approve", methods=["POST"])
@login_required(OrgKind.BUYER)
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
    """Cancel a deal before any money is held; the buyer may also cancel a funded deal still unshipped
    ``SHIP_GRACE_DAYS`` after its ship-by date, and every held milestone is refunded to the buyer
    (before then: 409 ``ship_grace_pending`` with ``details.cancellable_from``)."""
    deal = services.cancel_deal(current_actor(), deal_id, data.get("reason"))
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/payments", methods=["GET"])
@login_required()
@blp.response(200, PaymentsSchema)
def payments(deal_id):
    """Milestones with their status and, while awaiting payment, the payment instructions."""
    return services.deal_payments(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/payments", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.arguments(PaymentStartSchema)
@blp.response(200, PaymentsSchema)
def start_payment(data, deal_id):
    """The buyer chooses a payment method and receives instructions per milestone."""
    result = services.pay_deal(current_actor(), deal_id, data["gateway"])
    db.session.commit()
    return result


@blp.route("/deals/<int:deal_id>/shipments", methods=["POST"])
@login_required(OrgKind.VENDOR, roles=(MemberRole.OWNER, MemberRole.ADMIN, MemberRole.FULFILMENT, MemberRole.SALES))
@blp.arguments(ShipmentCreateSchema)
@blp.response(201, ShipmentSchema)
@blp.alt_response(202, schema=BookingQueuedSchema,
                  description="The carrier did not answer in time: nothing is booked yet; the booking is tried once "
                              "more in the background under the same reference, and the vendor is told the outcome")
def ship(data, deal_id):
    """The vendor ships a funded deal, whole or in parts (``lines``: quantities per deal line; default everything
    left to ship), with the built-in ``manual`` carrier or an adapter. The first shipment makes the deal
    ``shipped``; further ones ship the rest. 422 ``carrier_refused`` when the carrier refuses the booking."""
    shipped = services.ship_deal(current_actor(), deal_id, data)
    db.session.commit()
    if shipped.shipment is None:
        queued = BookingQueuedSchema().dump({
            "queued": True, "carrier": data.get("carrier"), "reference": shipped.reference,
            "message": "the carrier did not answer in time; the booking is tried once more in the background"})
        response = jsonify(queued)
        response.status_code = 202
        return response
    return shipped.shipment


@blp.route("/deals/<int:deal_id>/shipping-plan")
@login_required()
@blp.response(200, ShippingPlanSchema)
def shipping_plan(deal_id):
    """Per deal line: ordered, on the way, delivered and left to ship (partial shipments); ``complete`` when every
    line has arrived in full."""
    return services.deal_shipping_plan(current_actor(), deal_id)


@blp.route("/deals/<int:deal_id>/shipments", methods=["GET"])
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_schema(ShipmentSchema, "DealShipmentPage"))
def list_shipments(params, deal_id):
    """The deal's shipments, oldest first."""
    return timeline.deal_shipment_page(current_actor(), deal_id, params)


@blp.route("/deals/<int:deal_id>/confirm-delivery", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.response(200, DealSchema)
def confirm_delivery(deal_id):
    """The buyer confirms the goods arrived; the inspection window starts."""
    deal = services.confirm_delivery(current_actor(), deal_id)
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/accept", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.response(200, DealSchema)
def accept(deal_id):
    """The buyer accepts the goods; the money is released in the background."""
    deal = services.accept_deal(current_actor(), deal_id)
    db.session.commit()
    return deal


@blp.route("/deals/<int:deal_id>/partial-acceptance", methods=["POST"])
@login_required(OrgKind.BUYER)
@blp.arguments(PartialAcceptanceCreateSchema)
@blp.response(200, PartialAcceptanceSchema)
def accept_partly(data, deal_id):
    """The buyer accepts part of a delivered deal: every line with the quantity accepted (at least one unit
    accepted, at least one withheld). The accepted goods' value plus the freight in proportion is released
    to the vendor now, less commission; the rest stays held and a ``quantity_short`` dispute over the withheld
    quantities is opened (the deal is ``disputed``). Repeating the same acceptance returns it unchanged;
    a different one is a 409 ``already_partly_accepted``."""
    result = services.accept_deal_partly(current_actor(), deal_id, data)
    db.session.commit()
    return result


@blp.route("/admin/deals/<int:deal_id>/refund", methods=["POST"])
@admin_only
@blp.arguments(RefundSchema)
@blp.response(200, DealSchema)
def refund(data, deal_id):
    """An admin refunds a funded deal that will not ship."""
    deal = services.refund_deal(current_actor(), deal_id, data["reason"])
    db.session.commit()
    return deal


@blp.route("/admin/deals/<int:deal_id>/ledger")
@admin_only
@blp.response(200, DealLedgerSchema)
def deal_ledger(deal_id):
    """Every ledger transfer of one deal, and its money summary."""
    return services.deal_ledger(current_actor(), deal_id)


@blp.route("/admin/bank-transfers", methods=["POST"])
@admin_only
@blp.arguments(BankTransferConfirmSchema)
@blp.response(200, DealSchema)
def confirm_bank_transfer(data):
    """An admin confirms a bank transfer by its payment reference; the milestone is held in escrow."""
    deal = services.confirm_bank_transfer(current_actor(), data["reference"], data["amount"], data["currency"])
    db.session.commit()
    return deal
