"""The dispute case itself: open it for a deal, read it as a party, talk, record a decision, settle its state.

``disputes`` never reaches into the deal: ``deals.services.disputes`` orchestrates (applies the deal's
transitions, moves the money) and hands this module the deal as a plain object (``.id``,
``.buyer_id``, ``.vendor_id``, ``.currency``). The case carries its parties itself, so it scopes its
own reads (:class:`~marketplace.database.OrgScoped`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Membership, Organization, OrgKind, User
from ..actors import SYSTEM, Actor
from ..database import utcnow
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.fields import to_minor
from ..http.pagination import paginate
from ..money import allocate, commission_for, format_amount
from ..notifications.models import NotificationKind
from ..notifications.services import notify_org
from ..statemachine import Event, record_event
from .models import (
    FINISHED,
    UNSETTLED,
    VENDOR_REASONS,
    Dispute,
    DisputeMessage,
    DisputeOutcome,
    DisputeParty,
    DisputeStatus,
    RequestedOutcome,
)
from .states import LIVE, dispute_machine

#: what a buyer may ask for; a vendor's filing always asks for the held money (``release``)
BUYER_OUTCOMES = (RequestedOutcome.REFUND, RequestedOutcome.PARTIAL_REFUND, RequestedOutcome.RETURN_AND_REFUND,
                  RequestedOutcome.REPLACEMENT)
#: the buyer's request when it names none: by reason (a claim below what is held is a partial refund)
DEFAULT_OUTCOME = {"not_received": RequestedOutcome.REFUND, "late": RequestedOutcome.PARTIAL_REFUND,
                   "quantity_short": RequestedOutcome.PARTIAL_REFUND}


def live_dispute(deal_id: int) -> Dispute | None:
    """The deal's live case (not resolved, not withdrawn), if any."""
    return db.session.execute(
        select(Dispute).where(Dispute.deal_id == deal_id, Dispute.status.notin_(FINISHED))
    ).scalar_one_or_none()


def filing_deadline(deal) -> datetime | None:
    """Until when a case may be opened on ``deal``: ``DISPUTE_FILING_DAYS`` after delivery, or after the
    ship-by date when it was never delivered (None: no date to count from, the window is open)."""
    start = deal.delivered_at or deal.ship_by_at
    return start + timedelta(days=current_app.config["DISPUTE_FILING_DAYS"]) if start else None


def filing_terms(deal, party: DisputeParty, data: dict, *, now: datetime | None = None) -> dict:
    """Check a filing against ``deal`` (a plain object: ``.lines``, ``.currency``, ``.held_amount()``,
    ``.delivered_at``, ``.ship_by_at``) and work out its scope, claimed amount and requested outcome.

    ``data``: ``reason``, optional ``lines`` ([{"deal_line_id", "quantity"}]; default the whole deal),
    optional ``claimed_amount`` (a decimal string; default the scoped lines' value, the whole held money
    for the whole deal), optional ``requested_outcome``.

    :raises ConflictError: the filing window is over (``filing_window_closed``) or nothing is held.
    :raises InvalidInputError: a vendor's reason other than ``other``, an unknown or repeated line, a
        quantity outside 1..the line's, a claimed amount outside 1..what is held, an outcome the side may
        not ask for.
    """
    deadline = filing_deadline(deal)
    if deadline is not None and (now or utcnow()) > deadline:
        raise ConflictError("the filing window for a dispute on this deal is over", code="filing_window_closed",
                            details={"filing_deadline": deadline.isoformat()})
    held = deal.held_amount()  # after a partial acceptance: what is left
    if held <= 0:
        raise ConflictError("nothing is held in escrow for this deal", code="nothing_held")
    if party == DisputeParty.VENDOR and data["reason"] not in VENDOR_REASONS:
        raise InvalidInputError.at(("reason",), "a vendor opens a dispute only with the reason: other")
    lines = {line.id: line for line in deal.lines}
    scope, seen = [], set()
    for i, item in enumerate(data.get("lines") or ()):
        line = lines.get(item["deal_line_id"])
        if line is None or line.id in seen:
            why = "not a line of this deal" if line is None else "this line is named twice"
            raise InvalidInputError.at(("lines", i, "deal_line_id"), why)
        if not 1 <= item["quantity"] <= line.quantity:
            raise InvalidInputError.at(("lines", i, "quantity"), f"between 1 and {line.quantity}")
        seen.add(line.id)
        value = line.amount if item["quantity"] == line.quantity else line.unit_price * item["quantity"]
        scope.append({"deal_line_id": line.id, "description": line.description, "quantity": item["quantity"],
                      "unit": line.unit, "unit_price": line.unit_price, "amount": value})
    whole = not scope
    if whole:
        scope = [{"deal_line_id": line.id, "description": line.description, "quantity": line.quantity,
                  "unit": line.unit, "unit_price": line.unit_price, "amount": line.amount} for line in deal.lines]
    if data.get("claimed_amount"):
        claimed = to_minor(data["claimed_amount"], deal.currency, ("claimed_amount",))
        if not 1 <= claimed <= held:
            bounds = f"between 1 and {format_amount(held, deal.currency)}"
            raise InvalidInputError("the claimed amount must be more than 0 and at most what is held",
                                    fields=InvalidInputError.nest(("claimed_amount",), bounds))
    else:
        claimed = held if whole else min(held, sum(item["amount"] for item in scope))
    if party == DisputeParty.VENDOR:
        if data.get("requested_outcome") not in (None, RequestedOutcome.RELEASE):
            raise InvalidInputError.at(("requested_outcome",), "a vendor asks for the release of the held money")
        outcome = RequestedOutcome.RELEASE
    else:
        outcome = data.get("requested_outcome") or DEFAULT_OUTCOME.get(
            data["reason"], RequestedOutcome.REFUND if claimed == held else RequestedOutcome.PARTIAL_REFUND)
        if outcome not in BUYER_OUTCOMES:
            raise InvalidInputError.at(("requested_outcome",), "refund, partial_refund, return_and_refund or "
                                                               "replacement")
    return {"scope": scope, "claimed_amount": claimed, "requested_outcome": str(outcome), "held": held}


def create_dispute(actor: Actor, deal, data: dict) -> Dispute:
    """Open a case on ``deal`` (its parties and currency are copied); a live case is returned as it is.

    The caller has already moved the deal to ``disputed`` (that transition decides whether a case may be
    opened) and checked the filing with :func:`filing_terms` (``data`` carries its ``scope``,
    ``claimed_amount`` and ``requested_outcome``). The other party and the platform's staff are told.
    """
    dispute = live_dispute(deal.id)
    if dispute is not None:
        return dispute  # a repeated request returns the live case
    party = DisputeParty.VENDOR if actor.org_id == deal.vendor_id else DisputeParty.BUYER
    dispute = Dispute(deal_id=deal.id, buyer_id=deal.buyer_id, vendor_id=deal.vendor_id, currency=deal.currency,
                      opened_by=actor.user_id, reason=data["reason"], description=data["description"],
                      opened_by_party=party, requested_outcome=data["requested_outcome"],
                      claimed_amount=data["claimed_amount"], scope=data["scope"])
    db.session.add(dispute)
    dispute_machine.start(dispute, actor, {"reason": data["reason"], "opened_by_party": party.value,
                                           "claimed_amount": format_amount(dispute.claimed_amount, deal.currency),
                                           "currency": deal.currency})
    told = {"deal_id": deal.id, "dispute_id": dispute.id}
    if party == DisputeParty.BUYER:
        notify_org(dispute.vendor_id, NotificationKind.DISPUTE_OPENED, told, key=f"dispute-{dispute.id}-opened")
    else:
        notify_org(dispute.buyer_id, NotificationKind.DISPUTE_OPENED_BY_VENDOR, told,
                   key=f"dispute-{dispute.id}-opened")
    staff = {**told, "claimed": format_amount(dispute.claimed_amount, deal.currency), "currency": deal.currency}
    for org_id in platform_org_ids():
        notify_org(org_id, NotificationKind.DISPUTE_FILED, staff, key=f"dispute-{dispute.id}-filed-{org_id}")
    return dispute


def platform_org_ids() -> list[int]:
    """The platform's organisations (their staff run the dispute desk)."""
    return list(db.session.execute(
        select(Organization.id).where(Organization.kind == OrgKind.PLATFORM).order_by(Organization.id)).scalars())


def get_dispute(actor: Actor, dispute_id: int, *, lock: bool = False) -> Dispute:
    """A dispute as ``actor`` may see it: its buyer, its vendor, or a platform admin.

    :raises NotFoundError: unknown, or another organisation's.
    """
    return Dispute.get_visible(actor, dispute_id, lock=lock)


def get_buyers_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """A dispute the actor's organisation opened as the buyer (anyone else: it does not exist).

    :raises NotFoundError: unknown, or not the actor's as a buyer.
    """
    dispute = get_dispute(actor, dispute_id)
    if dispute.party_of(actor.org_id) != DisputeParty.BUYER:  # the vendor and admins read it, but it is not theirs
        raise NotFoundError("no such dispute")
    return dispute


def find_dispute(dispute_id: int) -> Dispute | None:
    """A dispute by id, unscoped: for jobs (which run as the system)."""
    return db.session.get(Dispute, dispute_id)


def lock_dispute(dispute_id: int) -> Dispute:
    """Re-read the case under its row lock (the caller has locked the deal first: deal, then dispute)."""
    return dispute_machine.lock(dispute_id)


def refuse_if_decided(dispute: Dispute) -> None:
    """A decision is final the moment it is recorded: anything that would argue or change the case
    again is a 409 ``already_decided`` whose ``details`` carry the recorded decision, whether or not
    its money has moved yet. Call it on the locked row.

    :raises ConflictError: the case is decided (``details``: state, outcome, decision, decided_at, decided_by).
    """
    if not dispute.is_decided():
        return
    summary = dispute.decision_summary
    details: dict = {"state": dispute.status, "outcome": summary["outcome"] if summary else None,
                     "decided_at": dispute.decided_at.isoformat() if dispute.decided_at else None,
                     "decided_by": dispute.decided_by}
    if summary:
        currency = dispute.currency
        details["decision"] = {
            "outcome": summary["outcome"], "note": summary["note"], "currency": currency,
            "held": format_amount(summary["held"], currency),
            "allocations": [{"party": a["party"], "amount": format_amount(a["amount"], currency), "currency": currency}
                            for a in summary["allocations"]],
            "rationale": summary["rationale"], "by": summary["by"], "return_required": summary["return_required"]}
    raise ConflictError("the dispute has already been decided", code="already_decided", details=details)


def list_messages(actor: Actor, dispute_id: int, params: dict) -> dict:
    """One page of the conversation of a dispute, oldest first (parties and admins).

    :raises NotFoundError: unknown, or another organisation's dispute.
    """
    dispute = get_dispute(actor, dispute_id)
    return paginate(select(DisputeMessage).where(DisputeMessage.dispute_id == dispute.id), params, DisputeMessage.id)


def dispute_events(actor: Actor, dispute_id: int, params: dict) -> dict:
    """One page of the dispute's timeline, oldest first (its buyer, its vendor and admins).

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises InvalidInputError: a bad cursor.
    """
    dispute = get_dispute(actor, dispute_id)
    stmt = select(Event).where(Event.subject_type == dispute_machine.subject, Event.subject_id == dispute.id)
    return paginate(stmt, params, Event.id)


def add_message(actor: Actor, dispute_id: int, body: str) -> DisputeMessage:
    """Add a message; the vendor's first reply moves an open case to ``negotiating``.

    :raises NotFoundError: unknown, or another organisation's dispute.
    :raises ConflictError: the case is decided (``already_decided``) or over.
    """
    dispute = lock_dispute(get_dispute(actor, dispute_id).id)  # no new word once a decision is recorded
    refuse_if_decided(dispute)
    if not dispute.is_live():
        raise ConflictError(f"the dispute is {dispute.status}")
    message = DisputeMessage(dispute_id=dispute.id, author_id=actor.user_id, author_org_id=actor.org_id, body=body)
    db.session.add(message)
    party = dispute.party_of(actor.org_id)
    if dispute.status == DisputeStatus.OPEN and party is not None and party != dispute.opened_by_party:
        dispute_machine.apply(dispute, "respond", actor)  # the respondent's first word
    db.session.flush()
    return message


def withdraw(actor: Actor, dispute: Dispute) -> bool:
    """The buyer withdraws the case; True if it moved (False: already withdrawn).

    :raises IllegalTransitionError: the case is decided or over.
    """
    return dispute_machine.apply(dispute, "withdraw", actor)


def record_decision(actor: Actor, dispute: Dispute, outcome: str, vendor_share: int, held: int,
                    note: str = "") -> bool:
    """An admin's decision: ``vendor_share`` of the ``held`` minor units to the vendor, the rest to the
    buyer. True if recorded now (False: this case was decided already, by the same transition).

    :raises IllegalTransitionError: the case is decided, settling, or over.
    """
    allocations = [{"party": DisputeParty.VENDOR.value, "amount": vendor_share},
                   {"party": DisputeParty.BUYER.value, "amount": held - vendor_share}]
    shown = [{**a, "amount": format_amount(a["amount"], dispute.currency)} for a in allocations]  # as the API says money
    if not dispute_machine.apply(dispute, "decide", actor, {"outcome": outcome, "allocations": shown,
                                                            "currency": dispute.currency}):
        return False
    dispute = dispute_machine.lock(dispute.id)
    dispute.decision = {"outcome": outcome, "allocations": allocations, "held": held, "note": note}
    dispute.decided_by = actor.user_id
    dispute.decided_at = utcnow()
    db.session.flush()
    return True


def begin_settlement(dispute_id: int) -> Dispute | None:
    """Lock a decided case and mark it ``settling``; None if it has nothing (left) to settle.

    The caller locks the deal first (lock order everywhere: deal, then dispute).
    """
    dispute = dispute_machine.lock(dispute_id)
    if dispute.status not in UNSETTLED:
        return None
    dispute_machine.apply(dispute, "settle", SYSTEM)
    return dispute


def finish_settlement(dispute: Dispute) -> None:
    """The decided money has moved: the case is resolved."""
    if dispute_machine.apply(dispute, "resolve", SYSTEM):
        dispute_machine.lock(dispute.id).resolved_at = utcnow()


def unsettled_dispute_ids(before: datetime, limit: int = 1000) -> list[int]:
    """Decided cases untouched since ``before``: their settlement job was probably lost."""
    return list(db.session.execute(
        select(Dispute.id).where(Dispute.status.in_(UNSETTLED), Dispute.updated_at < before)
        .order_by(Dispute.id).limit(limit)
    ).scalars())


# --- the admins' dispute desk ---------------------------------------------------------------------


def live_disputes(params: dict) -> dict:
    """The desk: one page of every live case (not resolved, not withdrawn), oldest first (platform staff).

    :raises InvalidInputError: a bad cursor.
    """
    return desk(None, {**params, "status": None})


def deadline_of(dispute: Dispute) -> datetime | None:
    """The case's current deadline (the negotiation's timers keep it on the row), if any."""
    return dispute.deadline_at


def desk(actor: Actor | None, params: dict, *, now: datetime | None = None) -> dict:
    """The dispute desk: one page of cases, oldest first, each with its age, current deadline, claimed amount
    and assignee (platform staff). Filters: ``status`` (default: every live case), ``assignee`` (``me``,
    ``none`` or a user id), ``overdue`` (true: the current deadline has passed).

    :raises InvalidInputError: a bad cursor, or ``assignee=me`` without a person.
    """
    now = now or utcnow()
    stmt = select(Dispute)
    if not params.get("status"):
        stmt = stmt.where(Dispute.live_clause())
    elif params["status"] in FINISHED:
        stmt = stmt.where(Dispute.status == params["status"])
    else:  # a live status implies the live-case predicate: stated, it lets the desk's partial index serve the filter
        stmt = stmt.where(Dispute.status == params["status"], Dispute.live_clause())
    assignee = params.get("assignee")
    if assignee == "me":
        if actor is None or actor.user_id is None:
            raise InvalidInputError.at(("assignee",), "only a person has cases of their own")
        stmt = stmt.where(Dispute.assignee_id == actor.user_id)
    elif assignee == "none":
        stmt = stmt.where(Dispute.assignee_id.is_(None))
    elif assignee:
        stmt = stmt.where(Dispute.assignee_id == int(assignee))
    if params.get("overdue") is not None:
        deadline = Dispute.deadline_at
        stmt = stmt.where(deadline < now) if params["overdue"] else stmt.where(deadline.is_(None) | (deadline >= now))
    found = paginate(stmt, params, Dispute.created_at, Dispute.id, order="desk")
    cases = found["items"]
    orgs = organization_names({d.buyer_id for d in cases} | {d.vendor_id for d in cases})
    people = user_names({d.assignee_id for d in cases})
    rows = []
    for d in cases:
        due = deadline_of(d)
        rows.append({"id": d.id, "dispute": d, "deal_id": d.deal_id, "status": d.status, "reason": d.reason,
                     "opened_by_party": d.opened_by_party, "buyer_id": d.buyer_id, "buyer_name": orgs.get(d.buyer_id),
                     "vendor_id": d.vendor_id, "vendor_name": orgs.get(d.vendor_id), "currency": d.currency,
                     "claimed_amount": d.claimed_amount, "created_at": d.created_at,
                     "age_days": max(0, (now - d.created_at).days), "deadline_at": due,
                     "overdue": bool(due and due < now), "assignee_id": d.assignee_id,
                     "assignee_name": people.get(d.assignee_id)})
    return {"items": rows, "next_cursor": found["next_cursor"]}


def is_platform_member(user_id: int) -> bool:
    """Whether the person belongs to one of the platform's organisations (only they take cases)."""
    return db.session.execute(
        select(Membership.id).join(Organization, Organization.id == Membership.org_id)
        .where(Membership.user_id == user_id, Organization.kind == OrgKind.PLATFORM).limit(1)
    ).first() is not None


def assign_dispute(actor: Actor, dispute_id: int, assignee_id: int | None) -> Dispute:
    """Give a case to a platform staff member (``None``: to nobody); the change is on the case's timeline.

    :raises NotFoundError: unknown dispute.
    :raises InvalidInputError: the assignee is not a member of the platform.
    :raises ConflictError: the case is over (resolved or withdrawn).
    """
    dispute = lock_dispute(get_dispute(actor, dispute_id).id)
    if assignee_id is not None and not is_platform_member(assignee_id):
        raise InvalidInputError.at(("assignee_id",), "not a member of the platform's staff")
    if not dispute.is_live():
        raise ConflictError(f"the dispute is {dispute.status}")
    if dispute.assignee_id == assignee_id:
        return dispute  # a repeat changes nothing
    previous = dispute.assignee_id
    dispute.assignee_id = assignee_id
    dispute.assigned_at = utcnow() if assignee_id is not None else None
    record_event(dispute_machine.subject, dispute.id, "assign", dispute.status, dispute.status, actor,
                 {"assignee_id": assignee_id, "previous_assignee_id": previous})
    db.session.flush()
    return dispute


def decidable(dispute: Dispute) -> bool:
    """Whether an admin may still decide this case (it is being argued, not decided or over)."""
    return dispute.status in LIVE


def organization_names(org_ids) -> dict[int, str]:
    """Names of organisations by id (the parties a page shows)."""
    ids = {i for i in org_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def user_names(user_ids) -> dict[int, str]:
    """Names of people by id (the authors of a conversation)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def allocation_preview(deal, outcome: str, vendor_amount: str | None = None) -> dict:
    """Exactly what a decision would move, before it is made: of the money held for ``deal`` (a plain
    object with ``.currency``, ``.commission_bps`` and ``.held_milestones()``), the vendor's gross
    share, the platform's commission on it, what the vendor nets and what goes back to the buyer.

    Mirrors the decision and its settlement: the vendor's share is spread over the held milestones
    pro rata (largest remainder) and the commission is taken per milestone, rounded as the ledger does.
    All amounts are minor units of ``currency``.

    :raises InvalidInputError: an unknown outcome, or a split amount that is malformed or does not fit
        the held money (the decision's own messages).
    """
    if outcome not in set(DisputeOutcome):
        raise InvalidInputError("unknown outcome", fields={"outcome": ["release, refund or split"]})
    amounts = [m.held_amount for m in deal.held_milestones()]
    held = sum(amounts)
    if outcome == DisputeOutcome.RELEASE:
        vendor_share = held
    elif outcome == DisputeOutcome.REFUND:
        vendor_share = 0
    else:
        if not vendor_amount:
            raise InvalidInputError("a split needs the vendor's amount",
                                    fields={"vendor_amount": ["a split needs the vendor's amount"]})
        vendor_share = to_minor(vendor_amount, deal.currency, ("vendor_amount",))
        if vendor_share > held:
            raise InvalidInputError("the vendor's share must be between 0 and the held amount",
                                    fields=InvalidInputError.nest(("vendor_amount",),
                                                                  f"between 0 and {format_amount(held, deal.currency)}"))
    shares = allocate(vendor_share, amounts) if held else []
    commission = sum(commission_for(share, deal.commission_bps) for share in shares if share)
    return {"outcome": outcome, "currency": deal.currency, "held": held, "vendor_gross": vendor_share,
            "commission": commission, "to_vendor": vendor_share - commission, "to_buyer": held - vendor_share,
            "vendor_amount": format_amount(vendor_share, deal.currency)}
