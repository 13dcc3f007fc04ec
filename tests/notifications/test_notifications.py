"""The notification feed: one organisation's items, newest first, in pages, in the reader's language;
each fact told once, with one e-mail per member queued through the outbox."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from marketplace.accounts.models import User
from marketplace.jobs import OutboxCommand
from marketplace.notifications.models import Notification, NotificationKind
from marketplace.notifications.services import notify_org


def _tell(db, org_id: int, n: int) -> None:
    # the world's vendors were told they were verified (admins: asked to verify them); only our own facts count
    db.session.execute(delete(Notification).where(Notification.kind.in_(
        (NotificationKind.VENDOR_VERIFIED, NotificationKind.VENDOR_VERIFICATION_REQUESTED))))
    for i in range(1, n + 1):
        notify_org(org_id, "deal_awarded", {"deal_id": 100 + i, "rfq_id": 7}, key=f"test-{org_id}-{i}")
    db.session.commit()


def test_feed_is_newest_first_in_pages(api, world, db):
    vendor = world.vendors[0]
    _tell(db, vendor.org_id, 5)
    seen, cursor = [], None
    while True:
        page = api.get("/notifications?limit=2" + (f"&cursor={cursor}" if cursor else ""), vendor)
        assert len(page["items"]) <= 2
        seen += [n["data"]["deal_id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [105, 104, 103, 102, 101]
    assert api.get("/notifications?cursor=not-ours", vendor, expect=422)["error"]["fields"]["cursor"]


def test_feed_text_is_in_the_readers_language(api, world, db):
    vendor = world.vendors[0]
    _tell(db, vendor.org_id, 1)
    item = api.get("/notifications", vendor)["items"][0]
    assert item["kind"] == "deal_awarded" and item["read_at"] is None
    assert item["text"] == "Bạn đã trúng thầu: giao dịch #101"  # users are Vietnamese by default
    db.session.get(User, vendor.user_id).locale = "en"
    db.session.commit()
    assert api.get("/notifications", vendor)["items"][0]["text"] == "You won a deal: #101"


def test_feed_belongs_to_one_organisation(api, world, db):
    _tell(db, world.vendors[0].org_id, 2)
    assert api.get("/notifications", world.vendors[1])["items"] == []
    assert api.get("/notifications", world.admin)["items"] == []  # not even platform admins read others' feeds


def test_a_fact_is_told_once_and_mailed_to_every_member(api, world, db):
    buyer = world.buyer
    members = 1 + len(world.buyer_members)
    for _ in range(2):
        notify_org(buyer.org_id, "deal_released", {"deal_id": 9}, key="deal-9-released")
        db.session.commit()
    assert len(api.get("/notifications", buyer)["items"]) == 1
    mails = db.session.execute(select(OutboxCommand).where(OutboxCommand.kind == "email.send",
                                                           OutboxCommand.key.like("email:deal-9-released:%"))).scalars().all()
    assert len(mails) == members
    assert {m.payload["to"] for m in mails} >= {buyer.email}
    assert db.session.execute(select(func.count()).select_from(OutboxCommand)
                              .where(OutboxCommand.key.like("email:deal-9-released:%"))).scalar_one() == members
