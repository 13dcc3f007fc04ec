"""Invitations: vendors chosen by the matcher (in the background) or by the buyer by hand."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ...actors import SYSTEM, Actor
from ...database import utcnow
from ...errors import ConflictError, NotFoundError
from ...extensions import db
from ...http.pagination import paginate
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...statemachine import record_event
from ...vendors.models import VendorProfile
from ..matching import match_vendors
from ..models import Invitation, InvitationSource, Rfq, RfqStatus
from .rfqs import buyer_rfq, visible_rfq

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
