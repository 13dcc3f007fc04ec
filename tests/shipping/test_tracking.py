"""Shipments and tracking: statuses never move backwards, a delivery is reported up to the deal (a carrier's
confirms it, the vendor's own only asks the buyer), and another organisation never sees a shipment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from marketplace import registry
from marketplace.database import utcnow
from marketplace.jobs import sweep
from marketplace.shipping import services as shipping
from marketplace.shipping.carriers import Carrier
from marketplace.shipping.models import Shipment, ShipmentStatus


def _at(minutes_ago: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat()


def _event(api, world, shipment, status, minutes_ago=0, expect=201, **extra):
    return api.post(f"/shipments/{shipment['id']}/events", world.vendors[0],
                    {"status": status, "occurred_at": _at(minutes_ago), **extra}, expect=expect)


def _booked_hours_ago(db, shipment, hours=2) -> None:
    """The shipment was booked a while ago (events may then be dated between its booking and now)."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE shipments SET created_at = created_at - make_interval(hours => :h), "
                             "last_event_at = last_event_at - make_interval(hours => :h) WHERE id = :id"),
                     {"h": hours, "id": shipment["id"]})
        conn.execute(sa.text("UPDATE tracking_events SET occurred_at = occurred_at - make_interval(hours => :h) "
                             "WHERE shipment_id = :id"), {"h": hours, "id": shipment["id"]})
    db.session.expire_all()


class ProvingCarrier(Carrier):
    """A carrier that reports its own tracking: its ``delivered`` is proof of delivery."""

    code, name = "proving", "Carrier with its own tracking"

    def create_shipment(self, deal, data):
        return {"tracking_number": data.get("tracking_number") or f"PRV{deal.id:06d}", "details": {}}

    def normalise(self, raw_code):
        return ShipmentStatus(raw_code)


def test_a_shipment_carries_its_deal_parties(api, world):
    deal, shipment = api.shipped_deal(world, tracking_number="VN-12345")
    assert (shipment["deal_id"], shipment["buyer_id"], shipment["vendor_id"]) == (
        deal["id"], world.buyer.org_id, world.vendors[0].org_id)
    assert shipment["tracking_number"] == "VN-12345" and shipment["status"] == "pre_transit"
    assert shipment["delivered_at"] is None
    assert [e["status"] for e in shipment["events"]] == ["pre_transit"]


def test_tracking_never_moves_backwards_on_a_late_or_duplicate_event(api, world, db):
    _deal, shipment = api.shipped_deal(world)
    _booked_hours_ago(db, shipment)
    vendor, url = world.vendors[0], f"/shipments/{shipment['id']}/events"
    assert api.post(url, vendor, {"status": "picked_up"}, expect=201)["status"] == "picked_up"
    assert api.post(url, vendor, {"status": "in_transit", "location": "Đà Nẵng"}, expect=201)["status"] == "in_transit"
    # a lower-ranked event arriving late is kept in the history but does not move the status
    late = api.post(url, vendor, {"status": "picked_up", "occurred_at": _at(1)}, expect=201)
    assert late["status"] == "in_transit"
    assert [e["status"] for e in late["events"]].count("picked_up") == 2
    assert api.post(url, vendor, {"status": "out_for_delivery"}, expect=201)["status"] == "out_for_delivery"
    # same rank: only a newer event moves it
    older = _at(2)
    for _ in range(2):  # ... and the same event sent twice is stored once
        body = api.post(url, vendor, {"status": "exception", "occurred_at": older, "description": "customs"}, expect=201)
        assert body["status"] == "out_for_delivery"
    assert [e["status"] for e in body["events"]].count("exception") == 1
    assert api.post(url, vendor, {"status": "delivery_failed"}, expect=201)["status"] == "delivery_failed"


def test_a_vendor_reported_delivery_only_asks_the_buyer(api, world, run_jobs, db):
    deal, shipment = api.shipped_deal(world)
    _booked_hours_ago(db, shipment)
    _event(api, world, shipment, "in_transit", minutes_ago=60)
    body = _event(api, world, shipment, "delivered", minutes_ago=5)
    assert body["status"] == "delivered" and body["delivered_at"]
    after = api.get(f"/deals/{deal['id']}", world.buyer)
    assert after["status"] == "shipped" and after["delivered_at"] is None  # the vendor's word starts nothing
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("delivery_reported") == 1 and "confirm_delivery" not in events
    # no inspection window runs; the buyer's silence counts only after DELIVERY_CONFIRM_DAYS
    assert sweep(utcnow() + timedelta(days=7, minutes=1))["deadlines"] == 0
    assert sweep(utcnow() + timedelta(days=14, minutes=1))["deadlines"] == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    assert sweep(utcnow() + timedelta(days=14 + 7, minutes=2))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"


def test_a_carrier_proven_delivery_confirms_delivery_of_a_shipped_deal(api, world, run_jobs, db, monkeypatch):
    monkeypatch.setitem(registry.current().carriers, ProvingCarrier.code, ProvingCarrier())
    deal = api.funded_deal(world)
    booked = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "proving"}, expect=201)
    # the vendor cannot report this carrier's tracking by hand ...
    api.post(f"/shipments/{booked['id']}/events", world.vendors[0], {"status": "delivered"}, expect=409)
    # ... the carrier reports it (as its webhook or poller would)
    assert shipping.record_tracking(db.session.get(Shipment, booked["id"]), "delivered", "DLV", "Delivered", utcnow())
    db.session.commit()
    after = api.get(f"/deals/{deal['id']}", world.buyer)
    assert after["status"] == "delivered" and after["delivered_at"]
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("confirm_delivery") == 1 and "delivery_reported" not in events
    # the inspection window started: its lapse is acceptance
    assert sweep(utcnow() + timedelta(days=7, minutes=1))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"


def test_delivered_is_final(api, world, db):
    _deal, shipment = api.shipped_deal(world)
    _booked_hours_ago(db, shipment)
    _event(api, world, shipment, "delivered", minutes_ago=30)
    body = _event(api, world, shipment, "in_transit", minutes_ago=1)  # newer, but after a terminal status
    assert body["status"] == "delivered"
    assert [e["status"] for e in body["events"]].count("in_transit") == 1


def test_a_delivered_event_leaves_a_disputed_deal_alone(api, world, db):
    deal, shipment = api.shipped_deal(world)
    _booked_hours_ago(db, shipment)
    api.post(f"/deals/{deal['id']}/disputes", world.buyer, {"reason": "not_received", "description": "late, late"},
             expect=201)
    body = _event(api, world, shipment, "delivered", minutes_ago=1)
    assert body["status"] == "delivered"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"


def test_another_organisation_never_sees_a_shipment(api, world):
    _deal, shipment = api.shipped_deal(world)
    sid = shipment["id"]
    other_vendor = world.vendors[1]
    for who in (other_vendor, world.other_buyer):
        assert api.get(f"/shipments/{sid}", who, expect=404)["error"]["code"] == "not_found"
    api.post(f"/shipments/{sid}/events", other_vendor, {"status": "in_transit"}, expect=404)
    api.post(f"/shipments/{sid}/events", world.buyer, {"status": "delivered"}, expect=403)  # buyers report nothing
    for who in (world.buyer, world.vendors[0], world.admin):
        assert api.get(f"/shipments/{sid}", who)["id"] == sid
    assert api.get("/shipments", other_vendor)["items"] == []
    assert [s["id"] for s in api.get("/shipments", world.buyer)["items"]] == [sid]


def test_shipment_list_pages_and_filters(api, world):
    ids = [api.shipped_deal(world)[1]["id"] for _ in range(3)]
    vendor = world.vendors[0]
    first = api.get("/shipments?limit=2", vendor)
    assert [s["id"] for s in first["items"]] == ids[:2] and first["next_cursor"]
    second = api.get(f"/shipments?limit=2&cursor={first['next_cursor']}", vendor)
    assert [s["id"] for s in second["items"]] == ids[2:] and second["next_cursor"] is None
    api.post(f"/shipments/{ids[1]}/events", vendor, {"status": "in_transit"}, expect=201)
    assert [s["id"] for s in api.get("/shipments?status=in_transit", vendor)["items"]] == [ids[1]]
    bogus = api.get("/shipments?status=teleported", vendor, expect=422)
    assert "status" in bogus["error"]["fields"]


def test_an_unknown_carrier_is_a_field_error(api, world):
    deal = api.funded_deal(world)
    body = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "dhl"}, expect=422)
    assert list(body["error"]["fields"]) == ["carrier"] and "manual" in body["error"]["fields"]["carrier"][0]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
