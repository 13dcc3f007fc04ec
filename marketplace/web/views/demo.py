"""Demo only: the mailbox of the local mail sink, so a visitor can read the e-mails the product sends."""

from __future__ import annotations

import email
import mailbox
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("web_demo", __name__, url_prefix="/demo")

#: the newest e-mails shown on the page
SHOWN = 200


@dataclass(frozen=True)
class Mail:
    to: str
    sender: str
    subject: str
    date: datetime | None
    body: str


def mailbox_path() -> Path:
    """The mbox file the demo's mail sink writes (``DEMO_MAILBOX_PATH``, else under the instance folder)."""
    configured = current_app.config.get("DEMO_MAILBOX_PATH")
    return Path(configured) if configured else Path(current_app.config["INSTANCE_PATH"]) / "demo-mail.mbox"


def _text(message: email.message.EmailMessage) -> str:
    """The plain-text body (never rendered as HTML: the page escapes it)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, ValueError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def _date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def read_mailbox(path: Path, limit: int = SHOWN) -> list[Mail]:
    """The newest ``limit`` e-mails of the mbox at ``path``, newest first (none when it does not exist yet)."""
    if not path.exists():
        return []
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=policy.default),
                       create=False)
    try:
        messages = list(box)
    finally:
        box.close()
    mails = [Mail(to=str(m.get("To", "")), sender=str(m.get("From", "")), subject=str(m.get("Subject", "")),
                  date=_date(m.get("Date")), body=_text(m)) for m in messages if m is not None]
    return list(reversed(mails))[:limit]


@bp.get("/mailbox", endpoint="mailbox")
def mailbox_page():
    """Every e-mail the product sent while the demo runs (demo mode only; anyone may read it)."""
    if not current_app.config["DEMO_MODE"]:
        abort(404)
    return render_template("demo/mailbox.html", mails=read_mailbox(mailbox_path()))

