"""Notification verbs: record a feed item and queue e-mails to the organisation's members; read the feed."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlparse

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import selectinload

from ..accounts.models import MemberRole, Membership, Organization, OrgKind, User
from ..actors import Actor
from ..database import utcnow
from ..extensions import db
from ..http.pagination import paginate
from ..jobs import OutboxCommand, OutboxStatus, add_outbox_command
from ..webhooks import services as webhooks
from .emails import render_email
from .links import (
    NOTIFICATION_CENTRE_PATH,
    NOTIFICATION_SETTINGS_PATH,
    absolute,
    email_link,
)
from .messages import render
from .models import Notification, NotificationKind
from .preferences import is_action_required, muted_topics, wants_email

#: outbox kind of one e-mail to one person (handled by :func:`deliver_email`)
EMAIL_SEND = "email.send"


@dataclass(frozen=True)
class FeedItem:
    """A notification as one reader sees it: its text in the reader's language."""

    id: int
    kind: str
    data: dict
    text: str
    read_at: datetime | None
    created_at: datetime


def reader_locale(user, org) -> str:
    """The language a person reads the platform in: their own, else their organisation's."""
    return user.locale or org.locale


def notify_org(org_id: int, kind: NotificationKind, data: dict, *, key: str,
               roles: tuple[str, ...] | None = None) -> None:
    """Tell an organisation something, once per ``key``: a feed item now, e-mails after commit (outbox) to
    its members (only those holding one of ``roles`` when given) who get this kind by e-mail."""
    notify_orgs([(org_id, kind, data, key)], roles=roles)


def notify_orgs(notices: list[tuple[int, NotificationKind, dict, str]], *,
                roles: tuple[str, ...] | None = None) -> None:
    """:func:`notify_org` for several ``(org_id, kind, data, key)`` at once (e.g. both parties of a settled deal),
    with the same effects in the same order, in three queries rather than three per notice: one INSERT of the
    feed items, one read of the organisations' webhook endpoints (the integrators' copy, outbox), one of their
    members."""
    rows = db.session.execute(
        insert(Notification).values([{"org_id": o, "kind": k, "key": key, "data": d} for o, k, d, key in notices])
        .on_conflict_do_nothing(index_elements=["key"]).returning(Notification.id, Notification.key)
    ).all()
    created = {key: notification_id for notification_id, key in rows}
    told = [n for n in notices if n[3] in created]
    if not told:
        return
    org_ids = sorted({n[0] for n in told})
    sent = set(webhooks.event_types())  # only these reach integrators: no endpoint read for the others
    endpoints = webhooks.enabled_endpoints(sorted({n[0] for n in told if n[1] in sent}))
    members = _members_of(org_ids)
    for org_id, kind, data, key in told:
        webhooks.emit(org_id, kind, data, key=key, notification_id=created[key], endpoints=endpoints.get(org_id, []))
        email_members(org_id, kind, data, key=key, roles=roles, members=members.get(org_id, []))


def _members_of(org_ids) -> dict[int, list[Membership]]:
    """The memberships (with their users) of each of ``org_ids``, in id order; one query (two with members)."""
    found: dict[int, list[Membership]] = {}
    for m in db.session.execute(select(Membership).where(Membership.org_id.in_(list(org_ids)))
                                .options(selectinload(Membership.user)).order_by(Membership.id)).scalars():
        found.setdefault(m.org_id, []).append(m)
    return found


def notify_members(org_id: int, kind: NotificationKind, data: dict, *, key: str, roles: tuple[str, ...]) -> None:
    """Tell an organisation something that asks some of its members to act (e.g. its approvers): the
    organisation's feed has it, only members holding one of ``roles`` get the e-mail."""
    notify_org(org_id, kind, data, key=key, roles=roles)


#: the platform members e-mailed about what waits for the platform (support reads the feed)
PLATFORM_ROLES = (MemberRole.ADMIN,)


def notify_platform(kind: NotificationKind, data: dict, *, key: str) -> None:
    """Tell the platform organisation(s) something that waits for an admin: a feed item, e-mails to its admins."""
    org_ids = db.session.execute(
        select(Organization.id).where(Organization.kind == OrgKind.PLATFORM).order_by(Organization.id)
    ).scalars().all()
    for org_id in org_ids:
        notify_members(org_id, kind, data, key=f"{key}-platform-{org_id}", roles=PLATFORM_ROLES)


def email_members(org_id: int, kind: str, data: dict, *, key: str, roles: tuple[str, ...] | None = None,
                  members: list[Membership] | None = None) -> int:
    """Queue one e-mail of a told fact per active member (of ``roles``) who gets ``kind`` by e-mail, each in
    the member's language and time zone with a link to the page concerned; returns how many were queued.
    ``members``: the organisation's memberships when the caller read them already (same transaction)."""
    org = db.session.get(Organization, org_id)
    if members is None:
        members = _members_of((org_id,)).get(org_id, [])
    members = [m for m in members if m.user.is_active and (roles is None or m.role in roles)]
    muted = muted_topics([m.id for m in members])
    link, settings = email_link(org.kind, kind, data), absolute(NOTIFICATION_SETTINGS_PATH)
    mandatory = is_action_required(kind)
    queued = 0
    for m in members:
        if not wants_email(kind, muted.get(m.id, set())):
            continue
        mail = render_email(kind, data, name=m.user.name, locale=reader_locale(m.user, org), zone=m.user.timezone,
                            link=link, settings=settings, mandatory=mandatory)
        add_outbox_command(EMAIL_SEND, f"email:{key}:{m.user_id}",
                           {"to": m.user.email, "subject": mail.subject, "body": mail.body})
        queued += 1
    return queued


def notification_centre_url() -> str:
    """The notification centre's address: absolute when known (``PUBLIC_URL``, or the current request's host)."""
    return absolute(NOTIFICATION_CENTRE_PATH)


#: outbox kinds whose failures are not alerted: a broken mail server would feed itself with alert e-mails,
#: and an unreachable webhook endpoint is its subscriber's to fix (they see their deliveries)
NOT_ALERTED = ("email.", "webhook.")


def alert_failed_outbox(now: datetime | None = None) -> int:
    """Sweeper step: platform admins are told, once each, of outgoing calls that gave up after their last attempt."""
    told = select(Notification.id).where(Notification.key.like(
        func.concat("outbox-", OutboxCommand.id, "-failed-platform-%"))).exists()
    failed = db.session.execute(
        select(OutboxCommand).where(OutboxCommand.status == OutboxStatus.FAILED, ~told,
                                    *[~OutboxCommand.kind.startswith(p) for p in NOT_ALERTED])
        .order_by(OutboxCommand.id).limit(100)
    ).scalars().all()
    for command in failed:
        notify_platform(NotificationKind.OUTBOX_FAILED,
                        {"command_id": command.id, "command_kind": command.kind, "command_key": command.key,
                         "attempts": command.attempts, "error": (command.last_error or "")[:300]},
                        key=f"outbox-{command.id}-failed")
    return len(failed)


def deliver_email(payload: dict, key: str) -> dict:
    """Outbox handler: send one e-mail over SMTP (``SMTP_URL``), or record it when none is configured."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return {"delivered": False, "reason": "SMTP_URL not set"}
    parsed = urlparse(url)
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = payload["to"]
    msg["Subject"] = payload["subject"]
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = f"<{key.replace(':', '.')}@marketplace>"  # lets receivers drop a resend
    msg.set_content(payload["body"])
    with smtplib.SMTP(parsed.hostname, parsed.port or 25, timeout=10) as smtp:
        smtp.send_message(msg)
    return {"delivered": True}


def feed(actor: Actor, params: dict) -> dict:
    """One page of the actor's organisation feed, newest first, each item's text in the actor's language.

    :raises InvalidInputError: a bad cursor.
    """
    user = db.session.get(User, actor.user_id)
    locale = reader_locale(user, db.session.get(Organization, actor.org_id))
    page = paginate(Notification.for_org(actor.org_id), params, Notification.id, descending=True)
    page["items"] = [FeedItem(n.id, n.kind, n.data, render(n.kind, n.data, locale, user.timezone), n.read_at,
                              n.created_at) for n in page["items"]]
    return page


def _own(actor: Actor):
    return Notification.for_org(actor.org_id)


def mark_read(actor: Actor, notification_id: int) -> FeedItem:
    """Mark one notification of the actor's organisation read (idempotent).

    :raises NotFoundError: no such notification in the actor's organisation.
    """
    notification = Notification.one(_own(actor), notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    user = db.session.get(User, actor.user_id)
    locale = reader_locale(user, db.session.get(Organization, actor.org_id))
    n = notification
    return FeedItem(n.id, n.kind, n.data, render(n.kind, n.data, locale, user.timezone), n.read_at, n.created_at)


def mark_all_read(actor: Actor) -> int:
    """Mark every unread notification of the actor's organisation read; returns how many were unread."""
    result = db.session.execute(update(Notification).where(
        Notification.org_id == actor.org_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount or 0


def unread_count(actor: Actor) -> int:
    """How many notifications of the actor's organisation are unread."""
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.org_id == actor.org_id, Notification.read_at.is_(None))).scalar_one()
