"""GHN over HTTP against its emulator (tests/ghn_server.py): rates, bookings with a deterministic client_order_code
(a retry after a timeout books one GHN order, not two), cancel, and tracking webhooks authenticated by a shared
token, stored once, processed by a real RQ worker on real PostgreSQL and Redis; a delivered event is carrier proof
of delivery and starts the deal's inspection window once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.jobs import sweep
from marketplace.shipping.carriers import all_carriers
from tests.factories import assert_ledger_sound
from tests.ghn_server import SHOP_ID, TOKEN, GhnTestServer

HOOK_TOKEN = "ghn-hook-secret"
GHN_KEYS = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_BASE", "GHN_TIMEOUT_SECONDS", "GHN_WEBHOOK_TOKEN")


@pytest.fixture(scope="session")
def _ghn_peer():
    server = GhnTestServer()
    yield server
    server.close()


@pytest.fixture
def ghn(app, _ghn_peer):
    """The app configured for GHN against the emulator (fresh emulator state per test)."""
    _ghn_peer.reset()
    saved = {k: app.config.get(k) for k in GHN_KEYS}
    app.config.update(GHN_TOKEN=TOKEN, GHN_SHOP_ID=SHOP_ID, GHN_API_BASE=_ghn_peer.url, GHN_TIMEOUT_SECONDS=1,
                      GHN_WEBHOOK_TOKEN=HOOK_TOKEN)
    yield _ghn_peer
    app.config.update(saved)


def _deliver(api, raw: bytes, token: str | None = HOOK_TOKEN):
    query = f"?token={token}" if token is not None else ""
    return api.client.post(f"/api/v1/webhooks/carriers/ghn{query}", data=raw,
                           headers={"Content-Type": "application/json"})


def _stored(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM carrier_webhook_events")).scalar_one()


def _ledger_transfers(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM ledger_transfers")).scalar_one()


def _book(api, world, deal, expect=201):
    return api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "ghn", "note": "fragile"},
                    expect=expect)


def test_ghn_is_offered_only_with_its_credentials(app, api, world):
    assert "ghn" in all_carriers() and not all_carriers()["ghn"].enabled(app.config)
    deal = api.funded_deal(world)
    body = _book(api, world, deal, expect=422)
    assert list(body["error"]["fields"]) == ["carrier"]


def test_ghn_quotes_its_fee(api, world, ghn):
    body = api.post("/shipping/rates", world.buyer, {"origin": "VN-HN", "destination": "VN-SG", "parcels": [
        {"weight_grams": 1200, "length_cm": 10, "width_cm": 10, "height_cm": 10}]})
    quote = next(r for r in body["rates"] if r["carrier"] == "ghn")
    assert int(quote["amount"]) == 15_000 + 2 * 5_000 + 10_000 and quote["estimate"] is False
    assert [(c["code"], int(c["amount"])) for c in quote["breakdown"]] == [("parcel", 35_000)]
    assert ("/shipping-order/fee", {"service_type_id": 2, "from_province": "VN-HN", "to_province": "VN-SG",
                                    "weight": 1200}) in ghn.state.calls


def test_a_ghn_shipment_tracked_by_repeated_out_of_order_webhooks_delivers_the_deal_once(api, world, ghn, run_jobs,
                                                                                          db):
    deal = api.funded_deal(world)
    transfers = _ledger_transfers(db)
    shipment = _book(api, world, deal)
    order = ghn.state.orders[shipment["tracking_number"]]
    assert order["client_order_code"] == f"MKT-D{deal['id']}-S1" and shipment["status"] == "pre_transit"
    # the vendor cannot report a carrier's tracking by hand
    api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": "delivered"}, expect=409)
    now = utcnow()
    code = shipment["tracking_number"]
    picked = ghn.webhook(code, "picked", now - timedelta(hours=5))
    transporting = ghn.webhook(code, "transporting", now - timedelta(hours=3))
    delivering = ghn.webhook(code, "delivering", now - timedelta(hours=1))
    delivered = ghn.webhook(code, "delivered", now - timedelta(minutes=10))
    # out of order (delivered before the older events), every delivery sent twice (GHN resends on a timeout)
    receipts = [_deliver(api, raw) for raw in (picked, delivered, delivered, transporting, delivering, picked,
                                               delivering)]
    assert [r.status_code for r in receipts] == [200] * 7
    assert [r.get_json()["duplicate"] for r in receipts] == [False, False, True, False, False, True, True]
    assert _stored(db) == 4
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered" and after["delivered_at"]
    assert sorted(e["raw_code"] for e in after["events"] if e["raw_code"]) == [
        "delivered", "delivering", "picked", "transporting"]
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


def test_a_forged_ghn_webhook_is_refused_and_nothing_is_stored(api, world, ghn, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    raw = ghn.webhook(shipment["tracking_number"], "delivered")
    for token in (None, "guessed", HOOK_TOKEN + "x"):
        resp = _deliver(api, raw, token)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    header = api.client.post("/api/v1/webhooks/carriers/ghn", data=raw, headers={"Token": "guessed"})
    assert header.status_code == 403
    assert _stored(db) == 0
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "pre_transit"
    # the token may come in GHN's ``Token`` header too
    assert api.client.post("/api/v1/webhooks/carriers/ghn", data=raw, headers={"Token": HOOK_TOKEN}).status_code == 200
    # another carrier's path, or GHN while it is not configured, is not a webhook here
    assert _deliver(api, raw).status_code == 200
    assert api.client.post(f"/api/v1/webhooks/carriers/ghtk?token={HOOK_TOKEN}", data=raw).status_code == 404


def test_a_malformed_ghn_body_is_refused(api, ghn, db):
    for raw in (b"not json", b"[]", b'{"OrderCode": "GHN1", "Status": "picked"}'):
        assert _deliver(api, raw).status_code == 422
    assert _stored(db) == 0


def test_an_unknown_ghn_status_is_an_exception_with_its_raw_code(api, world, ghn, run_jobs, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    _deliver(api, ghn.webhook(shipment["tracking_number"], "teleported", Reason="new GHN code"))
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "exception" and after["raw_status"] == "teleported"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_an_event_for_an_order_that_is_not_ours_is_ignored(api, ghn, run_jobs, db):
    assert _deliver(api, ghn.webhook("GHN999999", "delivered")).status_code == 200
    run_jobs()
    status = db.session.execute(sa.text("SELECT status FROM carrier_webhook_events")).scalar_one()
    assert status == "ignored"


def _shipments(db, deal_id: int) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM shipments WHERE deal_id = :id"),
                              {"id": deal_id}).scalar_one()


def test_a_ghn_timeout_while_booking_leaves_nothing_and_a_retry_by_hand_books_one_order(api, world, ghn, run_jobs,
                                                                                         db):
    deal = api.funded_deal(world)
    ghn.fail("/shipping-order/create", "timeout", delay=2.5)
    body = _book(api, world, deal, expect=202)  # queued for one more try in the background
    assert body["queued"] is True and body["reference"] == f"MKT-D{deal['id']}-S1"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert _shipments(db, deal["id"]) == 0
    assert len(ghn.state.orders) == 1  # GHN did create it before our client gave up
    # the vendor tries again before the outbox does: the same client_order_code, GHN's first order is taken up
    shipment = _book(api, world, deal)
    assert len(ghn.state.orders) == 1
    assert shipment["tracking_number"] == next(iter(ghn.state.orders))
    # the outbox's try finds the booking stored: still one order, one shipment
    run_jobs()
    creates = [body["client_order_code"] for path, body in ghn.state.calls if path == "/shipping-order/create"]
    assert creates == [f"MKT-D{deal['id']}-S1"] * 3
    assert len(ghn.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_a_ghn_5xx_while_booking_is_retried_in_the_background(api, world, ghn, run_jobs, db):
    deal = api.funded_deal(world)
    ghn.fail("/shipping-order/create", "500")
    assert _book(api, world, deal, expect=202)["queued"] is True
    assert ghn.state.orders == {} and _shipments(db, deal["id"]) == 0
    run_jobs()
    assert len(ghn.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_a_ghn_order_can_be_cancelled_before_pickup(app, api, world, ghn):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    with app.test_request_context():
        all_carriers()["ghn"].cancel(shipment["tracking_number"], app.config)
    assert ghn.state.orders[shipment["tracking_number"]]["status"] == "cancel"


def test_a_ghn_outage_leaves_the_other_carriers_quoting(api, world, ghn):
    ghn.fail("/shipping-order/fee", "500")
    body = api.post("/shipping/rates", world.buyer, {"origin": "VN-HN", "destination": "VN-SG", "parcels": [
        {"weight_grams": 1200, "length_cm": 10, "width_cm": 10, "height_cm": 10}]})
    assert [r["carrier"] for r in body["rates"]] == ["manual"]
