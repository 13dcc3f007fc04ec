"""GHTK over HTTP against its emulator (tests/ghtk_server.py): rates, bookings whose GHTK order id is our
deterministic reference (a retry after a timeout takes up the first GHTK order, never a second), cancel, polling,
and form-encoded tracking webhooks authenticated by the ``hash`` of the callback URL, stored once, processed by a
real RQ worker on real PostgreSQL and Redis; a delivered event is carrier proof of delivery and starts the deal's
inspection window once."""

from __future__ import annotations

import io
import urllib.parse
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from marketplace.database import utcnow
from marketplace.jobs import sweep
from marketplace.shipping.carriers import all_carriers
from marketplace.shipping.carriers.base import WebhookDelivery
from marketplace.shipping.carriers.http import (
    CarrierRefusedError,
    CarrierUnavailableError,
)
from marketplace.shipping.models import Shipment
from tests.factories import assert_ledger_sound
from tests.ghtk_server import CLIENT_SOURCE, TOKEN, GhtkTestServer

HOOK_HASH = "ghtk-hook-secret"
GHTK_KEYS = ("GHTK_TOKEN", "GHTK_API_BASE", "GHTK_CLIENT_SOURCE", "GHTK_TIMEOUT_SECONDS", "GHTK_WEBHOOK_HASH")
FORM = "application/x-www-form-urlencoded"
PARCEL = {"weight_grams": 1200, "length_cm": 10, "width_cm": 10, "height_cm": 10}


@pytest.fixture(scope="session")
def _ghtk_peer():
    server = GhtkTestServer()
    yield server
    server.close()


@pytest.fixture
def ghtk(app, _ghtk_peer):
    """The app configured for GHTK against the emulator (fresh emulator state per test)."""
    _ghtk_peer.reset()
    saved = {k: app.config.get(k) for k in GHTK_KEYS}
    app.config.update(GHTK_TOKEN=TOKEN, GHTK_API_BASE=_ghtk_peer.url, GHTK_CLIENT_SOURCE=CLIENT_SOURCE,
                      GHTK_TIMEOUT_SECONDS=1, GHTK_WEBHOOK_HASH=HOOK_HASH)
    yield _ghtk_peer
    app.config.update(saved)


def _deliver(api, raw: bytes, hash_: str | None = HOOK_HASH, content_type: str = FORM):
    query = f"?hash={urllib.parse.quote(hash_)}" if hash_ is not None else ""
    return api.client.post(f"/api/v1/webhooks/carriers/ghtk{query}", data=raw, headers={"Content-Type": content_type})


def _stored(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM carrier_webhook_events")).scalar_one()


def _shipments(db, deal_id: int) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM shipments WHERE deal_id = :id"),
                              {"id": deal_id}).scalar_one()


def _ledger_transfers(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM ledger_transfers")).scalar_one()


def _book(api, world, deal, expect=201):
    return api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "ghtk", "note": "hàng dễ vỡ"},
                    expect=expect)


def _rates(api, world, destination="VN-SG", **extra):
    return api.post("/shipping/rates", world.buyer, {"origin": "VN-HN", "destination": destination,
                                                     "parcels": [PARCEL], **extra})["rates"]


def test_ghtk_is_offered_only_with_its_credentials(app, api, world):
    assert "ghtk" in all_carriers() and not all_carriers()["ghtk"].enabled(app.config)
    deal = api.funded_deal(world)
    body = _book(api, world, deal, expect=422)
    assert list(body["error"]["fields"]) == ["carrier"]
    assert [r["carrier"] for r in _rates(api, world)] == ["manual"]


def test_ghtk_quotes_its_fee(api, world, ghtk):
    quote = next(r for r in _rates(api, world) if r["carrier"] == "ghtk")
    assert int(quote["amount"]) == 22_000 + 2 * 2_500 + 8_000 and quote["estimate"] is False
    assert [(c["code"], int(c["amount"])) for c in quote["breakdown"]] == [("parcel", 35_000)]
    assert quote["currency"] == "VND" and quote["transit_days"] > 0 and quote["eta"]
    method, _path, body, headers = next(c for c in ghtk.state.calls if c[1] == "/fee")
    assert (method, body["pick_province"], body["province"], body["weight"]) == ("POST", "VN-HN", "VN-SG", 1200)
    assert headers == {"Token": TOKEN, "X-Client-Source": CLIENT_SOURCE}


def test_ghtk_quotes_nothing_for_pallets_other_currencies_or_where_it_does_not_deliver(api, world, ghtk):
    assert "ghtk" not in {r["carrier"] for r in _rates(api, world, pallets=2, parcels=[])}
    assert "ghtk" not in {r["carrier"] for r in _rates(api, world, currency="USD")}
    ghtk.state.unserved.add("VN-SG")
    assert "ghtk" not in {r["carrier"] for r in _rates(api, world)}
    assert [c[1] for c in ghtk.state.calls] == ["/fee"]  # pallets and USD never reached GHTK


def test_a_ghtk_outage_or_refusal_leaves_the_other_carriers_quoting(api, world, ghtk):
    ghtk.fail("/fee", "500")
    assert [r["carrier"] for r in _rates(api, world)] == ["manual"]
    ghtk.fail("/fee", "refuse")  # HTTP 200 with success: false is a refusal too
    assert [r["carrier"] for r in _rates(api, world)] == ["manual"]
    assert "ghtk" in {r["carrier"] for r in _rates(api, world)}


def test_a_ghtk_shipment_tracked_by_repeated_out_of_order_webhooks_delivers_the_deal_once(api, world, ghtk,
                                                                                           run_jobs, db):
    deal = api.funded_deal(world)
    transfers = _ledger_transfers(db)
    shipment = _book(api, world, deal)
    label = shipment["tracking_number"]
    order = ghtk.state.orders[label]
    sent = order["request"]
    assert sent["order"]["id"] == f"MKT-D{deal['id']}-S1" and shipment["status"] == "pre_transit"
    assert sent["order"]["pick_money"] == 0 and sent["order"]["note"] == "hàng dễ vỡ"
    # the products are the deal's lines this shipment carries (everything, by default)
    assert [(p["name"], p["quantity"], p["product_code"]) for p in sent["products"]] == [
        (line["description"], line["quantity"], str(line["id"])) for line in deal["lines"]]
    # the vendor cannot report a carrier's tracking by hand
    api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": "delivered"}, expect=409)
    now = utcnow().replace(microsecond=0)
    picked = ghtk.webhook(label, 3, now - timedelta(hours=5))
    delivering = ghtk.webhook(label, 4, now - timedelta(hours=1))
    delivered = ghtk.webhook(label, 5, now - timedelta(minutes=10))
    reconciled = ghtk.webhook(label, 6, now - timedelta(minutes=5))
    # out of order (delivered before the older events), deliveries repeated (GHTK resends on a non-200)
    receipts = [_deliver(api, raw) for raw in (picked, delivered, delivered, delivering, picked, reconciled,
                                               delivering)]
    assert [r.status_code for r in receipts] == [200] * 7
    assert [r.get_json()["duplicate"] for r in receipts] == [False, False, True, False, True, False, True]
    assert _stored(db) == 4
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered" and after["raw_status"] == "5" and after["delivered_at"]
    assert sorted(e["raw_code"] for e in after["events"] if e["raw_code"]) == ["3", "4", "5", "6"]
    # a resend after processing changes nothing either
    assert _deliver(api, delivered).get_json()["duplicate"] is True
    run_jobs()
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "delivered" and dealt["delivered_at"]
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("confirm_delivery") == 1
    inspections = db.session.execute(sa.text("SELECT count(*) FROM deadlines WHERE subject_id = :id AND "
                                             "subject_type = 'deal' AND kind LIKE '%inspect%'"),
                                     {"id": deal["id"]}).scalar_one()
    assert inspections == 1
    assert _ledger_transfers(db) == transfers  # tracking moves no money
    assert_ledger_sound(db)
    # the inspection window runs: its lapse is acceptance
    assert sweep(utcnow() + timedelta(days=7, minutes=1))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    assert_ledger_sound(db)


def test_each_partial_ghtk_shipment_is_its_own_order_with_its_quantities(api, world, ghtk):
    deal = api.funded_deal(world)
    line = deal["lines"][0]
    first = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0],
                     {"carrier": "ghtk", "lines": [{"deal_line_id": line["id"], "quantity": 400}]}, expect=201)
    rest = _book(api, world, deal)  # the rest of what is left to ship
    orders = [ghtk.state.orders[s["tracking_number"]]["request"] for s in (first, rest)]
    assert [o["order"]["id"] for o in orders] == [f"MKT-D{deal['id']}-S1", f"MKT-D{deal['id']}-S2"]
    assert [[(p["product_code"], p["quantity"]) for p in o["products"]] for o in orders] == [
        [(str(line["id"]), 400)], [(str(line["id"]), line["quantity"] - 400)]]


def test_a_forged_ghtk_webhook_is_refused_and_nothing_is_stored(api, world, ghtk, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    raw = ghtk.webhook(shipment["tracking_number"], 5)
    for hash_ in (None, "", "guessed", HOOK_HASH + "x", HOOK_HASH[:-1]):
        resp = _deliver(api, raw, hash_)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    # GHN's ways of carrying its secret are not GHTK's
    assert api.client.post(f"/api/v1/webhooks/carriers/ghtk?token={HOOK_HASH}", data=raw,
                           headers={"Content-Type": FORM, "Token": HOOK_HASH}).status_code == 403
    assert _stored(db) == 0
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "pre_transit"
    assert _deliver(api, raw).status_code == 200
    assert _stored(db) == 1


def test_ghtk_webhooks_are_not_taken_while_ghtk_pushes_nowhere(app, api, ghtk, db):
    raw = ghtk.webhook("S1.A1.1", 5)
    app.config["GHTK_WEBHOOK_HASH"] = None  # no callback URL registered: GHTK's shipments are polled
    assert _deliver(api, raw).status_code == 404
    assert _stored(db) == 0


def test_a_malformed_ghtk_body_is_refused(api, ghtk, db):
    at = "2026-11-29T10:00:00+07:00"
    for raw, content_type in (
            (b"", FORM),
            (b"not a form", FORM),
            (b"\xff\xfe", FORM),
            (b"label_id=S1.A1.1&status_id=5", FORM),  # no action_time
            (f"status_id=5&action_time={at}".encode(), FORM),  # no label_id
            (f"label_id=S1.A1.1&status_id=delivered&action_time={at}".encode(), FORM),
            (b"label_id=S1.A1.1&status_id=5&action_time=yesterday", FORM),
            (b"[]", "application/json"),
            (b"{not json", "application/json")):
        resp = _deliver(api, raw, content_type=content_type)
        assert resp.status_code == 422, raw
        assert resp.get_json()["error"]["code"] == "invalid"
    assert _stored(db) == 0


def test_an_unknown_ghtk_status_is_an_exception_with_its_raw_code(api, world, ghtk, run_jobs, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    assert _deliver(api, ghtk.webhook(shipment["tracking_number"], 999, reason="Mã trạng thái mới")).status_code == 200
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "exception" and after["raw_status"] == "999"
    assert any(e["raw_code"] == "999" and e["description"] == "Mã trạng thái mới" for e in after["events"])
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_a_partial_delivery_is_noted_on_its_event(api, world, ghtk, run_jobs):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    _deliver(api, ghtk.webhook(shipment["tracking_number"], 5, reason="Khách nhận một phần", return_part_package=1))
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered"
    assert any(e["raw_code"] == "5" and "partial delivery" in e["description"] for e in after["events"])


def test_an_event_for_an_order_that_is_not_ours_is_ignored(api, ghtk, run_jobs, db):
    assert _deliver(api, ghtk.webhook("S1.A1.999999", 5)).status_code == 200
    run_jobs()
    assert db.session.execute(sa.text("SELECT status FROM carrier_webhook_events")).scalar_one() == "ignored"


def _ship(api, world, deal):
    """Book with GHTK and return the raw answer (201 booked, or 202 queued for one more try)."""
    return api.client.post(f"/api/v1/deals/{deal['id']}/shipments", json={"carrier": "ghtk"},
                           headers=world.vendors[0].headers)


def _book_outbox(db) -> tuple:
    return tuple(db.session.execute(sa.text("SELECT status, attempts FROM outbox_commands WHERE kind = "
                                            "'deals.book_shipment'")).one())


def test_a_ghtk_timeout_while_booking_is_retried_once_by_the_outbox_one_order(api, world, ghtk, run_jobs, db):
    deal = api.funded_deal(world)
    reference = f"MKT-D{deal['id']}-S1"
    ghtk.fail("/order", "timeout", delay=2.5)
    resp = _ship(api, world, deal)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["queued"] is True and resp.get_json()["reference"] == reference
    # nothing half-booked here; GHTK did create the order before our client gave up
    assert _shipments(db, deal["id"]) == 0 and api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert len(ghtk.state.orders) == 1
    run_jobs()  # the outbox books again under the same order id: GHTK refuses a second, the first is taken up
    assert len(ghtk.state.orders) == 1
    assert [b["order"]["id"] for m, p, b, h in ghtk.state.calls if p == "/order"] == [reference] * 2
    assert ("GET", f"/v2/partner_id:{reference}") in [(m, p) for m, p, b, h in ghtk.state.calls]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    shipments = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"]
    assert [s["tracking_number"] for s in shipments] == list(ghtk.state.orders)
    assert _book_outbox(db) == ("done", 1)


def test_a_vendor_retry_and_the_outbox_retry_after_a_ghtk_timeout_make_one_order(api, world, ghtk, run_jobs, db):
    deal = api.funded_deal(world)
    ghtk.fail("/order", "timeout", delay=2.5)
    assert _ship(api, world, deal).status_code == 202
    # the vendor books again before the background retry ran: GHTK's first order is taken up by partner id
    shipment = _book(api, world, deal)
    assert shipment["tracking_number"] == next(iter(ghtk.state.orders))
    run_jobs()  # the background retry finds the booking stored
    assert len(ghtk.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    assert _book_outbox(db) == ("done", 1)


def test_a_ghtk_5xx_while_booking_books_nothing_until_the_retry(api, world, ghtk, run_jobs, db):
    deal = api.funded_deal(world)
    ghtk.fail("/order", "500")
    assert _ship(api, world, deal).status_code == 202
    assert ghtk.state.orders == {} and _shipments(db, deal["id"]) == 0
    run_jobs()
    assert len(ghtk.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_a_ghtk_adapter_call_that_times_out_raises_unavailable(app, api, world, ghtk):
    deal = api.funded_deal(world)
    ghtk.fail("/order", "timeout", delay=2.5)
    carrier = all_carriers()["ghtk"]
    booking = {"carrier": "ghtk", "reference": f"MKT-D{deal['id']}-S1", "items": []}
    plain = SimpleNamespace(id=deal["id"], buyer_id=deal["buyer_id"])  # the adapter takes the deal as a plain object
    with app.test_request_context(), pytest.raises(CarrierUnavailableError):
        carrier.create_shipment(plain, booking)
    with app.test_request_context():
        booked = carrier.create_shipment(plain, booking)
    assert len(ghtk.state.orders) == 1 and booked["tracking_number"] == next(iter(ghtk.state.orders))
    assert booked["details"]["partner_id"] == booking["reference"] and booked["details"]["fee"] == 30_400


def test_a_ghtk_refusal_while_booking_keeps_its_message_and_stores_nothing(api, world, ghtk, db):
    deal = api.funded_deal(world)
    ghtk.fail("/order", "refuse")
    body = _book(api, world, deal, expect=422)
    assert body["error"]["code"] == "carrier_refused"
    assert ghtk.state.orders == {} and _shipments(db, deal["id"]) == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"


def test_a_ghtk_order_can_be_cancelled_before_pickup(app, api, world, ghtk):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    cancelled = api.post(f"/shipments/{shipment['id']}/cancel", world.vendors[0])
    assert cancelled["status"] == "cancelled"
    assert ghtk.state.orders[shipment["tracking_number"]]["status"] == "-1"
    assert ("POST", f"/cancel/{shipment['tracking_number']}") in [(m, p) for m, p, b, h in ghtk.state.calls]
    # a second cancel with GHTK (our side failed after GHTK had cancelled) is done, not refused
    with app.test_request_context():
        all_carriers()["ghtk"].cancel(shipment["tracking_number"], app.config)
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "cancelled"


def test_a_ghtk_order_the_shipper_picked_up_cannot_be_cancelled(api, world, ghtk):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    ghtk.set_status(shipment["tracking_number"], "3")  # the shipper took it; our side has not heard yet
    refused = api.post(f"/shipments/{shipment['id']}/cancel", world.vendors[0], expect=422)
    assert refused["error"]["code"] == "carrier_refused"
    assert refused["error"]["details"]["carrier_message"] == "Đơn hàng đã lấy, không thể hủy"
    assert ghtk.state.orders[shipment["tracking_number"]]["status"] == "3"
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "pre_transit"


def test_ghtk_track_returns_the_current_status(app, api, world, ghtk):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    label, carrier = shipment["tracking_number"], all_carriers()["ghtk"]
    at = utcnow().replace(microsecond=0) - timedelta(hours=2)
    ghtk.set_status(label, "4", at)
    with app.test_request_context():
        events = carrier.track(label, app.config)
    assert [(e.tracking_number, e.raw_status, e.occurred_at) for e in events] == [(label, "4", at)]
    assert carrier.normalise(events[0].raw_status) == "out_for_delivery"
    # a poll that sees the change a webhook reported has the webhook's dedupe key
    webhook = carrier.parse_webhook(_delivery(ghtk.webhook(label, 4, at)))
    assert webhook[0].dedupe_key == events[0].dedupe_key
    ghtk.fail("/v2/", "500")
    with app.test_request_context(), pytest.raises(CarrierUnavailableError):
        carrier.track(label, app.config)
    with app.test_request_context(), pytest.raises(CarrierRefusedError):
        carrier.track("S1.A1.404", app.config)


def test_without_a_webhook_hash_ghtk_shipments_are_polled_to_delivered(app, api, world, ghtk, run_jobs, db):
    app.config["GHTK_WEBHOOK_HASH"] = None
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    label, n = shipment["tracking_number"], shipment["id"]
    now = utcnow().replace(microsecond=0)

    def poll() -> dict:
        db.session.expire_all()
        due = db.session.get(Shipment, n).next_poll_at
        assert due is not None
        assert sweep(due)["poll_due_shipments"] == 1
        run_jobs()  # the poll, then the processing of what it stored
        return api.get(f"/shipments/{n}", world.buyer)

    ghtk.set_status(label, "3", now - timedelta(hours=2))
    assert poll()["status"] == "picked_up"
    ghtk.set_status(label, "5", now - timedelta(minutes=5))
    after = poll()
    assert after["status"] == "delivered" and after["raw_status"] == "5"
    db.session.expire_all()
    assert db.session.get(Shipment, n).next_poll_at is None  # delivered ends the polling
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    assert [(m, p) for m, p, b, h in ghtk.state.calls if m == "GET"] == [("GET", f"/v2/{label}")] * 2


def _delivery(raw: bytes) -> WebhookDelivery:
    return WebhookDelivery(raw=raw, content_type=FORM, query={"hash": HOOK_HASH}, headers={})


def test_ghtks_own_label_is_fetched_as_a_pdf(api, world, ghtk, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    url = f"/api/v1/shipments/{shipment['id']}/documents/carrier-label"
    resp = api.client.get(url, headers=world.buyer.headers)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert shipment["tracking_number"] in PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    # GHTK down: a clear 502
    ghtk.fail("/label", "500")
    down = api.client.get(url, headers=world.vendors[0].headers)
    assert down.status_code == 502 and down.get_json()["error"]["code"] == "carrier_unavailable"
    # another organisation: 404; the built-in carrier returns no label of its own: 404
    assert api.client.get(url, headers=world.other_buyer.headers).status_code == 404
    other = api.funded_deal(world)
    manual = api.post(f"/deals/{other['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    assert api.client.get(f"/api/v1/shipments/{manual['id']}/documents/carrier-label",
                          headers=world.vendors[0].headers).status_code == 404
    # a cancelled order: GHTK refuses, and says why
    api.post(f"/shipments/{shipment['id']}/cancel", world.vendors[0])
    refused = api.client.get(url, headers=world.vendors[0].headers)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "carrier_refused"
