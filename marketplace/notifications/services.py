"""Notification verbs: record a feed item and queue e-mails to the organisation's members."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..extensions import db
from .messages import render
from .models import Notification


def notify_org(org_id: int, kind: str, data: dict, *, key: str) -> None:
    """Tell an organisation something, once per ``key``: a feed item now, e-mails after commit."""
    from ..accounts.models import Membership, Organization
    from ..jobs import add_outbox_command

    created = db.session.execute(
        insert(Notification).values(org_id=org_id, kind=kind, key=key, data=data)
        .on_conflict_do_nothing(index_elements=["key"]).returning(Notification.id)
    ).scalar_one_or_none()
    if created is None:
        return
    org = db.session.get(Organization, org_id)
    members = db.session.execute(select(Membership).where(Membership.org_id == org_id)).scalars().all()
    for m in members:
        locale = m.user.locale or org.locale
        add_outbox_command("email.send", f"email:{key}:{m.user_id}", {
            "to": m.user.email, "subject": render(kind, data, locale), "body": render(kind, data, locale),
        })


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
    msg["Message-ID"] = f"<{key.replace(':', '.')}@marketplace>"  # lets receivers drop a resend
    msg.set_content(payload["body"])
    with smtplib.SMTP(parsed.hostname, parsed.port or 25, timeout=10) as smtp:
        smtp.send_message(msg)
    return {"delivered": True}


def feed(org_id: int, after: int | None, limit: int) -> list[Notification]:
    stmt = select(Notification).where(Notification.org_id == org_id)
    if after:
        stmt = stmt.where(Notification.id < after)
    return list(db.session.execute(stmt.order_by(Notification.id.desc()).limit(limit)).scalars())
