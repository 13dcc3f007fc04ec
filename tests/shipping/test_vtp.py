"""Viettel Post over HTTP against its emulator (tests/vtp_server.py): login tokens (renewed once when expired),
prices, bookings under our reference as VTP's ORDER_NUMBER (a retry after a timeout takes up the first VTP order),
cancel, order lookup, and tracking webhooks authenticated by the TOKEN in their body, stored once, processed by a
real RQ worker on real PostgreSQL and Redis; a delivered event starts the deal's inspection window once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.actors import Actor, ActorRole
from marketplace.database import utcnow
from marketplace.jobs import sweep
from marketplace.shipping.carriers import all_carriers
from marketplace.shipping.carriers.http import CarrierRefusedError, CarrierUnavailableError
from marketplace.shipping.services import cancel_shipment
from tests.factories import assert_ledger_sound
from tests.vtp_server import PASSWORD, USERNAME, VtpTestServer, vtp_time

HOOK_TOKEN = "vtp-hook-secret"
VTP_KEYS = ("VTP_USERNAME", "VTP_PASSWORD", "VTP_API_BASE", "VTP_TIMEOUT_SECONDS", "VTP_WEBHOOK_TOKEN")
PARCEL = {"origin": "VN-HN", "destination": "VN-SG",
          "parcels": [{"weight_grams": 1200, "length_cm": 10, "width_cm": 10, "height_cm": 10}]}


@pytest.fixture(scope="session")
def _vtp_peer():
    server = VtpTestServer(webhook_token=HOOK_TOKEN)
    yield server
    server.close()


@pytest.fixture
def vtp(app, _vtp_peer):
    """The app configured for Viettel Post against the emulator (fresh emulator state, and no live token, per
    test: the adapter's cached token is refused once and renewed)."""
    _vtp_peer.reset()
    saved = {k: app.config.get(k) for k in VTP_KEYS}
    app.config.update(VTP_USERNAME=USERNAME, VTP_PASSWORD=PASSWORD, VTP_API_BASE=_vtp_peer.url,
                      VTP_TIMEOUT_SECONDS=1, VTP_WEBHOOK_TOKEN=HOOK_TOKEN)
    yield _vtp_peer
    app.config.update(saved)


def _deliver(api, raw: bytes):
    return api.client.post("/api/v1/webhooks/carriers/vtp", data=raw, headers={"Content-Type": "application/json"})


def _stored(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM carrier_webhook_events")).scalar_one()


def _shipments(db, deal_id: int) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM shipments WHERE deal_id = :id"),
                              {"id": deal_id}).scalar_one()


def _book(api, world, deal, expect=201):
    return api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "vtp", "note": "fragile"},
                    expect=expect)


def _calls(vtp, path: str) -> list[dict]:
    return [body for called, body in vtp.state.calls if called == path]


def test_vtp_is_offered_only_with_its_credentials(app, api, world):
    assert "vtp" in all_carriers() and not all_carriers()["vtp"].enabled(app.config)
    deal = api.funded_deal(world)
    body = _book(api, world, deal, expect=422)
    assert list(body["error"]["fields"]) == ["carrier"]
    assert api.client.post("/api/v1/webhooks/carriers/vtp", data=b"{}").status_code == 404


def test_vtp_quotes_its_price(api, world, vtp):
    body = api.post("/shipping/rates", world.buyer, PARCEL)
    quote = next(r for r in body["rates"] if r["carrier"] == "vtp")
    fee = 16_500 + 2 * 5_500 + 11_000  # emulator: 1200 g in 500 g steps, another province
    assert int(quote["amount"]) == fee + fee // 10 and quote["estimate"] is False and quote["transit_days"] == 2
    assert [(c["code"], int(c["amount"])) for c in quote["breakdown"]] == [("parcel", fee + fee // 10)]
    [sent] = _calls(vtp, "/v2/order/getPrice")
    assert sent["PRODUCT_WEIGHT"] == 1200 and sent["ORDER_SERVICE"] == "VCN"
    # pallets are not Viettel Post's parcel trade
    pallets = api.post("/shipping/rates", world.buyer, {**PARCEL, "pallets": 1})
    assert "vtp" not in [r["carrier"] for r in pallets["rates"]]


def test_a_vtp_shipment_tracked_by_repeated_out_of_order_webhooks_delivers_the_deal_once(api, world, vtp, run_jobs,
                                                                                          db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    order = vtp.state.orders[shipment["tracking_number"]]
    assert order["ORDER_REFERENCE"] == f"MKT-D{deal['id']}-S1" == shipment["reference"]
    assert order["request"]["ORDER_NUMBER"] == shipment["reference"] and shipment["status"] == "pre_transit"
    now = utcnow().replace(microsecond=0)
    code = shipment["tracking_number"]
    picked = vtp.webhook(code, -108, now - timedelta(hours=5))
    in_transit = vtp.webhook(code, 200, now - timedelta(hours=3))
    delivering = vtp.webhook(code, 500, now - timedelta(hours=1))
    delivered = vtp.webhook(code, 501, now - timedelta(minutes=10), STATUS_NAME="Phát thành công",
                            NOTE="Người nhận: Kho A")
    receipts = [_deliver(api, raw) for raw in (picked, delivered, delivered, in_transit, delivering, picked,
                                               delivering)]
    assert [r.status_code for r in receipts] == [200] * 7
    assert [r.get_json()["duplicate"] for r in receipts] == [False, False, True, False, False, True, True]
    assert _stored(db) == 4
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered" and after["delivered_at"]
    events = {e["raw_code"]: e for e in after["events"] if e["raw_code"]}
    assert sorted(events) == ["-108", "200", "500", "501"]
    # VTP's "dd/mm/yyyy HH:MM:SS" Vietnam time is read as UTC+7
    assert datetime.fromisoformat(events["501"]["occurred_at"]) == now - timedelta(minutes=10)
    assert events["501"]["description"] == "Phát thành công - Người nhận: Kho A"
    assert events["501"]["location"] == "Bưu cục Cầu Giấy, Hà Nội"
    assert _deliver(api, delivered).get_json()["duplicate"] is True
    run_jobs()
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "delivered" and dealt["delivered_at"]
    names = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert names.count("confirm_delivery") == 1
    inspections = db.session.execute(sa.text("SELECT count(*) FROM deadlines WHERE subject_id = :id AND "
                                             "subject_type = 'deal' AND kind LIKE '%inspect%'"),
                                     {"id": deal["id"]}).scalar_one()
    assert inspections == 1
    assert_ledger_sound(db)


def test_a_forged_vtp_webhook_is_refused_and_nothing_is_stored(api, world, vtp, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    code = shipment["tracking_number"]
    forged = [vtp.webhook(code, 501, token=token) for token in ("", "guessed", HOOK_TOKEN + "x", HOOK_TOKEN[:-1])]
    no_token = json.dumps({"DATA": json.loads(forged[0])["DATA"]}).encode()
    wrong_type = json.dumps({"DATA": json.loads(forged[0])["DATA"], "TOKEN": 12345}).encode()
    for raw in (*forged, no_token, wrong_type, b"not json", b"[]"):
        resp = _deliver(api, raw)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    # the TOKEN belongs in the body; a query token or header does not authenticate VTP
    assert api.client.post(f"/api/v1/webhooks/carriers/vtp?token={HOOK_TOKEN}", data=forged[1],
                           headers={"Token": HOOK_TOKEN}).status_code == 403
    assert _stored(db) == 0
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "pre_transit"
    assert _deliver(api, vtp.webhook(code, 501)).status_code == 200
    assert _stored(db) == 1


def test_a_malformed_vtp_body_is_refused(api, vtp, db):
    good = {"ORDER_NUMBER": "100000000001", "ORDER_STATUS": 501, "ORDER_STATUSDATE": "29/11/2026 09:15:00"}
    bodies = [{"TOKEN": HOOK_TOKEN}, {"TOKEN": HOOK_TOKEN, "DATA": "501"}, {"TOKEN": HOOK_TOKEN, "DATA": []}]
    for missing in good:
        bodies.append({"TOKEN": HOOK_TOKEN, "DATA": {k: v for k, v in good.items() if k != missing}})
    for field, bad in (("ORDER_STATUS", "delivered"), ("ORDER_STATUS", True), ("ORDER_STATUS", 501.5),
                       ("ORDER_NUMBER", 100000000001), ("ORDER_STATUSDATE", "2026-11-29T09:15:00+07:00"),
                       ("ORDER_STATUSDATE", "31/02/2026 09:15:00")):
        bodies.append({"TOKEN": HOOK_TOKEN, "DATA": {**good, field: bad}})
    for body in bodies:
        resp = _deliver(api, json.dumps(body).encode())
        assert resp.status_code == 422, body
        assert resp.get_json()["error"]["code"] == "invalid"
    assert _stored(db) == 0
    # the status as a numeric string is what some VTP integrations see; it is accepted
    assert _deliver(api, json.dumps({"TOKEN": HOOK_TOKEN, "DATA": {**good, "ORDER_STATUS": "501"}}).encode()
                    ).status_code == 200


def test_an_unknown_vtp_status_is_an_exception_with_its_raw_code(api, world, vtp, run_jobs):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    _deliver(api, vtp.webhook(shipment["tracking_number"], 999, STATUS_NAME="Mã mới của VTP"))
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "exception" and after["raw_status"] == "999"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_an_event_for_an_order_that_is_not_ours_is_ignored(api, vtp, run_jobs, db):
    assert _deliver(api, vtp.webhook("199999999999", 501)).status_code == 200
    run_jobs()
    assert db.session.execute(sa.text("SELECT status FROM carrier_webhook_events")).scalar_one() == "ignored"


def test_an_expired_vtp_token_is_renewed_once(api, world, vtp):
    api.post("/shipping/rates", world.buyer, PARCEL)
    assert vtp.state.logins == 1
    api.post("/shipping/rates", world.buyer, PARCEL)
    assert vtp.state.logins == 1  # the token is kept between calls
    vtp.expire_tokens()
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    assert vtp.state.logins == 2 and shipment["tracking_number"] in vtp.state.orders
    assert len(_calls(vtp, "/v2/order/createOrder")) == 1
    # a token refused right after it was issued is not renewed in a loop: one more login, then a clear refusal
    vtp.state.token_ttl = 0
    vtp.expire_tokens()
    other = api.funded_deal(world)
    body = _book(api, world, other, expect=422)
    assert body["error"]["code"] == "carrier_refused"
    assert vtp.state.logins == 3 and len(vtp.state.orders) == 1


def test_wrong_vtp_credentials_are_a_clear_refusal(app, api, world, vtp, db):
    app.config["VTP_PASSWORD"] = "wrong"
    vtp.expire_tokens()
    assert "vtp" not in [r["carrier"] for r in api.post("/shipping/rates", world.buyer, PARCEL)["rates"]]
    deal = api.funded_deal(world)
    body = _book(api, world, deal, expect=422)
    assert body["error"]["code"] == "carrier_refused"
    assert _shipments(db, deal["id"]) == 0 and vtp.state.orders == {}


def _queued(api, world, deal):
    """Book with VTP expecting the answer of a carrier that did not answer: 202, queued for one retry."""
    resp = api.client.post(f"/api/v1/deals/{deal['id']}/shipments", json={"carrier": "vtp"},
                           headers=world.vendors[0].headers)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["queued"] is True and resp.get_json()["reference"] == f"MKT-D{deal['id']}-S1"
    return resp.get_json()


def _outbox(db) -> tuple:
    return tuple(db.session.execute(sa.text("SELECT status, attempts FROM outbox_commands WHERE kind = "
                                            "'deals.book_shipment'")).one())


def test_a_vtp_timeout_while_booking_leaves_nothing_and_the_outbox_retry_takes_up_the_one_order(api, world, vtp,
                                                                                                run_jobs, db):
    deal = api.funded_deal(world)
    reference = f"MKT-D{deal['id']}-S1"
    vtp.fail("/v2/order/createOrder", "timeout", delay=2.5)
    _queued(api, world, deal)
    # nothing half-booked here: no shipment, the deal still funded; VTP did make the order before our client gave up
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert _shipments(db, deal["id"]) == 0 and len(vtp.state.orders) == 1
    run_jobs()  # the outbox sends the same ORDER_NUMBER: VTP refuses a second order, the first one is taken up
    assert len(vtp.state.orders) == 1
    assert [b["ORDER_NUMBER"] for b in _calls(vtp, "/v2/order/createOrder")] == [reference] * 2
    assert _calls(vtp, "/v2/order/getOrderStatusByOrderNumber") == [{"ORDER_REFERENCE": reference}]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    shipments = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"]
    assert [(s["tracking_number"], s["reference"]) for s in shipments] == [(next(iter(vtp.state.orders)), reference)]
    assert _outbox(db) == ("done", 1)


def test_the_vendors_own_retry_after_a_vtp_timeout_makes_one_order_too(api, world, vtp, run_jobs, db):
    deal = api.funded_deal(world)
    vtp.fail("/v2/order/createOrder", "timeout", delay=2.5)
    _queued(api, world, deal)
    shipment = _book(api, world, deal)  # the vendor tries again before the outbox did
    assert len(vtp.state.orders) == 1 and shipment["tracking_number"] == next(iter(vtp.state.orders))
    run_jobs()  # the outbox's retry finds the same VTP order and the shipment already stored
    assert len(vtp.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert _outbox(db) == ("done", 1)


def test_a_vtp_5xx_while_booking_books_nothing_until_the_retry(app, api, world, vtp, run_jobs, db):
    deal = api.funded_deal(world)
    vtp.fail("/v2/order/createOrder", "500")
    _queued(api, world, deal)
    assert vtp.state.orders == {} and _shipments(db, deal["id"]) == 0
    run_jobs()
    assert len(vtp.state.orders) == 1 and _shipments(db, deal["id"]) == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    # the 5xx reaches a direct caller of the adapter as "unavailable"
    vtp.fail("/v2/order/getOrderStatusByOrderNumber", "500")
    with pytest.raises(CarrierUnavailableError):
        all_carriers()["vtp"].track(next(iter(vtp.state.orders)), app.config)


def test_vtp_shipments_are_polled_when_no_webhook_token_is_set(app, api, world, vtp, run_jobs, db):
    app.config["VTP_WEBHOOK_TOKEN"] = None
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    assert _deliver(api, vtp.webhook(shipment["tracking_number"], 501)).status_code == 404  # no push here
    at = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    vtp.set_status(shipment["tracking_number"], 501, at, STATUS_NAME="Phát thành công")
    assert sweep(utcnow() + timedelta(hours=1))["poll_due_shipments"] == 1
    run_jobs()
    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered" and after["raw_status"] == "501"
    assert datetime.fromisoformat(after["delivered_at"]) == at
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    # delivered is terminal: nothing is asked any more
    assert sweep(utcnow() + timedelta(days=1))["poll_due_shipments"] == 0


def test_a_vtp_order_can_be_cancelled_before_pickup_only(app, api, world, vtp, db):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    with app.test_request_context():
        cancel_shipment(Actor(ActorRole.VENDOR, org_id=shipment["vendor_id"]), shipment["id"])
        db.session.commit()
    order = vtp.state.orders[shipment["tracking_number"]]
    assert order["ORDER_STATUS"] == 107
    assert _calls(vtp, "/v2/order/UpdateOrder") == [{"TYPE": 4, "ORDER_NUMBER": shipment["tracking_number"],
                                                      "NOTE": "cancelled by the vendor"}]
    assert api.get(f"/shipments/{shipment['id']}", world.buyer)["status"] == "cancelled"
    # VTP refuses once it has the goods
    order["ORDER_STATUS"] = -108
    with app.test_request_context(), pytest.raises(CarrierRefusedError) as refused:
        all_carriers()["vtp"].cancel(shipment["tracking_number"], app.config)
    assert refused.value.details["carrier_message"] == "Đơn hàng đã lấy, không thể hủy"


def test_vtp_track_returns_the_current_status(app, api, world, vtp):
    deal = api.funded_deal(world)
    shipment = _book(api, world, deal)
    code = shipment["tracking_number"]
    at = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
    pushed = json.loads(vtp.webhook(code, 508, at, STATUS_NAME="Đang phát", NOTE="Gọi trước"))["DATA"]
    assert pushed["ORDER_STATUSDATE"] == "29/11/2026 09:30:00" == vtp_time(at)
    carrier = all_carriers()["vtp"]
    [event] = carrier.track(code, app.config)
    assert (event.tracking_number, event.raw_status, event.occurred_at) == (code, "508", at)
    assert event.description == "Đang phát - Gọi trước" and event.location == "Bưu cục Cầu Giấy, Hà Nội"
    assert carrier.normalise(event.raw_status) == "out_for_delivery"
    # a poll and a push of the same status share their dedupe key (stored once)
    assert event.dedupe_key == f"{code}:508:29/11/2026 09:30:00"
    with pytest.raises(CarrierRefusedError):
        carrier.track("199999999999", app.config)
    vtp.fail("/v2/order/getOrderStatusByOrderNumber", "500")
    with pytest.raises(CarrierUnavailableError):
        carrier.track(code, app.config)


def test_a_vtp_outage_leaves_the_other_carriers_quoting(api, world, vtp):
    vtp.fail("/v2/order/getPrice", "500")
    assert [r["carrier"] for r in api.post("/shipping/rates", world.buyer, PARCEL)["rates"]] == ["manual"]
    vtp.fail("/v2/order/getPrice", "timeout", delay=1.5)
    assert [r["carrier"] for r in api.post("/shipping/rates", world.buyer, PARCEL)["rates"]] == ["manual"]
