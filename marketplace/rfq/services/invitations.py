"""Invitations: vendors chosen by the matcher (in the background) or by the buyer by hand."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ...accounts.models import Organization, OrgKind
from ...actors import SYSTEM, Actor, ActorRole
from ...database import utcnow
from ...errors import ConflictError, NotFoundError
from ...extensions import db
from ...http.pagination import paginate
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...statemachine import NextStep, record_event
from ...vendors.models import PriceList, VendorProfile
from ..matching import match_vendors
from ..models import Invitation, InvitationSource, Rfq, RfqStatus, RfqVisibility
from .quotes import quote_next_step
from .rfqs import buyer_rfq, rfqs_for, visible_rfq

#: where unranked (manual) invitations sort: after every ranked one
_UNRANKED = 2**62


def invite_vendors(rfq: Rfq, ranked: list[dict], source: InvitationSource) -> int:
    """Store invitations (idempotent per vendor) and notify the vendors invited now; returns how many are new."""
    added = 0
    for row in ranked:
        stmt = insert(Invitation).values(
            rfq_id=rfq.id, vendor_id=row["vendor_id"], source=source, rank=row.get("rank"),
            score=row.get("score"), rationale=row.get("rationale", {}), created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["rfq_id", "vendor_id"]).returning(Invitation.id)
        if db.session.execute(stmt).scalar_one_or_none() is not None:
            added += 1
            notify_org(row["vendor_id"], NotificationKind.RFQ_INVITATION, {"rfq_id": rfq.id, "title": rfq.title},
                       key=f"rfq-{rfq.id}-invite-{row['vendor_id']}")
    return added


def match_and_invite(rfq_id: int) -> int:
    """Run matching for an open RFQ and invite the top K vendors. Re-running adds no duplicates."""
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None or rfq.status != RfqStatus.OPEN:
        return 0
    ranked = match_vendors(rfq, current_app.config["MATCH_TOP_K"])
    added = invite_vendors(rfq, ranked, InvitationSource.MATCH)
    record_event("rfq", rfq.id, "matched", rfq.status, rfq.status, SYSTEM, {"invited": [r["vendor_id"] for r in ranked]})
    return added


def invite_vendor(actor: Actor, rfq_id: int, vendor_id: int) -> Invitation:
    """The buyer adds a verified vendor by hand; inviting the same vendor again changes nothing.

    :raises NotFoundError: not the buyer's RFQ, or no such verified vendor.
    :raises ConflictError: the RFQ is past the point of inviting (closed, awarded, cancelled, expired).
    """
    rfq = buyer_rfq(actor, rfq_id)
    if not rfq.accepts_invitations():
        raise ConflictError(f"cannot invite vendors to an RFQ that is {rfq.status}")
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None or not vendor.is_verified():
        raise NotFoundError("no such verified vendor")
    invite_vendors(rfq, [{"vendor_id": vendor_id, "rationale": {"manual": True}}], InvitationSource.MANUAL)
    return db.session.execute(
        select(Invitation).where(Invitation.rfq_id == rfq.id, Invitation.vendor_id == vendor_id)).scalar_one()


def invitations_page(actor: Actor, rfq_id: int, params: dict) -> dict:
    """One page of the RFQ's invitations: ranked (matched) ones by rank, then manual ones by id.

    :raises NotFoundError: the actor may not see the RFQ.
    :raises InvalidInputError: a bad cursor.
    """
    rfq = visible_rfq(actor, rfq_id)
    return paginate(select(Invitation).where(Invitation.rfq_id == rfq.id), params,
                    func.coalesce(Invitation.rank, _UNRANKED), Invitation.id, order="rank")


# --- the vendor's side: its invitations, the open board, what to do next --------------------------


def vendor_invitations(actor: Actor, params: dict) -> dict:
    """One page of the invitations of the calling vendor (never to drafts), newest first, each with its RFQ
    and the matching rationale stored with it.

    :raises InvalidInputError: a bad cursor.
    """
    stmt = (select(Invitation).join(Rfq, Rfq.id == Invitation.rfq_id)
            .where(Invitation.vendor_id == actor.org_id, Rfq.status != RfqStatus.DRAFT))
    return paginate(stmt, params, Invitation.id, descending=True)


def invitation_for(actor: Actor, rfq_id: int) -> Invitation | None:
    """The calling vendor's invitation to ``rfq_id`` (None when it sees the RFQ on the open board only)."""
    return db.session.execute(
        select(Invitation).where(Invitation.rfq_id == rfq_id, Invitation.vendor_id == actor.org_id)).scalar_one_or_none()


def board_page(actor: Actor, params: dict) -> dict:
    """One page of the open board: RFQs open to every verified vendor and still taking quotes, newest first.
    Unverified vendors see an empty board.

    :raises InvalidInputError: a bad cursor.
    """
    stmt = rfqs_for(actor, RfqStatus.OPEN).where(Rfq.visibility == RfqVisibility.OPEN)
    if actor.role == ActorRole.VENDOR:
        vendor = db.session.get(VendorProfile, actor.org_id)
        if vendor is None or not vendor.is_verified():
            return {"items": [], "next_cursor": None}
    return paginate(stmt, params, Rfq.id, descending=True)


def known_buyers(actor: Actor) -> list[Organization]:
    """Buyer organisations the calling vendor has met: those of RFQs it may see and of its price lists
    (the buyers it may make a negotiated price list for), by name."""
    rfq_buyers = rfqs_for(actor).with_only_columns(Rfq.buyer_id)
    listed = select(PriceList.buyer_org_id).where(PriceList.vendor_id == actor.org_id)
    return list(db.session.execute(
        select(Organization).where(Organization.kind == OrgKind.BUYER,
                                   Organization.id.in_(rfq_buyers.union(listed).scalar_subquery()))
        .order_by(Organization.name, Organization.id)).scalars())


#: what the vendor is asked to do next on an RFQ, as a code
QUOTE = "submit_quote"


def rfq_next_step(actor: Actor, rfq: Rfq, quote) -> NextStep:
    """The vendor's next step on an RFQ it sees: quote before the deadline (the RFQ then closes to quotes),
    or, once quoted, what its quote asks (see :func:`.quotes.quote_next_step`); nothing when it no longer
    takes quotes."""
    if quote is not None:
        return quote_next_step(actor, quote)
    if rfq.accepts_quotes():
        return NextStep(QUOTE, rfq.quote_deadline, "rfq_closes")
    return NextStep(None, waiting_for="buyer" if rfq.is_awardable() else None)
