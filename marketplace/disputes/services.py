"""The dispute case itself: open it for a deal, read it as a party, talk, record a decision, settle its state.

``disputes`` never reaches into the deal: ``deals.services.disputes`` orchestrates (applies the deal's
transitions, moves the money) and hands this module the deal as a plain object (``.id``,
``.buyer_id``, ``.vendor_id``, ``.currency``). The case carries its parties itself, so it scopes its
own reads (:class:`~marketplace.database.OrgScoped`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..accounts.models import Organization, User
from ..actors import SYSTEM, Actor
from ..database import utcnow
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.fields import to_minor
from ..http.pagination import paginate
from ..money import allocate, commission_for, format_amount
from ..notifications.models import NotificationKind
from ..notifications.services import notify_org
from ..statemachine import Event
from .models import (
    FINISHED,
    UNSETTLED,
    Dispute,
    DisputeMessage,
    DisputeOutcome,
    DisputeParty,
    DisputeStatus,
)
from .states import LIVE, dispute_machine


def live_dispute(deal_id: int) -> Dispute | None:
    """The deal's live case (not resolved, not withdrawn), if any."""
    return db.session.execute(
        select(Dispute).where(Dispute.deal_id == deal_id, Dispute.status.notin_(FINISHED))
    ).scalar_one_or_none()


def create_dispute(actor: Actor, deal, data: dict) -> Dispute:
    """Open a case on ``deal`` (its parties and currency are copied); a live case is returned as it is.

    The caller has already moved the deal to ``disputed`` (that transition decides whether a case
    may be opened); the vendor is told.
    """
    dispute = live_dispute(deal.id)
    if dispute is not None:
        return dispute  # a repeated request returns the live case
    dispute = Dispute(deal_id=deal.id, buyer_id=deal.buyer_id, vendor_id=deal.vendor_id, currency=deal.currency,
                      opened_by=actor.user_id, reason=data["reason"], description=data["description"])
    db.session.add(dispute)
    dispute_machine.start(dispute, actor, {"reason": data["reason"]})
    notify_org(dispute.vendor_id, NotificationKind.DISPUTE_OPENED, {"deal_id": deal.id, "dispute_id": dispute.id},
               key=f"dispute-{dispute.id}-opened")
    return dispute


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
                            for a in summary["allocations"]]}
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
    if dispute.status == DisputeStatus.OPEN and dispute.party_of(actor.org_id) == DisputeParty.VENDOR:
        dispute_machine.apply(dispute, "respond", actor)
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
    stmt = select(Dispute).where(Dispute.status.notin_(FINISHED))
    return paginate(stmt, params, Dispute.created_at, Dispute.id, order="desk")


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
    amounts = [m.amount for m in deal.held_milestones()]
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
