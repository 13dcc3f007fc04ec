"""RFQs: draft, publish, cancel, and who may see or list them."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from ...accounts.models import Organization
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...deals.services import APPROVER_ROLES
from ...errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate
from ...jobs import enqueue_after_commit
from ...text import fold
from ...vendors.models import Category, VendorProfile
from ..models import Invitation, Rfq, RfqLine, RfqStatus, RfqVisibility
from ..states import rfq_machine


def create_rfq(actor: Actor, data: dict) -> Rfq:
    """A buyer member drafts an RFQ, in ``data["currency"]`` or else its organisation's currency.

    :raises InvalidInputError: a price does not fit the currency, a category is unknown, or the deadline
        is in the past (the error names the field, nested like the body).
    """
    currency = data.get("currency") or db.session.get(Organization, actor.org_id).currency
    if data.get("quote_deadline") and data["quote_deadline"] <= utcnow():
        raise InvalidInputError.at(("quote_deadline",), "the quote deadline must be in the future")
    asked = {line["category_id"] for line in data["lines"] if line.get("category_id") is not None}
    known = set(db.session.execute(select(Category.id).where(Category.id.in_(asked))).scalars()) if asked else set()
    for i, line in enumerate(data["lines"]):
        if line.get("category_id") is not None and line["category_id"] not in known:
            raise InvalidInputError.at(("lines", i, "category_id"), "no such category")
    rfq = Rfq(buyer_id=actor.org_id, created_by=actor.user_id, currency=currency,
              **{k: v for k, v in data.items() if k not in ("lines", "currency")})
    rfq.lines = [
        RfqLine(line_no=i + 1, description=line["description"], hs_code=line.get("hs_code"),
                category_id=line.get("category_id"), quantity=line["quantity"], unit=line["unit"],
                target_unit_price=to_minor(line["target_unit_price"], currency, ("lines", i, "target_unit_price"))
                if line.get("target_unit_price") else None)
        for i, line in enumerate(data["lines"])
    ]
    rfq.search_text = " ".join(fold(t) for t in [rfq.title, rfq.description, *(l.description for l in rfq.lines)])
    db.session.add(rfq)
    rfq_machine.start(rfq, actor)
    return rfq


def buyer_rfq(actor: Actor, rfq_id: int, *, lock: bool = False) -> Rfq:
    """One of the buyer's own RFQs (``lock``: ``SELECT ... FOR UPDATE``).

    :raises NotFoundError: unknown, another buyer's, or the actor is not a buyer.
    """
    if actor.role != ActorRole.BUYER:
        raise NotFoundError("no such RFQ")
    return Rfq.get_visible(actor, rfq_id, lock=lock)


def _vendor_sees_board(vendor_id: int) -> bool:
    """Whether the vendor is verified, and so reads the board of open RFQs."""
    vendor = db.session.get(VendorProfile, vendor_id)
    return vendor is not None and vendor.is_verified()


def _vendor_rfqs(vendor_id: int):
    """A SELECT of the RFQs a vendor may see: never drafts; those it is invited to and, once verified, the open
    board."""
    visible = Rfq.id.in_(select(Invitation.rfq_id).where(Invitation.vendor_id == vendor_id))
    if _vendor_sees_board(vendor_id):
        visible = or_(visible, Rfq.visibility == RfqVisibility.OPEN)
    return select(Rfq).where(Rfq.status != RfqStatus.DRAFT, visible)


def rfqs_for(actor: Actor, status: str | None = None):
    """A SELECT of the RFQs ``actor`` may list: a buyer its own (drafts too); a vendor those it is invited to and,
    once verified, the open board (never drafts); admins all."""
    stmt = _vendor_rfqs(actor.org_id) if actor.role == ActorRole.VENDOR else Rfq.visible_to(actor)
    return stmt.where(Rfq.status == status) if status else stmt


def vendor_rfq(vendor_id: int, rfq_id: int) -> Rfq:
    """An RFQ as the vendor ``vendor_id`` may see it (the rule of :func:`rfqs_for`).

    :raises NotFoundError: drafts, other buyers' invite-only RFQs, the board for unverified vendors, unknown ids.
    """
    return Rfq.one(_vendor_rfqs(vendor_id), rfq_id)


def visible_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """One RFQ the actor may read, by the rule of :func:`rfqs_for`: a buyer its own, a vendor as
    :func:`vendor_rfq`, admins any.

    :raises NotFoundError: anything else.
    """
    return Rfq.one(rfqs_for(actor), rfq_id)


def list_rfqs(actor: Actor, params: dict) -> dict:
    """One page (by id) of the RFQs ``actor`` may list (:func:`rfqs_for`), optionally of one status.

    :raises InvalidInputError: a bad cursor.
    """
    return paginate(rfqs_for(actor, params.get("status")), params, Rfq.id)


def publish_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """Open the RFQ to quotes and start matching in the background (after commit).

    :raises ForbiddenError: the estimated value is above the approval threshold and the actor is no approver.
    :raises ConflictError: the quote deadline has passed.
    :raises IllegalTransitionError: not a draft.
    """
    rfq = buyer_rfq(actor, rfq_id)
    threshold = db.session.get(Organization, actor.org_id).approval_threshold
    if (rfq.status == RfqStatus.DRAFT and threshold is not None and rfq.estimated_value() > threshold
            and actor.member_role not in APPROVER_ROLES):
        raise ForbiddenError("this RFQ's estimated value is above your organisation's approval threshold; "
                             "an approver must publish it", code="approval_required")
    if rfq.quote_deadline is None:
        rfq.quote_deadline = utcnow() + timedelta(days=current_app.config["QUOTE_VALIDITY_DAYS"] // 2 or 7)
    elif rfq.status == RfqStatus.DRAFT and rfq.quote_deadline <= utcnow():
        raise ConflictError("the quote deadline has passed; set a new one", code="deadline_passed")
    if rfq_machine.apply(rfq, "publish", actor):
        rfq.published_at = utcnow()
        enqueue_after_commit("marketplace.rfq.jobs.match_rfq", rfq.id, queue="bulk", job_id=f"match-rfq-{rfq.id}")
    return rfq


def cancel_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """The buyer cancels a draft, open or closed RFQ.

    :raises IllegalTransitionError: already awarded, cancelled or expired.
    """
    rfq = buyer_rfq(actor, rfq_id)
    rfq_machine.apply(rfq, "cancel", actor)
    return rfq
