"""A deal shipped in parts, on real PostgreSQL, Redis and an RQ worker: after the first of several shipments the
buyer's next step and the "shipped" e-mail say what has shipped and what the vendor still has to ship (in Vietnamese
and English); and the booking reference a queued booking answers with is the one the service sent the carrier."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.auth import _actor
from marketplace.accounts.services import authenticate
from marketplace.deals.services import get_deal, overview, ship_deal
from marketplace.notifications.figures import format_plan
from tests.shipping.test_ghn import _ghn_peer, ghn  # noqa: F401  (fixtures)

CEMENT = [{"description": "Xi măng PCB40 bao 50 kg", "quantity": 800, "unit": "bag"},
          {"description": "Cát vàng xây dựng", "quantity": 30, "unit": "m3"}]


def actor_of(who):
    return _actor(authenticate(who.token))


def _step(db, world, deal_id: int, who=None) -> str:
    db.session.expire_all()
    viewer = actor_of(who or world.buyer)
    return overview.next_step(viewer, get_deal(viewer, deal_id)).action


def _mail(db, key: str, email: str) -> str:
    return db.session.execute(sa.text("SELECT payload->>'body' FROM outbox_commands WHERE kind = 'email.send' AND "
                                      "key LIKE :key AND payload->>'to' = :to"),
                              {"key": f"email:{key}:%", "to": email}).scalar_one()


def test_after_the_first_of_several_shipments_the_buyer_is_told_what_is_still_to_ship(api, world, db):
    deal = api.funded_deal(world, lines=CEMENT)
    cement, _sand = (line["id"] for line in deal["lines"])
    vendor = world.vendors[0]
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual", "lines": [
        {"deal_line_id": cement, "quantity": 400}]}, expect=201)
    assert _step(db, world, deal["id"]) == "confirm_delivery_partial"
    assert _step(db, world, deal["id"], vendor) == "ship_rest"  # the vendor is asked to ship the rest
    body = _mail(db, f"deal-{deal['id']}-shipped", world.buyer.email)  # the buyer reads Vietnamese by default
    assert "Đã gửi: 400 trên 800 bao (Xi măng PCB40 bao 50 kg)" in body
    assert "Nhà cung cấp còn phải gửi: 400 bao (Xi măng PCB40 bao 50 kg); 30 m3 (Cát vàng xây dựng)" in body
    assert "Khi đã nhận đủ toàn bộ hàng, hãy xác nhận đã nhận" in body

    # the rest ships: nothing more is to come, and the buyer confirms delivery when it arrives
    second = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    assert _step(db, world, deal["id"]) == "confirm_delivery"
    assert _step(db, world, deal["id"], vendor) is None  # everything shipped: the vendor waits for the buyer
    body = _mail(db, f"deal-{deal['id']}-shipment-{second['id']}", world.buyer.email)
    assert "còn phải gửi" not in body and "Đã gửi:" not in body
    assert "Mã vận đơn: " + second["tracking_number"] + "\n\nViệc tiếp theo:" in body


def test_the_plan_in_an_email_reads_in_the_readers_language():
    plan = [{"description": "Xi măng PCB40 bao 50 kg", "unit": "bag", "ordered": 800, "shipped": 400, "remaining": 400},
            {"description": "Cát vàng xây dựng", "unit": "m3", "ordered": 30, "shipped": 0, "remaining": 30},
            {"description": "Thép D10", "unit": "ton", "ordered": 2, "shipped": 2, "remaining": 0}]
    assert format_plan(plan, "en") == (
        "Shipped so far: 400 of 800 bags (Xi măng PCB40 bao 50 kg); 2 of 2 tonnes (Thép D10)\n"
        "Still to ship by the vendor: 400 bags (Xi măng PCB40 bao 50 kg); 30 m3 (Cát vàng xây dựng)\n\n")
    assert format_plan(plan, "vi").startswith("Đã gửi: 400 trên 800 bao (Xi măng PCB40 bao 50 kg); 2 trên 2 tấn")
    assert format_plan([{**p, "remaining": 0} for p in plan], "en") == ""  # everything shipped: nothing to add
    assert format_plan(None, "vi") == ""


def test_a_queued_booking_answers_with_the_reference_the_service_sent(api, world, ghn, run_jobs, db):  # noqa: F811
    deal = api.funded_deal(world)
    ghn.fail("/shipping-order/create", "timeout", delay=2.5)
    shipped = ship_deal(actor_of(world.vendors[0]), deal["id"], {"carrier": "ghn"})
    db.session.commit()
    assert shipped.shipment is None and shipped.reference == f"MKT-D{deal['id']}-S1"
    queued = db.session.execute(sa.text("SELECT key FROM outbox_commands WHERE kind = 'deals.book_shipment'")
                                ).scalar_one()
    sent = [body["client_order_code"] for path, body in ghn.state.calls if path == "/shipping-order/create"]
    assert queued == shipped.reference and sent == [shipped.reference]
    run_jobs()  # the retry takes up the carrier's first order under the same reference
    stored = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"]
    assert [s["reference"] for s in stored] == [shipped.reference]

    # booked at once: the shipment and its reference; nothing left to ship: the latest shipment and its reference
    other = api.funded_deal(world)
    booked = ship_deal(actor_of(world.vendors[0]), other["id"], {"carrier": "manual"})
    db.session.commit()
    assert booked.shipment is not None and booked.reference == booked.shipment.reference == f"MKT-D{other['id']}-S1"
    again = ship_deal(actor_of(world.vendors[0]), other["id"], {"carrier": "manual"})
    assert again.shipment.id == booked.shipment.id and again.reference == booked.reference
    db.session.rollback()
