"""Partial shipments over HTTP on real PostgreSQL, Redis and an RQ worker: a deal shipped in two GHN shipments
(each with quantities per line) tracked by webhooks sent twice and out of order is delivered, and its inspection
starts, once, when the second shipment arrives; the built-in carrier's proof of delivery; what is left to ship;
cancelling; and a GHN booking that timed out, retried once by the outbox: one GHN order, not two."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa

from marketplace.database import utcnow
from tests.factories import assert_ledger_sound
from tests.shipping.test_ghn import HOOK_TOKEN, _deliver, _ghn_peer, ghn  # noqa: F401  (fixtures)

TWO_LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 600, "unit": "piece"},
             {"description": "Vòng bi 6206-2RS", "quantity": 400, "unit": "piece"}]
#: the smallest PNG (1x1), a signature stand-in
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "0000000200015e2f2c2a0000000049454e44ae426082")


def _inspections(db, deal_id: int) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM deadlines WHERE subject_type = 'deal' AND subject_id = :id"
                                      " AND kind = 'inspection'"), {"id": deal_id}).scalar_one()


def _plan(api, world, deal_id):
    body = api.get(f"/deals/{deal_id}/shipping-plan", world.buyer)
    return body, {line["description"]: (line["in_transit"], line["delivered"], line["remaining"])
                  for line in body["lines"]}


def test_two_partial_ghn_shipments_deliver_the_deal_once_when_the_second_arrives(api, world, ghn, run_jobs, db):
    deal = api.funded_deal(world, lines=TWO_LINES)
    a, b = (line["id"] for line in deal["lines"])
    vendor = world.vendors[0]
    first = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "ghn", "lines": [
        {"deal_line_id": a, "quantity": 600}, {"deal_line_id": b, "quantity": 100}]}, expect=201)
    assert sorted((line["deal_line_id"], line["quantity"]) for line in first["lines"]) == [(a, 600), (b, 100)]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    # more than is left to ship is refused, and nothing is booked
    refused = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "ghn", "lines": [
        {"deal_line_id": b, "quantity": 301}]}, expect=422)
    assert "lines" in refused["error"]["fields"] and len(ghn.state.orders) == 1
    second = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "ghn"}, expect=201)  # the rest
    assert [(line["deal_line_id"], line["quantity"]) for line in second["lines"]] == [(b, 300)]
    assert second["reference"] == f"MKT-D{deal['id']}-S2" and len(ghn.state.orders) == 2
    _, plan = _plan(api, world, deal["id"])
    assert plan == {"Vòng bi 6205-2RS": (600, 0, 0), "Vòng bi 6206-2RS": (400, 0, 0)}

    now = utcnow()
    one, two = first["tracking_number"], second["tracking_number"]
    hooks = {(code, status): ghn.webhook(code, status, now - timedelta(hours=hours))
             for code in (one, two) for status, hours in (("picked", 6), ("delivering", 2), ("delivered", 1))}
    # the first shipment arrives (its delivered sent before its pickup, and twice)
    for key in ((one, "delivered"), (one, "picked"), (one, "delivered"), (one, "delivering")):
        assert _deliver(api, hooks[key]).status_code == 200
    run_jobs()
    assert api.get(f"/shipments/{first['id']}", world.buyer)["status"] == "delivered"
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "shipped" and _inspections(db, deal["id"]) == 0  # half of it is still on the way
    _, plan = _plan(api, world, deal["id"])
    assert plan == {"Vòng bi 6205-2RS": (0, 600, 0), "Vòng bi 6206-2RS": (300, 100, 0)}
    kinds = db.session.execute(sa.text("SELECT org_id, kind FROM notifications WHERE kind = 'deal_partly_delivered'")
                               ).all()
    assert sorted(org for org, _ in kinds) == sorted([world.buyer.org_id, vendor.org_id])
    # the second arrives, out of order and twice; a resend of the first's delivered changes nothing
    for key in ((two, "delivering"), (two, "delivered"), (one, "delivered"), (two, "picked"), (two, "delivered")):
        assert _deliver(api, hooks[key]).status_code == 200
    run_jobs()
    body, plan = _plan(api, world, deal["id"])
    assert body["complete"] is True and plan == {"Vòng bi 6205-2RS": (0, 600, 0), "Vòng bi 6206-2RS": (0, 400, 0)}
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "delivered" and _inspections(db, deal["id"]) == 1
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("confirm_delivery") == 1 and events.count("shipment_added") == 1
    assert_ledger_sound(db)


def test_nothing_left_to_ship_returns_the_latest_shipment(api, world):
    deal, shipped = api.shipped_deal(world)
    again = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    assert again["id"] == shipped["id"]
    foreign = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"lines": [
        {"deal_line_id": 10**9, "quantity": 1}]}, expect=422)
    assert foreign["error"]["fields"]["lines"]["0"]["deal_line_id"]


def test_a_cancelled_shipment_frees_its_quantities(api, world):
    deal = api.funded_deal(world, lines=TWO_LINES)
    a, _b = (line["id"] for line in deal["lines"])
    vendor = world.vendors[0]
    first = api.post(f"/deals/{deal['id']}/shipments", vendor, {"lines": [{"deal_line_id": a, "quantity": 200}]},
                     expect=201)
    api.post(f"/shipments/{first['id']}/cancel", world.buyer, expect=403)  # a buyer organisation may not
    cancelled = api.post(f"/shipments/{first['id']}/cancel", vendor)
    assert cancelled["status"] == "cancelled"
    _, plan = _plan(api, world, deal["id"])
    assert plan["Vòng bi 6205-2RS"] == (0, 0, 600)
    picked = api.post(f"/deals/{deal['id']}/shipments", vendor, {}, expect=201)
    api.post(f"/shipments/{picked['id']}/events", vendor, {"status": "picked_up"}, expect=201)
    assert api.post(f"/shipments/{picked['id']}/cancel", vendor, expect=409)["error"]["code"] == "conflict"


def _proof(api, who, shipment_id, image=PNG, **fields):
    form = {"receiver_name": "Nguyễn Văn An", **fields, "image": (io.BytesIO(image), "signature.png")}
    return api.client.post(f"/api/v1/shipments/{shipment_id}/proof-of-delivery", data=form, headers=who.headers,
                           content_type="multipart/form-data")


def test_proof_of_delivery_of_the_built_in_carrier_starts_the_inspection(api, world, run_jobs, db):
    deal, shipped = api.shipped_deal(world)
    assert _proof(api, world.vendors[0], shipped["id"], image=b"not an image").status_code == 422
    assert _proof(api, world.buyer, shipped["id"]).status_code == 403
    resp = _proof(api, world.vendors[0], shipped["id"], note="ký nhận tại kho")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "delivered" and body["proof"]["receiver_name"] == "Nguyễn Văn An"
    import hashlib
    assert body["proof"]["image_sha256"] == hashlib.sha256(PNG).hexdigest()
    image = api.client.get(f"/api/v1/shipments/{shipped['id']}/proof-of-delivery/image", headers=world.buyer.headers)
    assert image.status_code == 200 and image.data == PNG and image.headers["X-Content-SHA256"] == \
        hashlib.sha256(PNG).hexdigest()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    assert _inspections(db, deal["id"]) == 1
    assert _proof(api, world.vendors[0], shipped["id"]).status_code == 409  # once


def test_a_short_delivery_in_the_proof_leaves_the_rest_to_ship(api, world, db):
    deal, shipped = api.shipped_deal(world)
    line = deal["lines"][0]["id"]
    too_many = _proof(api, world.vendors[0], shipped["id"],
                      delivered=json.dumps([{"deal_line_id": line, "delivered_quantity": 1001}]))
    assert too_many.status_code == 422
    resp = _proof(api, world.vendors[0], shipped["id"],
                  delivered=json.dumps([{"deal_line_id": line, "delivered_quantity": 900}]))
    assert resp.status_code == 201
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    _, plan = _plan(api, world, deal["id"])
    assert plan == {"Vòng bi 6205-2RS": (0, 900, 100)}
    rest = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    assert [(x["deal_line_id"], x["quantity"]) for x in rest["lines"]] == [(line, 100)]
    assert _proof(api, world.vendors[0], rest["id"]).status_code == 201
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    assert _inspections(db, deal["id"]) == 1


def test_a_vendors_bare_delivered_report_waits_for_the_buyer_until_proof_arrives(api, world, db):
    deal, shipped = api.shipped_deal(world)
    api.post(f"/shipments/{shipped['id']}/events", world.vendors[0], {"status": "delivered"}, expect=201)
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"  # the vendor's word alone
    assert _proof(api, world.vendors[0], shipped["id"]).status_code == 201
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"


def test_a_ghn_timeout_while_booking_is_retried_once_by_the_outbox_one_order(api, world, ghn, run_jobs, db):
    deal = api.funded_deal(world)
    ghn.fail("/shipping-order/create", "timeout", delay=2.5)
    resp = api.client.post(f"/api/v1/deals/{deal['id']}/shipments", json={"carrier": "ghn"},
                           headers=world.vendors[0].headers)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["reference"] == f"MKT-D{deal['id']}-S1"
    # nothing half-booked: no shipment, the deal still funded; GHN did make the order before our client gave up
    assert db.session.execute(sa.text("SELECT count(*) FROM shipments WHERE deal_id = :id"),
                              {"id": deal["id"]}).scalar_one() == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded" and len(ghn.state.orders) == 1
    run_jobs()  # the outbox tries once more with the same client_order_code: GHN's first order is taken up
    assert len(ghn.state.orders) == 1
    creates = [body["client_order_code"] for path, body in ghn.state.calls if path == "/shipping-order/create"]
    assert creates == [f"MKT-D{deal['id']}-S1"] * 2
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "shipped"
    shipments = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"]
    assert [s["tracking_number"] for s in shipments] == list(ghn.state.orders)
    told = db.session.execute(sa.text("SELECT kind FROM notifications WHERE org_id = :o AND kind = 'shipment_booked'"),
                              {"o": world.vendors[0].org_id}).all()
    assert len(told) == 1
    status = db.session.execute(sa.text("SELECT status, attempts FROM outbox_commands WHERE kind = "
                                        "'deals.book_shipment'")).one()
    assert tuple(status) == ("done", 1)


def test_a_booking_that_fails_again_in_the_outbox_tells_the_vendor(api, world, ghn, run_jobs, db):
    deal = api.funded_deal(world)
    ghn.fail("/shipping-order/create", "500", times=2)
    resp = api.client.post(f"/api/v1/deals/{deal['id']}/shipments", json={"carrier": "ghn"},
                           headers=world.vendors[0].headers)
    assert resp.status_code == 202
    run_jobs()
    assert ghn.state.orders == {} and api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert db.session.execute(sa.text("SELECT status FROM outbox_commands WHERE kind = 'deals.book_shipment'")
                              ).scalar_one() == "failed"
    told = db.session.execute(sa.text("SELECT count(*) FROM notifications WHERE org_id = :o AND kind = "
                                      "'shipment_booking_failed'"), {"o": world.vendors[0].org_id}).scalar_one()
    assert told == 1
    # the vendor books again by hand: one order
    assert api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "ghn"}, expect=201)
    assert len(ghn.state.orders) == 1
