"""Dispute endpoints that move the deal and its money: open a case, withdraw it, decide it.

Reading a case and its conversation is ``disputes.api``; both document under the ``disputes`` tag.
"""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import MemberRole, OrgKind
from ..disputes.schemas import (
    DecisionCreateSchema,
    DisputeCreateSchema,
    DisputeMetricsSchema,
    DisputeSchema,
    MetricsQuerySchema,
)
from ..extensions import db
from ..http.blueprint import Blueprint
from . import services
from .services import dispute_case

blp = Blueprint("deal_disputes", __name__, url_prefix="/api/v1",
                description="Disputes: opening, withdrawing and deciding (they move the deal and its escrow)")
TAGS = ["disputes"]


@blp.route("/deals/<int:deal_id>/disputes", methods=["POST"], tags=TAGS)
@login_required(OrgKind.BUYER, OrgKind.VENDOR)
@blp.arguments(DisputeCreateSchema)
@blp.response(201, DisputeSchema)
def open_dispute(data, deal_id):
    """Either party opens a dispute on a shipped or delivered deal within ``DISPUTE_FILING_DAYS`` of delivery
    (of the ship-by date when never delivered; later: 409 ``filing_window_closed``); release is frozen.

    Optional ``lines`` scope it to lines and quantities, ``claimed_amount`` (at most what is held) defaults
    to their value (the whole held money for the whole deal). A vendor files only with the reason ``other``.
    The deal's records (terms, payments, shipments, delivery) are attached as evidence; the other party
    and the platform's staff are told. A repeated request returns the live case.
    """
    dispute = services.open_dispute(current_actor(), deal_id, data)
    db.session.commit()
    return dispute


@blp.route("/disputes/<int:dispute_id>/withdraw", methods=["POST"], tags=TAGS)
@login_required(OrgKind.BUYER)
@blp.response(200, DisputeSchema)
def withdraw(dispute_id):
    """The buyer withdraws the dispute, which accepts the deal; release is queued.

    A decided dispute cannot be withdrawn: 409 ``already_decided`` with the recorded decision in ``details``.
    """
    dispute = services.withdraw_dispute(current_actor(), dispute_id)
    db.session.commit()
    return dispute


@blp.route("/admin/disputes/<int:dispute_id>/decision", methods=["POST"], tags=TAGS)
@login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))
@blp.arguments(DecisionCreateSchema)
@blp.response(200, DisputeSchema)
def decide(data, dispute_id):
    """A platform admin decides: release, refund or split (a split by ``vendor_amount``, ``buyer_amount`` or
    ``allocations`` lines summing to the held money), with a ``rationale`` both parties read and perhaps
    ``return_required`` (the refund then waits for the goods); settlement runs in the background.

    A decision is final the moment it is recorded: any further decision on the dispute, the same or a
    different one, before or after the money has moved, is a 409 ``already_decided`` whose ``details``
    carry the recorded decision (``state``, ``outcome``, ``decision``, ``decided_at``, ``decided_by``).
    Of concurrent decisions exactly one is recorded. An identical retry with the same
    ``Idempotency-Key`` replays the first answer.
    """
    dispute = services.decide_dispute(current_actor(), dispute_id, data)
    db.session.commit()
    return dispute


@blp.route("/admin/metrics/disputes", tags=TAGS)
@login_required(OrgKind.PLATFORM)
@blp.arguments(MetricsQuerySchema, location="query")
@blp.response(200, DisputeMetricsSchema)
def dispute_metrics(params):
    """Symmetric dispute metrics over the last ``window_days``: per vendor its dispute rate (disputes its
    buyers opened / its deals past shipment) and how often decided against it; per buyer its claim rate
    (disputes it opened / its deals). The top ``limit`` rows of each side, most disputes first."""
    return dispute_case.dispute_metrics(params)
