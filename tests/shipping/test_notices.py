"""Who hears of a shipment's progress: the parties of a failed delivery, a hold-up, a return and a loss (feed and
e-mail, in their language), nobody of ordinary progress, and the platform's admins, once, of a carrier status code
the carrier's table does not know."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.jobs import OutboxCommand, sweep
from tests.shipping.test_polling import _polled_ghn_peer, book_ghn, polled_ghn, row  # noqa: F401 (fixtures)

SHIPMENT_KINDS = ("shipment_delivery_failed", "shipment_exception", "shipment_returning",
                  "shipment_returning_receiver", "shipment_returned", "shipment_returned_receiver", "shipment_lost",
                  "shipment_unknown_status")


def told(api, who) -> list[str]:
    """The shipment notices in ``who``'s organisation feed, oldest first."""
    return [n["kind"] for n in reversed(api.get("/notifications?limit=100", who)["items"])
            if n["kind"] in SHIPMENT_KINDS]


def feed_text(api, who, kind: str) -> str:
    return next(n["text"] for n in api.get("/notifications?limit=100", who)["items"] if n["kind"] == kind)


def mails_to(db, email: str) -> list[dict]:
    db.session.expire_all()
    return [c.payload for c in db.session.execute(select(OutboxCommand).where(
        OutboxCommand.kind == "email.send").order_by(OutboxCommand.id)).scalars() if c.payload["to"] == email]


def poll(db, run_jobs, shipment_id: int) -> None:
    sweep(row(db, shipment_id).next_poll_at)
    run_jobs()


def test_an_unknown_carrier_code_alerts_the_admins_once_and_the_parties_hear_of_a_failed_delivery(
        api, world, db, run_jobs, polled_ghn):  # noqa: F811
    deal, shipment = book_ghn(api, world)
    n, code = shipment["id"], shipment["tracking_number"]
    buyer, vendor, admin = world.buyer, world.vendors[0], world.admin
    poll(db, run_jobs, n)
    polled_ghn.advance(code, "picked")
    poll(db, run_jobs, n)
    assert told(api, buyer) == told(api, vendor) == told(api, admin) == []  # ordinary progress: nobody

    polled_ghn.advance(code, "teleported")  # a code GHN's table does not have
    poll(db, run_jobs, n)
    poll(db, run_jobs, n)  # asked again: the same report, no second alert
    after = api.get(f"/shipments/{n}", buyer)
    assert after["status"] == "exception" and after["raw_status"] == "teleported"
    assert told(api, admin) == ["shipment_unknown_status"]
    alert = feed_text(api, admin, "shipment_unknown_status")  # the admin reads English
    assert "GHN" in alert and "\u201cteleported\u201d" in alert and f"deal #{deal['id']}" in alert
    mail = next(m for m in mails_to(db, admin.email) if "teleported" in m["subject"])
    assert "What to do: look at the shipment on the Shipments page" in mail["body"]
    assert told(api, buyer) == told(api, vendor) == ["shipment_exception"]

    # a failed delivery attempt: both parties are told, in their language, that the carrier will try again
    polled_ghn.advance(code, "delivering")
    polled_ghn.advance(code, "delivery_fail")
    poll(db, run_jobs, n)
    assert api.get(f"/shipments/{n}", buyer)["status"] == "delivery_failed"
    assert told(api, buyer) == told(api, vendor) == ["shipment_exception", "shipment_delivery_failed"]
    text = feed_text(api, buyer, "shipment_delivery_failed")
    assert text.startswith(f"Giao lô hàng {code} (GHN) của giao dịch #{deal['id']} không thành công")
    assert "sẽ giao lại" in text
    mail = next(m for m in mails_to(db, buyer.email) if code in m["subject"] and "không thành công" in m["subject"])
    assert "vẫn được giữ trong tài khoản ký quỹ" in mail["body"] and f"/deals/{deal['id']}" in mail["body"]
    assert told(api, admin) == ["shipment_unknown_status"]  # a known code: no alert


@pytest.mark.parametrize(("steps", "vendor_hears", "buyer_hears"), [
    (("picked_up", "in_transit", "out_for_delivery"), [], []),
    (("out_for_delivery", "delivery_failed"), ["shipment_delivery_failed"], ["shipment_delivery_failed"]),
    (("in_transit", "exception"), ["shipment_exception"], ["shipment_exception"]),
    (("delivery_failed", "return_in_transit", "returned"),
     ["shipment_delivery_failed", "shipment_returning", "shipment_returned"],
     ["shipment_delivery_failed", "shipment_returning_receiver", "shipment_returned_receiver"]),
    (("in_transit", "lost"), ["shipment_lost"], ["shipment_lost"]),
    # a second failed attempt after a new delivery round is news again
    (("out_for_delivery", "delivery_failed", "out_for_delivery", "delivery_failed"),
     ["shipment_delivery_failed"] * 2, ["shipment_delivery_failed"] * 2),
])
def test_each_party_hears_what_concerns_it(api, world, steps, vendor_hears, buyer_hears):
    _deal, shipment = api.shipped_deal(world)
    for status in steps:
        api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": status}, expect=201)
    assert told(api, world.vendors[0]) == vendor_hears
    assert told(api, world.buyer) == buyer_hears
    assert told(api, world.admin) == []  # the built-in carrier's codes are our own: never unknown


def test_the_buyer_reads_that_the_goods_go_back_and_the_money_stays_in_escrow(api, world):
    deal, shipment = api.shipped_deal(world)
    for status in ("delivery_failed", "return_in_transit"):
        api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": status}, expect=201)
    text = feed_text(api, world.buyer, "shipment_returning_receiver")
    assert text == (f"Lô hàng {shipment['tracking_number']} của giao dịch #{deal['id']} sẽ không được giao: đơn vị"
                    " vận chuyển đang hoàn hàng về Cơ khí Sài Gòn; tiền vẫn được giữ trong tài khoản ký quỹ")
    assert "đang được hoàn về cho bạn" in feed_text(api, world.vendors[0], "shipment_returning")
