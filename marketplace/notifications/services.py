"""Notification verbs: record a feed item and queue e-mails to the organisation's members; read the feed."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlparse

from flask import current_app, has_request_context, request
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import selectinload

from ..accounts.models import Membership, Organization, User
from ..actors import Actor
from ..database import utcnow
from ..extensions import db
from ..http.pagination import paginate
from ..jobs import add_outbox_command
from .messages import email_body, render
from .models import Notification, NotificationKind

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


def notify_org(org_id: int, kind: NotificationKind, data: dict, *, key: str) -> None:
    """Tell an organisation something, once per ``key``: a feed item now, e-mails after commit (outbox)."""
    created = db.session.execute(
        insert(Notification).values(org_id=org_id, kind=kind, key=key, data=data)
        .on_conflict_do_nothing(index_elements=["key"]).returning(Notification.id)
    ).scalar_one_or_none()
    if created is None:
        return
    org = db.session.get(Organization, org_id)
    members = db.session.execute(Membership.for_org(org_id).options(selectinload(Membership.user))).scalars().all()
    link = notification_centre_url()
    for m in members:
        locale = reader_locale(m.user, org)
        text = render(kind, data, locale)
        add_outbox_command(EMAIL_SEND, f"email:{key}:{m.user_id}", {
            "to": m.user.email, "subject": text, "body": email_body(text, m.user.name, link, locale),
        })


#: where the notification centre page lives (e-mails link to it)
NOTIFICATION_CENTRE_PATH = "/account/notifications"


def notification_centre_url() -> str:
    """The notification centre's address: absolute when known (``PUBLIC_URL``, or the current request's host)."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    return (base or "").rstrip("/") + NOTIFICATION_CENTRE_PATH


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
    locale = reader_locale(db.session.get(User, actor.user_id), db.session.get(Organization, actor.org_id))
    page = paginate(Notification.for_org(actor.org_id), params, Notification.id, descending=True)
    page["items"] = [FeedItem(n.id, n.kind, n.data, render(n.kind, n.data, locale), n.read_at, n.created_at)
                     for n in page["items"]]
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
    locale = reader_locale(db.session.get(User, actor.user_id), db.session.get(Organization, actor.org_id))
    n = notification
    return FeedItem(n.id, n.kind, n.data, render(n.kind, n.data, locale), n.read_at, n.created_at)


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
