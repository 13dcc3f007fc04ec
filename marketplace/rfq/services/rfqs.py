"""RFQs: draft, publish, cancel, and who may see or list them."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from ...accounts.models import Organization, User
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...deals.services import APPROVER_ROLES
from ...errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate
from ...jobs import enqueue_after_commit
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_members, notify_org
from ...statemachine import Deadline, Event, NextStep, events_for, record_event
from ...text import fold
from ...vendors.models import Category, VendorProfile
from ..models import Invitation, Quote, Rfq, RfqLine, RfqStatus, RfqVisibility
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


def build_rfq(actor: Actor, data: dict, *, submit: bool = False) -> Rfq:
    """Draft an RFQ (:func:`create_rfq`) and, with ``submit``, publish it or send it for approval
    (:func:`submit_rfq`) in the same transaction: the RFQ builder's "publish" button.

    :raises InvalidInputError: as :func:`create_rfq`.
    :raises ConflictError: as :func:`submit_rfq`.
    """
    rfq = create_rfq(actor, data)
    db.session.flush()
    return submit_rfq(actor, rfq.id) if submit else rfq


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


def visible_rfqs(actor: Actor, rfq_ids) -> dict[int, Rfq]:
    """:func:`visible_rfq` of many RFQs in one statement (and one for their lines): id -> RFQ.

    :raises NotFoundError: one of them the actor may not read.
    """
    ids = set(rfq_ids)
    found = {r.id: r for r in db.session.execute(rfqs_for(actor).where(Rfq.id.in_(ids))).scalars()} if ids else {}
    if len(found) < len(ids):
        raise NotFoundError("no such RFQ")
    return found


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


# --- the approval path: a requester submits an RFQ above the threshold, an approver publishes it -------------

#: RFQ events of the approval path (on the RFQ's timeline; the RFQ stays a draft until approved)
APPROVAL_REQUESTED, APPROVED, APPROVAL_REJECTED = "approval_requested", "approved", "approval_rejected"
#: notification kinds told to the buyer organisation (its requester and its approvers read the same feed)
RFQ_APPROVAL_REQUESTED = NotificationKind.RFQ_APPROVAL_REQUESTED
RFQ_APPROVED = NotificationKind.RFQ_APPROVED
RFQ_APPROVAL_REJECTED = NotificationKind.RFQ_APPROVAL_REJECTED


def needs_approval(actor: Actor, rfq: Rfq) -> bool:
    """Whether publishing this draft needs an approver: its estimated value is above the organisation's
    threshold and the actor is no approver (the rule :func:`publish_rfq` enforces)."""
    threshold = db.session.get(Organization, rfq.buyer_id).approval_threshold
    return (rfq.status == RfqStatus.DRAFT and threshold is not None and rfq.estimated_value() > threshold
            and actor.member_role not in APPROVER_ROLES)


def approval_state(rfq: Rfq) -> str | None:
    """The last step of the RFQ's approval path (``approval_requested``, ``approved``, ``approval_rejected``)."""
    return db.session.execute(
        select(Event.name).where(Event.subject_type == "rfq", Event.subject_id == rfq.id,
                                 Event.name.in_((APPROVAL_REQUESTED, APPROVED, APPROVAL_REJECTED)))
        .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()


def is_awaiting_approval(rfq: Rfq) -> bool:
    """A draft submitted for approval and not yet decided."""
    return rfq.status == RfqStatus.DRAFT and approval_state(rfq) == APPROVAL_REQUESTED


def submit_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """Publish the draft, or, when it is above the approval threshold and the actor is no approver, send it
    to the organisation's approvers (the organisation is told; the RFQ stays a draft until approved).

    :raises NotFoundError: not the buyer's RFQ.
    :raises ConflictError: already waiting for approval, or the quote deadline has passed.
    :raises IllegalTransitionError: not a draft.
    """
    rfq = buyer_rfq(actor, rfq_id, lock=True)
    if not needs_approval(actor, rfq):
        return publish_rfq(actor, rfq_id)
    if is_awaiting_approval(rfq):
        raise ConflictError("this RFQ is already waiting for approval", code="awaiting_approval")
    if rfq.quote_deadline is not None and rfq.quote_deadline <= utcnow():
        raise ConflictError("the quote deadline has passed; set a new one", code="deadline_passed")
    event = record_event("rfq", rfq.id, APPROVAL_REQUESTED, rfq.status, rfq.status, actor,
                         {"estimated_value": rfq.estimated_value(), "currency": rfq.currency})
    db.session.flush()
    requester = db.session.get(User, actor.user_id) if actor.user_id else None
    # only the approvers are e-mailed; the organisation's feed shows the request to every member
    notify_members(rfq.buyer_id, RFQ_APPROVAL_REQUESTED,
                   {"rfq_id": rfq.id, "title": rfq.title, "total": format_amount(rfq.estimated_value(), rfq.currency),
                    "currency": rfq.currency, "requester_name": requester.name if requester else ""},
                   key=f"rfq-{rfq.id}-approval-{event.id}", roles=APPROVER_ROLES)
    return rfq


def _require_approver(actor: Actor) -> None:
    if actor.role != ActorRole.BUYER or actor.member_role not in APPROVER_ROLES:
        raise ForbiddenError("only approvers, admins or owners approve RFQs")


def _pending(actor: Actor, rfq_id: int) -> Rfq:
    _require_approver(actor)
    rfq = buyer_rfq(actor, rfq_id, lock=True)
    if not is_awaiting_approval(rfq):
        raise ConflictError("this RFQ is not waiting for approval", code="not_awaiting_approval")
    return rfq


def approve_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """An approver approves a submitted RFQ: it is published (matching starts) and the organisation is told.

    :raises ForbiddenError: the actor is no approver, admin or owner.
    :raises ConflictError: the RFQ is not waiting for approval, or its quote deadline has passed.
    """
    rfq = _pending(actor, rfq_id)
    event = record_event("rfq", rfq.id, APPROVED, rfq.status, rfq.status, actor)
    publish_rfq(actor, rfq.id)
    db.session.flush()
    notify_org(rfq.buyer_id, RFQ_APPROVED, {"rfq_id": rfq.id, "title": rfq.title}, key=f"rfq-{rfq.id}-approved-{event.id}")
    return rfq


def reject_rfq_approval(actor: Actor, rfq_id: int, reason: str | None = None) -> Rfq:
    """An approver turns a submitted RFQ down: it stays a draft and the organisation is told why.

    :raises ForbiddenError: the actor is no approver, admin or owner.
    :raises ConflictError: the RFQ is not waiting for approval.
    """
    rfq = _pending(actor, rfq_id)
    event = record_event("rfq", rfq.id, APPROVAL_REJECTED, rfq.status, rfq.status, actor, {"reason": reason or ""})
    db.session.flush()
    notify_org(rfq.buyer_id, RFQ_APPROVAL_REJECTED, {"rfq_id": rfq.id, "title": rfq.title, "reason": reason or ""},
               key=f"rfq-{rfq.id}-rejected-{event.id}")
    return rfq


def approvals_queue(actor: Actor) -> list[Rfq]:
    """The organisation's drafts waiting for an approver, oldest request first.

    :raises ForbiddenError: the actor is no approver, admin or owner.
    """
    _require_approver(actor)
    last = (select(Event.subject_id, func.max(Event.id).label("event_id"))
            .where(Event.subject_type == "rfq", Event.name.in_((APPROVAL_REQUESTED, APPROVED, APPROVAL_REJECTED)))
            .group_by(Event.subject_id).subquery())
    stmt = (Rfq.visible_to(actor).join(last, last.c.subject_id == Rfq.id).join(Event, Event.id == last.c.event_id)
            .where(Rfq.status == RfqStatus.DRAFT, Event.name == APPROVAL_REQUESTED).order_by(Event.id))
    return list(db.session.execute(stmt).scalars())


# --- what a buyer reads on the RFQ page -------------------------------------------------------------------


def rfq_timeline(actor: Actor, rfq_id: int) -> list[Event]:
    """The RFQ's events (and those of the quotes on it), oldest first.

    :raises NotFoundError: not the buyer's RFQ.
    """
    rfq = buyer_rfq(actor, rfq_id)
    quote_ids = select(Quote.id).where(Quote.rfq_id == rfq.id)
    return list(db.session.execute(
        select(Event).where(or_(and_(Event.subject_type == "rfq", Event.subject_id == rfq.id),
                                and_(Event.subject_type == "quote", Event.subject_id.in_(quote_ids))))
        .order_by(Event.at, Event.id)).scalars())


def rfq_events(actor: Actor, rfq_id: int, params: dict) -> dict:
    """One page of the RFQ's own timeline (not its quotes'), oldest first, for whoever may read the RFQ.

    A vendor reads the events without their payloads (which name the invited vendors and the buyer's
    internal approval notes).

    :raises NotFoundError: an RFQ the actor may not read (:func:`visible_rfq`).
    :raises InvalidInputError: a bad cursor.
    """
    rfq = visible_rfq(actor, rfq_id)
    page = paginate(select(Event).where(Event.subject_type == rfq_machine.subject, Event.subject_id == rfq.id),
                    params, Event.id)
    if actor.role == ActorRole.VENDOR:
        page["items"] = [_without_payload(event) for event in page["items"]]
    return page


def _without_payload(event: Event) -> dict:
    return {"name": event.name, "from_state": event.from_state, "to_state": event.to_state,
            "actor_role": event.actor_role, "actor_user_id": event.actor_user_id, "payload": {}, "at": event.at}


def is_matching(rfq: Rfq) -> bool:
    """Published and the background matching has not reported yet."""
    if rfq.status != RfqStatus.OPEN:
        return False
    return not any(e.name == "matched" for e in events_for("rfq", rfq.id))


def buyer_rfq_next_step(actor: Actor, rfq: Rfq) -> NextStep:
    """What the viewing buyer member should do next on the RFQ, by when, and what happens if nobody does.

    Codes: ``publish`` / ``submit_for_approval`` / ``approve`` (drafts), ``wait_for_quotes`` (open),
    ``award`` (quotes in or closed); lapses ``closes`` (the deadline closes quoting) and ``expires``.
    """
    if rfq.status == RfqStatus.DRAFT:
        if is_awaiting_approval(rfq):
            if actor.member_role in APPROVER_ROLES:
                return NextStep("approve", rfq.quote_deadline, "deadline_passes")
            return NextStep(None, rfq.quote_deadline, "deadline_passes", waiting_for="approver")
        return NextStep("submit_for_approval" if needs_approval(actor, rfq) else "publish", rfq.quote_deadline,
                        "deadline_passes")
    has_quotes = db.session.execute(select(Quote.id).where(Quote.rfq_id == rfq.id).limit(1)).first() is not None
    if rfq.status == RfqStatus.OPEN:
        if has_quotes:
            return NextStep("award", rfq.quote_deadline, "closes")
        return NextStep(None, rfq.quote_deadline, "closes", waiting_for="vendor")
    if rfq.status == RfqStatus.CLOSED:
        deadline = db.session.execute(
            select(Deadline.due_at).where(Deadline.subject_type == "rfq", Deadline.subject_id == rfq.id,
                                          Deadline.kind == "award_deadline", Deadline.fired_at.is_(None),
                                          Deadline.cancelled_at.is_(None))).scalar_one_or_none()
        return NextStep("award" if has_quotes else None, deadline, "expires")
    if rfq.status == RfqStatus.AWARDED and any(line.awarded_quote_line_id is None for line in rfq.lines):
        return NextStep("award_rest")
    return NextStep(None)
