"""Reading notifications: the unread count, marking one or all read (per organisation), the e-mail body."""

from __future__ import annotations

from sqlalchemy import delete, select

from marketplace.jobs import OutboxCommand
from marketplace.notifications.models import Notification, NotificationKind
from marketplace.notifications.services import notify_org


def _tell(db, org_id: int, n: int) -> None:
    # the world's vendors were told they were verified (admins: asked to verify them); only our own facts count
    db.session.execute(delete(Notification).where(Notification.kind.in_(
        (NotificationKind.VENDOR_VERIFIED, NotificationKind.VENDOR_VERIFICATION_REQUESTED))))
    for i in range(1, n + 1):
        notify_org(org_id, "deal_awarded", {"deal_id": 100 + i, "rfq_id": 7}, key=f"read-{org_id}-{i}")
    db.session.commit()


def test_unread_count_and_marking_read(api, world, db):
    vendor, other = world.vendors[0], world.vendors[1]
    _tell(db, vendor.org_id, 3)
    _tell(db, other.org_id, 1)
    assert api.get("/notifications/unread", vendor) == {"unread": 3}
    newest = api.get("/notifications", vendor)["items"][0]
    item = api.post(f"/notifications/{newest['id']}/read", vendor)
    assert item["read_at"] and item["text"].startswith("Bạn đã trúng thầu")
    again = api.post(f"/notifications/{newest['id']}/read", vendor)
    assert again["read_at"] == item["read_at"]  # idempotent
    assert api.get("/notifications/unread", vendor) == {"unread": 2}
    other_item = api.get("/notifications", other)["items"][0]
    api.call("POST", f"/notifications/{other_item['id']}/read", vendor, expect=404)  # another organisation's
    assert api.post("/notifications/read", vendor) == {"marked": 2}
    assert api.get("/notifications/unread", vendor) == {"unread": 0}
    assert api.post("/notifications/read", vendor) == {"marked": 0}
    assert api.get("/notifications/unread", other) == {"unread": 1}  # untouched


def test_notification_emails_have_a_body_with_a_link_in_the_readers_language(api, world, db):
    vendor = world.vendors[0]
    _tell(db, vendor.org_id, 1)
    payloads = [c.payload for c in db.session.execute(select(OutboxCommand)).scalars()
                if c.kind == "email.send" and c.key.startswith(f"email:read-{vendor.org_id}-")
                and c.payload["to"] == vendor.email]
    assert payloads
    body = payloads[0]["body"]
    assert payloads[0]["subject"] in body and "/account/notifications" in body and body.startswith("Xin chào")
