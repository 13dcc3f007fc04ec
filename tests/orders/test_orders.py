"""Catalog orders over HTTP on real services: prices at tiers and negotiated, MOQ / pack / stock refusals that
reserve nothing, approval, the vendor's confirmation into a deal that is funded, shipped and released, and stock
conserved (reserved, released on reject, cancel and lapse, never negative under concurrent orders)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.jobs import sweep
from tests.factories import assert_ledger_sound, import_rows, row


def _iso(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def held(db, product_id: int) -> int:
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT coalesce(sum(quantity), 0) FROM stock_reservations "
                                    "WHERE product_id = :p AND status = 'held'"), {"p": product_id}).scalar_one()


def stock(db, product_id: int) -> int | None:
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT stock_qty FROM products WHERE id = :p"), {"p": product_id}).scalar_one()


@pytest.fixture
def catalog(api, world):
    """Two vendors' products: tiers, a pack size, tracked stock; and a negotiated price list for the buyer."""
    v1, v2 = world.vendors
    bolts = api.post("/products", v1, {
        "sku": "BOLT-M8", "name": "Bu lông M8 bolt", "unit": "piece", "moq": 100, "pack_size": 50, "stock_qty": 5000,
        "status": "active", "currency": "VND",
        "price_tiers": [{"min_qty": 100, "unit_price": "2000"}, {"min_qty": 1000, "unit_price": "1500"}]}, expect=201)
    gloves = api.post("/products", v2, {
        "sku": "GLOVE-L", "name": "Găng tay bảo hộ gloves", "unit": "pair", "moq": 10, "stock_qty": 300,
        "status": "active", "currency": "VND",
        "price_tiers": [{"min_qty": 10, "unit_price": "30000"}, {"min_qty": 200, "unit_price": "25000"}]}, expect=201)
    api.post("/price-lists", v2, {"buyer_org_id": world.buyer.org_id, "name": "Khung 2026", "valid_from": _iso(-1),
                                  "valid_until": _iso(30),
                                  "items": [{"product_id": gloves["id"], "min_qty": 10, "unit_price": "22000"}]},
             expect=201)
    return {"bolts": bolts, "gloves": gloves}


def test_two_vendors_at_their_tiers_and_a_negotiated_price_become_released_deals(api, world, catalog, db, run_jobs):
    buyer, (v1, v2), admin = world.buyer, world.vendors, world.admin
    bolts, gloves = catalog["bolts"], catalog["gloves"]
    api.post("/cart/items", buyer, {"product_id": bolts["id"], "quantity": 1000})
    cart = api.post("/cart/items", buyer, {"product_id": gloves["id"], "quantity": 20})
    assert cart["orderable"] is True and len(cart["vendors"]) == 2
    lines = {l["sku"]: l for g in cart["vendors"] for l in g["lines"]}
    assert (lines["BOLT-M8"]["unit_price"], lines["BOLT-M8"]["price_source"]) == ("1500", "public")  # the 1000 tier
    assert (lines["GLOVE-L"]["unit_price"], lines["GLOVE-L"]["price_source"]) == ("22000", "negotiated")

    placed = api.post("/orders", buyer, {"delivery_region": "VN-SG", "delivery_address": "12 Lê Lợi"}, expect=201)
    orders = {o["vendor_id"]: o for o in placed["orders"]}
    assert {o["status"] for o in orders.values()} == {"placed"}
    assert (orders[v1.org_id]["total"], orders[v2.org_id]["total"]) == ("1500000", "440000")
    assert orders[v1.org_id]["confirm_by_at"] is not None
    assert api.get("/cart", buyer)["count"] == 0
    assert (held(db, bolts["id"]), held(db, gloves["id"])) == (1000, 20)
    assert "order_placed" in [n["kind"] for n in api.get("/notifications", v1)["items"]]
    # the vendor sees its order only
    assert [o["id"] for o in api.get("/orders", v2)["items"]] == [orders[v2.org_id]["id"]]
    api.get(f"/orders/{orders[v1.org_id]['id']}", v2, expect=404)

    for vendor in (v1, v2):
        order = orders[vendor.org_id]
        confirmed = api.post(f"/orders/{order['id']}/confirm", vendor)
        deal = api.get(f"/deals/{confirmed['deal_id']}", buyer)
        assert confirmed["order"]["status"] == "confirmed" and confirmed["order"]["deal_id"] == deal["id"]
        assert (deal["status"], deal["total"], deal["rfq_id"], deal["quote_id"]) == (
            "awaiting_payment", order["total"], None, None)
        assert deal["terms"]["payment_terms"] == [{"name": "full", "percent": 100, "due": "before_shipment"}]
        assert [(l["quantity"], l["unit_price"]) for l in deal["lines"]] == [
            (l["quantity"], l["unit_price"]) for l in order["lines"]]
        pay = api.post(f"/deals/{deal['id']}/payments", buyer, {"gateway": "bank_transfer"})
        for m in pay["milestones"]:
            import_rows(api, admin, row(m["instructions"]["amount"], m["instructions"]["reference"]))
        assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "funded"
        api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
        api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
        api.post(f"/deals/{deal['id']}/accept", buyer)
        run_jobs()
        assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "released"
    assert "order_confirmed" in [n["kind"] for n in api.get("/notifications", buyer)["items"]]
    # shipped goods left the shelf: nothing held any more, the stock went down by what was ordered
    assert (held(db, bolts["id"]), stock(db, bolts["id"])) == (0, 4000)
    assert (held(db, gloves["id"]), stock(db, gloves["id"])) == (0, 280)
    assert_ledger_sound(db)


@pytest.mark.parametrize(("quantity", "code"), [(50, "below_moq"), (120, "pack_size"), (5050, "out_of_stock")])
def test_a_line_that_breaks_a_rule_is_refused_and_reserves_nothing(api, world, catalog, db, quantity, code):
    buyer, bolts, gloves = world.buyer, catalog["bolts"], catalog["gloves"]
    api.post("/cart/items", buyer, {"product_id": gloves["id"], "quantity": 20})
    cart = api.post("/cart/items", buyer, {"product_id": bolts["id"], "quantity": quantity})
    assert cart["orderable"] is False
    line = next(l for g in cart["vendors"] for l in g["lines"] if l["sku"] == "BOLT-M8")
    assert code in [p["code"] for p in line["problems"]]
    error = api.post("/orders", buyer, {}, expect=422)["error"]
    assert error["code"] == "cart_invalid"
    assert str(bolts["id"]) in error["fields"]["items"]
    assert error["details"]["problems"][0]["codes"] == [code]
    assert (held(db, bolts["id"]), held(db, gloves["id"])) == (0, 0)
    assert api.get("/orders", buyer)["items"] == []
    assert api.get("/cart", buyer)["count"] == 2  # the cart is kept for the buyer to fix


def test_an_order_above_the_threshold_waits_for_an_approver(api, world, catalog, db):
    buyer, requester, approver = world.buyer, world.buyer_members["requester"], world.buyer_members["approver"]
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": "1000000"}, expect=200)
    api.post("/cart/items", requester, {"product_id": catalog["bolts"]["id"], "quantity": 1000})  # 1 500 000
    order = api.post("/orders", requester, {}, expect=201)["orders"][0]
    assert order["status"] == "awaiting_approval"
    assert held(db, catalog["bolts"]["id"]) == 1000  # held while the approver decides
    vendor = world.vendors[0]
    assert api.get("/orders", vendor)["items"][0]["status"] == "awaiting_approval"
    api.post(f"/orders/{order['id']}/confirm", vendor, expect=409)
    api.post(f"/orders/{order['id']}/approve", requester, expect=403)
    assert "order_approval_requested" in [n["kind"] for n in api.get("/notifications", approver)["items"]]
    assert api.post(f"/orders/{order['id']}/approve", approver)["status"] == "placed"
    deal_id = api.post(f"/orders/{order['id']}/confirm", vendor)["deal_id"]
    assert api.get(f"/deals/{deal_id}", buyer)["status"] == "awaiting_payment"  # approved once, at the order


def test_stock_goes_back_on_reject_cancel_lapse_and_a_cancelled_deal(api, world, catalog, db, app):
    buyer, vendor, bolts = world.buyer, world.vendors[0], catalog["bolts"]

    def order_of(quantity=100):
        api.post("/cart/items", buyer, {"product_id": bolts["id"], "quantity": quantity})
        return api.post("/orders", buyer, {}, expect=201)["orders"][0]

    rejected = order_of()
    assert held(db, bolts["id"]) == 100
    api.post(f"/orders/{rejected['id']}/reject", vendor, {"reason": "x"}, expect=422)
    assert api.post(f"/orders/{rejected['id']}/reject", vendor, {"reason": "out of this size"})["status"] == "rejected"
    assert held(db, bolts["id"]) == 0
    assert "order_rejected" in [n["kind"] for n in api.get("/notifications", buyer)["items"]]

    cancelled = order_of()
    assert api.post(f"/orders/{cancelled['id']}/cancel", buyer, {"reason": "changed our mind"})["status"] == "cancelled"
    assert held(db, bolts["id"]) == 0

    lapsed = order_of()
    with db.engine.begin() as conn:  # the vendor's time to answer runs out
        conn.execute(sa.text("UPDATE deadlines SET due_at = now() - interval '1 minute' "
                             "WHERE subject_type = 'order' AND subject_id = :id"), {"id": lapsed["id"]})
    sweep()
    db.session.remove()
    after = api.get(f"/orders/{lapsed['id']}", buyer)
    assert (after["status"], after["reason"]) == ("cancelled", "not confirmed in time")
    assert held(db, bolts["id"]) == 0
    assert "order_lapsed" in [n["kind"] for n in api.get("/notifications", vendor)["items"]]

    confirmed = order_of(200)
    deal_id = api.post(f"/orders/{confirmed['id']}/confirm", vendor)["deal_id"]
    assert held(db, bolts["id"]) == 200
    api.post(f"/deals/{deal_id}/cancel", buyer, {"reason": "budget"})
    assert held(db, bolts["id"]) == 0
    assert stock(db, bolts["id"]) == 5000


def test_the_vendor_is_reminded_before_the_confirmation_deadline(api, world, catalog, db):
    buyer, vendor = world.buyer, world.vendors[0]
    api.post("/cart/items", buyer, {"product_id": catalog["bolts"]["id"], "quantity": 100})
    order = api.post("/orders", buyer, {}, expect=201)["orders"][0]
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE deadlines SET due_at = now() + interval '2 hours' "
                             "WHERE subject_type = 'order' AND subject_id = :id"), {"id": order["id"]})
    sweep()
    sweep()
    db.session.remove()
    kinds = [n["kind"] for n in api.get("/notifications", vendor)["items"]]
    assert kinds.count("order_confirm_due") == 1
    assert api.get(f"/orders/{order['id']}", buyer)["status"] == "placed"


def test_sixteen_concurrent_orders_for_the_last_units_never_oversell(api, world, app, db):
    vendor = world.vendors[0]
    last = api.post("/products", vendor, {"sku": "LAST-1", "name": "Last units", "unit": "piece", "stock_qty": 5,
                                          "status": "active", "currency": "VND",
                                          "price_tiers": [{"min_qty": 1, "unit_price": "1000"}]}, expect=201)
    buyers = [api.register("buyer") for _ in range(16)]
    for b in buyers:
        api.post("/cart/items", b, {"product_id": last["id"], "quantity": 1})
    statuses: list[int] = []
    barrier = threading.Barrier(16)

    def place(who):
        client = app.test_client()
        barrier.wait()
        resp = client.post("/api/v1/orders", json={}, headers=who.headers)
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=place, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 5 + [422] * 11
    assert held(db, last["id"]) == 5
    assert api.get(f"/products/{last['id']}", vendor)["stock_qty"] == 5


def test_reorder_from_an_order_and_from_a_deal_fills_the_cart_at_todays_prices(api, world, catalog, db):
    buyer, vendor, bolts = world.buyer, world.vendors[0], catalog["bolts"]
    api.post("/cart/items", buyer, {"product_id": bolts["id"], "quantity": 1000})
    api.post("/cart/items", buyer, {"product_id": catalog["gloves"]["id"], "quantity": 20})
    orders = api.post("/orders", buyer, {}, expect=201)["orders"]
    first = next(o for o in orders if o["vendor_id"] == vendor.org_id)
    deal_id = api.post(f"/orders/{first['id']}/confirm", vendor)["deal_id"]
    api.call("PATCH", f"/products/{bolts['id']}", vendor, json={
        "price_tiers": [{"min_qty": 100, "unit_price": "2100"}, {"min_qty": 1000, "unit_price": "1600"}]}, expect=200)
    gloves_order = next(o for o in orders if o["vendor_id"] != vendor.org_id)
    api.call("PATCH", f"/products/{catalog['gloves']['id']}", world.vendors[1], json={"status": "archived"},
             expect=200)

    cart = api.post(f"/orders/{gloves_order['id']}/reorder", buyer)
    assert cart["count"] == 0 and [u["reason"] for u in cart["unavailable"]] == ["unavailable"]
    cart = api.post(f"/deals/{deal_id}/reorder", buyer)
    line = cart["vendors"][0]["lines"][0]
    assert (line["sku"], line["quantity"], line["unit_price"], cart["unavailable"]) == ("BOLT-M8", 1000, "1600", [])
    api.post(f"/deals/{deal_id}/reorder", world.other_buyer, expect=404)


def test_reorder_from_an_rfq_deal_reports_its_lines_as_not_from_the_catalog(api, world):
    deal = api.funded_deal(world)
    cart = api.post(f"/deals/{deal['id']}/reorder", world.buyer)
    assert cart["count"] == 0 and [u["reason"] for u in cart["unavailable"]] == ["not_in_catalog"]


def test_only_buyer_members_have_carts(api, world, catalog):
    api.post("/cart/items", world.vendors[0], {"product_id": catalog["bolts"]["id"], "quantity": 100}, expect=403)
    api.post("/cart/items", world.buyer, {"product_id": 10**9, "quantity": 1}, expect=404)
    api.call("DELETE", f"/cart/items/{catalog['bolts']['id']}", world.buyer, expect=404)
    assert api.post("/orders", world.buyer, {}, expect=422)["error"]["code"] == "cart_empty"
