"""Dispute endpoints of negotiation and outcomes: settlement offers and their answers, escalation, the
admin's evidence requests and their answers, and the return of goods (they may move the deal's money).
"""

from flask.views import MethodView

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..disputes import negotiation
from ..disputes.schemas import (
    DisputeSchema,
    EscalationCreateSchema,
    EvidenceAnswerCreateSchema,
    EvidenceRequestCreateSchema,
    EvidenceRequestPageSchema,
    EvidenceRequestSchema,
    OfferAnswerSchema,
    OfferCreateSchema,
    OfferPageSchema,
    OfferRejectSchema,
    OfferSchema,
    ReturnReceiptCreateSchema,
    ReturnRejectionCreateSchema,
    ReturnShipmentCreateSchema,
)
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema
from . import services

blp = Blueprint("dispute_outcomes", __name__, url_prefix="/api/v1",
                description="Disputes: offers, escalation, evidence requests and returns")
TAGS = ["disputes"]
PARTIES = (OrgKind.BUYER, OrgKind.VENDOR)


@blp.route("/disputes/<int:dispute_id>/offers", tags=TAGS)
class Offers(MethodView):
    decorators = [login_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, OfferPageSchema)
    def get(self, params, dispute_id):
        """The case's settlement offers, oldest first (its buyer, its vendor and admins)."""
        return negotiation.list_offers(current_actor(), dispute_id, params)

    @blp.arguments(OfferCreateSchema)
    @blp.response(201, OfferSchema)
    def post(self, data, dispute_id):
        """A party offers a split of the held money (the vendor's amount and/or the buyer's refund, summing to
        what is held), with or without a return; its own previous open offer is superseded. 409
        ``already_decided``, ``dispute_not_live``, ``return_without_refund``."""
        offer = services.make_offer(current_actor(), dispute_id, data)
        db.session.commit()
        return offer


@blp.route("/disputes/<int:dispute_id>/offers/<int:offer_id>/accept", methods=["POST"], tags=TAGS)
@login_required(*PARTIES)
@blp.arguments(OfferAnswerSchema)
@blp.response(200, DisputeSchema)
def accept_offer(data, dispute_id, offer_id):
    """The other party accepts an open offer: it is recorded as the parties' final decision and its exact
    split settles in the background (with a return: once the goods are back). 409 ``already_decided`` (with
    the recorded decision), ``offer_not_open``, ``own_offer``, ``offer_stale``."""
    dispute = services.accept_offer(current_actor(), dispute_id, offer_id)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>/offers/<int:offer_id>/reject", methods=["POST"], tags=TAGS)
@login_required(*PARTIES)
@blp.arguments(OfferRejectSchema)
@blp.response(200, OfferSchema)
def reject_offer(data, dispute_id, offer_id):
    """The other party rejects an open offer with a reason (its proposer is told). 409 ``offer_not_open``,
    ``own_offer``, ``already_decided``."""
    offer = services.reject_offer(current_actor(), dispute_id, offer_id, data["reason"])
    db.session.commit()
    return offer


@blp.route("/disputes/<int:dispute_id>/offers/<int:offer_id>/withdraw", methods=["POST"], tags=TAGS)
@login_required(*PARTIES)
@blp.arguments(OfferAnswerSchema)
@blp.response(200, OfferSchema)
def withdraw_offer(data, dispute_id, offer_id):
    """The proposer withdraws its open offer. 409 ``offer_not_open``, ``not_own_offer``, ``already_decided``."""
    offer = services.withdraw_offer(current_actor(), dispute_id, offer_id)
    db.session.commit()
    return offer


@blp.route("/disputes/<int:dispute_id>/escalate", methods=["POST"], tags=TAGS)
@login_required(*PARTIES)
@blp.arguments(EscalationCreateSchema)
@blp.response(200, DisputeSchema)
def escalate(data, dispute_id):
    """A party asks the platform to step in, from DISPUTE_ESCALATE_AFTER_DAYS after the opening (409
    ``too_early`` before, with ``allowed_from``). Unanswered cases escalate by themselves."""
    dispute = services.escalate_dispute(current_actor(), dispute_id)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>/evidence-requests", methods=["GET"], tags=TAGS)
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, EvidenceRequestPageSchema)
def evidence_requests(params, dispute_id):
    """The platform's evidence requests on the case and their answers, oldest first."""
    return negotiation.list_evidence_requests(current_actor(), dispute_id, params)


@blp.route("/admin/disputes/<int:dispute_id>/evidence-requests", methods=["POST"], tags=TAGS)
@login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))
@blp.arguments(EvidenceRequestCreateSchema)
@blp.response(201, EvidenceRequestSchema)
def request_evidence(data, dispute_id):
    """A platform admin asks one party for evidence, due at the end of a business day
    (``due_business_days``, default DISPUTE_EVIDENCE_BUSINESS_DAYS). Unanswered by then, the lapse is
    recorded and the case goes back to review."""
    request = services.request_evidence(current_actor(), dispute_id, data)
    db.session.commit()
    return request


@blp.route("/disputes/<int:dispute_id>/evidence-requests/<int:request_id>/answer", methods=["POST"], tags=TAGS)
@login_required(*PARTIES)
@blp.arguments(EvidenceAnswerCreateSchema)
@blp.response(200, EvidenceRequestSchema)
def answer_evidence_request(data, dispute_id, request_id):
    """The asked party answers: a message and/or ids of evidence it uploaded to the case. 409
    ``request_not_open`` once answered or lapsed."""
    request = services.answer_evidence_request(current_actor(), dispute_id, request_id, data)
    db.session.commit()
    return request


@blp.route("/disputes/<int:dispute_id>/return-shipment", methods=["POST"], tags=TAGS)
@login_required(OrgKind.BUYER)
@blp.arguments(ReturnShipmentCreateSchema)
@blp.response(201, DisputeSchema)
def ship_return(data, dispute_id):
    """The buyer ships the goods back (carrier and tracking number) after an outcome with a return; the
    vendor then confirms receipt or rejects the goods. Not shipped by the deadline: the held money goes to
    the vendor."""
    dispute = services.ship_return(current_actor(), dispute_id, data)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>/return/receipt", methods=["POST"], tags=TAGS)
@login_required(OrgKind.VENDOR)
@blp.arguments(ReturnReceiptCreateSchema)
@blp.response(200, DisputeSchema)
def confirm_return(data, dispute_id):
    """The vendor confirms the returned goods arrived: the decided refund settles in the background."""
    dispute = services.confirm_return_receipt(current_actor(), dispute_id)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>/return/rejection", methods=["POST"], tags=TAGS)
@login_required(OrgKind.VENDOR)
@blp.arguments(ReturnRejectionCreateSchema)
@blp.response(200, DisputeSchema)
def reject_return(data, dispute_id):
    """The vendor rejects the returned goods with a reason: the outcome is set aside and the platform decides
    again (the case is escalated)."""
    dispute = services.reject_returned_goods(current_actor(), dispute_id, data["reason"])
    db.session.commit()
    return dispute
