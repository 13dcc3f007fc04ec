"""The demo's local mail sink: e-mails sent by the outbox handler over SMTP land in the mbox the demo
mailbox page reads."""

from __future__ import annotations

from marketplace.cli import start_mail_sink
from marketplace.notifications.messages import email_body
from marketplace.notifications.services import deliver_email
from marketplace.web.views.demo import read_mailbox


def test_emails_sent_over_smtp_land_in_the_demo_mailbox(app, tmp_path, monkeypatch):
    path = tmp_path / "demo-mail.mbox"
    sink, smtp_url = start_mail_sink(path)
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", smtp_url)
        for n in (1, 2):
            body = email_body(f"Giao dịch #{n} đã được ký quỹ", "Chị Lan", "http://x/account/notifications", "vi")
            assert deliver_email({"to": "lan@example.test", "subject": f"Giao dịch #{n} đã được ký quỹ",
                                  "body": body}, f"email:deal-{n}:7") == {"delivered": True}
    finally:
        sink.stop()
    mails = read_mailbox(path)
    assert [m.subject for m in mails] == ["Giao dịch #2 đã được ký quỹ", "Giao dịch #1 đã được ký quỹ"]
    assert mails[0].to == "lan@example.test" and mails[0].date is not None
    assert "Xin chào Chị Lan" in mails[0].body and "/account/notifications" in mails[0].body


def test_a_missing_mailbox_is_empty(tmp_path):
    assert read_mailbox(tmp_path / "none.mbox") == []
