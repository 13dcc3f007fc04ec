"""E-mail preferences per member: each topic (a group of kinds) on or off; kinds that ask for an action
are always e-mailed; the in-app feed always has everything."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..accounts.models import Membership
from ..actors import Actor
from ..database import utcnow
from ..errors import NotFoundError
from ..extensions import db
from .models import NotificationKind as K
from .models import NotificationPreference, NotificationTopic

T = NotificationTopic

#: kinds whose topic their name does not tell (see :func:`topic_of` for the rest)
TOPICS: dict[str, NotificationTopic] = {
    K.RFQ_INVITATION: T.RFQS, K.QUOTE_RECEIVED: T.RFQS, K.QUOTE_REVISED: T.RFQS, K.REVISION_REQUESTED: T.RFQS,
    K.QUOTE_NOT_SELECTED: T.RFQS, K.DEAL_AWARDED: T.RFQS, K.RFQ_APPROVAL_REQUESTED: T.RFQS, K.RFQ_APPROVED: T.RFQS,
    K.RFQ_APPROVAL_REJECTED: T.RFQS,
    K.VENDOR_REVERIFICATION: T.ACCOUNT, K.VENDOR_VERIFIED: T.ACCOUNT, K.VENDOR_REJECTED: T.ACCOUNT,
    K.VENDOR_VERIFICATION_REQUESTED: T.ACCOUNT, K.VENDOR_CHANGE_REVIEW: T.ACCOUNT, K.OUTBOX_FAILED: T.ACCOUNT,
    K.SHIPMENT_UNKNOWN_STATUS: T.ACCOUNT,  # a platform alert; the parties' shipment notices are deals
}

#: kinds that ask the reader to act before a deadline: e-mailed whatever the preferences say
ACTION_REQUIRED: frozenset[str] = frozenset({
    K.RFQ_APPROVAL_REQUESTED,  # approvers: publish or send back
    K.DEAL_APPROVAL_REQUESTED,  # approvers: approve or cancel
    K.DEAL_PAYABLE,  # the buyer: pay before the deal lapses
    K.DEAL_FUNDED,  # the vendor: ship by the ship-by date
    K.SHIP_BY_DUE,  # the vendor: ship before the buyer may cancel
    K.DELIVERY_REPORTED,  # the buyer: confirm receipt or dispute
    K.VENDOR_VERIFICATION_REQUESTED,  # platform admins: decide
    K.VENDOR_CHANGE_REVIEW,  # platform admins: re-verify
    K.DISPUTE_OPENED,  # the vendor: answer before the case escalates
    K.DISPUTE_OPENED_BY_VENDOR,  # the buyer: answer before the case escalates
    K.DISPUTE_OFFER_MADE,  # the other party: accept or reject the offer
    K.DISPUTE_EVIDENCE_REQUESTED,  # the party asked: answer before the deadline
    K.MILESTONE_DUE,  # the buyer: pay a term due after delivery by its date
    K.MILESTONE_DUE_SOON,  # the buyer: the due date is near
    K.MILESTONE_OVERDUE,  # the buyer: pay what is overdue
    K.ORDER_PLACED,  # the vendor: confirm or reject before the order lapses
    K.ORDER_APPROVAL_REQUESTED,  # approvers: approve or cancel the order
    K.ORDER_CONFIRM_DUE,  # the vendor: the order lapses soon
    K.CONTRACT_PROPOSED,  # the other side: sign or decline before it lapses
    K.CONTRACT_AMENDMENT_PROPOSED,  # the other side: accept or decline before it lapses
    K.CONTRACT_EXPIRING,  # both sides: renew before call-offs stop
})


def topic_of(kind: str) -> NotificationTopic:
    """The topic a kind belongs to: :data:`TOPICS`, else by its name (``dispute...``: disputes), else deals."""
    if kind in TOPICS:
        return TOPICS[kind]
    if kind.startswith("dispute"):
        return T.DISPUTES
    if kind.startswith(("rfq", "quote")):
        return T.RFQS
    if kind.startswith(("vendor", "account", "payout")):
        return T.ACCOUNT
    return T.DEALS


def is_action_required(kind: str) -> bool:
    """Whether ``kind`` is e-mailed even to members who turned its topic off."""
    return kind in ACTION_REQUIRED


def muted_topics(membership_ids: list[int]) -> dict[int, set[str]]:
    """Per membership, the topics it turned e-mail off for (memberships without a choice are absent)."""
    if not membership_ids:
        return {}
    rows = db.session.execute(
        select(NotificationPreference.membership_id, NotificationPreference.topic)
        .where(NotificationPreference.membership_id.in_(membership_ids), NotificationPreference.email.is_(False))
    ).all()
    muted: dict[int, set[str]] = {}
    for membership_id, topic in rows:
        muted.setdefault(membership_id, set()).add(topic)
    return muted


def wants_email(kind: str, muted: set[str]) -> bool:
    """Whether a member who muted ``muted`` topics gets an e-mail of ``kind``."""
    return is_action_required(kind) or topic_of(kind) not in muted


def _membership(actor: Actor) -> Membership:
    membership = db.session.execute(
        select(Membership).where(Membership.user_id == actor.user_id, Membership.org_id == actor.org_id)
    ).scalar_one_or_none()
    if membership is None:  # an API token outlived its membership
        raise NotFoundError("you are no longer a member of this organisation")
    return membership


def always_emailed(topic: str | None = None) -> list[str]:
    """The kinds e-mailed whatever the preferences say (of one topic, or all), sorted."""
    return sorted(k for k in ACTION_REQUIRED if topic is None or topic_of(k) == topic)


def get_preferences(actor: Actor) -> dict:
    """The actor's e-mail choice per topic in its organisation, and the kinds that are always e-mailed.

    :raises NotFoundError: the actor is no longer a member.
    """
    membership = _membership(actor)
    muted = muted_topics([membership.id]).get(membership.id, set())
    return {"email": {t.value: t.value not in muted for t in NotificationTopic}, "always_emailed": always_emailed()}


def set_preferences(actor: Actor, email: dict[str, bool]) -> dict:
    """Turn e-mail on or off per topic for the actor's membership (topics not named keep their choice).

    :raises NotFoundError: the actor is no longer a member.
    """
    membership = _membership(actor)
    for topic, on in email.items():
        NotificationTopic(topic)  # the schema only passes known topics
        db.session.execute(
            insert(NotificationPreference).values(membership_id=membership.id, topic=topic, email=bool(on),
                                                  updated_at=utcnow())
            .on_conflict_do_update(index_elements=["membership_id", "topic"],
                                   set_={"email": bool(on), "updated_at": utcnow()}))
    db.session.flush()
    return get_preferences(actor)
