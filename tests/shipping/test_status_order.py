"""Normalised statuses have a progress rank: a late, duplicated or out-of-order carrier event never moves a
shipment backwards, an unknown raw code shows as ``exception`` with the raw code kept, terminal is terminal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.database import utcnow
from marketplace.shipping import services as shipping
from marketplace.shipping.models import (
    TERMINAL,
    TRACKING_RANK,
    Shipment,
    ShipmentStatus,
)

from .test_carrier_interface import table_carrier  # noqa: F401  (fixture)

S = ShipmentStatus


def test_the_rank_orders_the_journey_and_terminal_outranks_all():
    assert set(TRACKING_RANK) == set(ShipmentStatus)
    journey = [S.PRE_TRANSIT, S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED]
    assert [TRACKING_RANK[s] for s in journey] == sorted(TRACKING_RANK[s] for s in journey)
    assert len({TRACKING_RANK[s] for s in journey}) == len(journey)
    top = max(TRACKING_RANK[s] for s in ShipmentStatus if s not in TERMINAL)
    assert all(TRACKING_RANK[s] > top for s in TERMINAL)
    assert TRACKING_RANK[S.RETURN_IN_TRANSIT] > TRACKING_RANK[S.OUT_FOR_DELIVERY]


@pytest.mark.usefixtures("table_carrier")
def test_carrier_events_out_of_order_duplicated_and_unknown(api, world, app, db, monkeypatch):
    monkeypatch.setitem(app.config, "TABLE_CARRIER_TOKEN", "secret")
    deal = api.funded_deal(world)
    booked = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "table"}, expect=201)
    t0 = utcnow()

    def send(raw, minutes, key=None):
        shipment = db.session.get(Shipment, booked["id"])
        shipping.record_carrier_event(shipment, raw, raw, t0 + timedelta(minutes=minutes), dedupe_key=key)
        db.session.commit()
        return api.get(f"/shipments/{booked['id']}", world.buyer)

    assert send("transporting", 20)["status"] == "in_transit"
    late = send("picked", 10)  # arrives after, happened before: history only
    assert (late["status"], late["raw_status"]) == ("in_transit", "transporting")
    assert [e["raw_code"] for e in late["events"]] == [None, "picked", "transporting"]  # ordered by when it happened
    for _ in range(3):  # the carrier resends the same event
        body = send("delivering", 30, key="evt-30")
    assert body["status"] == "out_for_delivery"
    assert [e["raw_code"] for e in body["events"]].count("delivering") == 1
    odd = send("hub_scan_x9", 40)  # unknown code: shown as exception, raw kept on the event and the shipment
    assert (odd["status"], odd["raw_status"]) == ("exception", "hub_scan_x9")
    assert {"status": "exception", "raw_code": "hub_scan_x9"}.items() <= odd["events"][-1].items()
    assert send("delivering", 35)["status"] == "exception"  # same rank, older: does not move
    assert send("delivered", 50)["status"] == "delivered"
    for raw in ("delivering", "return", "transporting"):  # nothing moves a delivered shipment
        assert send(raw, 60)["status"] == "delivered"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"  # the carrier's word is proof
