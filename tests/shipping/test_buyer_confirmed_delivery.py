"""The buyer's confirmation of delivery closes the deal's shipments still on their way, on real PostgreSQL, Redis and
an RQ worker: each becomes ``delivered`` with an event saying the buyer confirmed it, the inspection window starts
once and no money moves; a carrier's later webhooks for the shipment are taken and move nothing back."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.shipping.services import BUYER_CONFIRMED
from tests.factories import assert_ledger_sound
from tests.shipping.test_ghn import _deliver, _ghn_peer, ghn  # noqa: F401  (fixtures)
from tests.shipping.test_partial_shipments import TWO_LINES, _inspections, _plan


def _ledger(db) -> tuple[int, int]:
    """(ledger transfers, their total): money that moved."""
    return tuple(db.session.execute(sa.text("SELECT count(*), coalesce(sum(amount), 0) FROM ledger_transfers")).one())


def _held(api, world, deal_id: int) -> list[tuple[str, str]]:
    return [(m["status"], m["amount"]) for m in api.get(f"/deals/{deal_id}", world.buyer)["milestones"]]


def test_confirming_delivery_closes_a_built_in_carrier_shipment_still_booked(api, world, run_jobs, db):
    deal, shipment = api.shipped_deal(world)
    assert shipment["status"] == "pre_transit"  # "Booked" on the pages
    held, ledger = _held(api, world, deal["id"]), _ledger(db)

    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    run_jobs()

    after = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert after["status"] == "delivered" and after["delivered_at"]
    latest = after["events"][-1]
    assert latest["status"] == "delivered" and latest["description"] == BUYER_CONFIRMED and latest["raw_code"] is None
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "delivered" and _inspections(db, deal["id"]) == 1
    names = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert names.count("confirm_delivery") == 1
    assert "delivery_reported" not in names and "partly_delivered" not in names
    assert _held(api, world, deal["id"]) == held and _ledger(db) == ledger  # no money moved
    _, plan = _plan(api, world, deal["id"])
    assert plan == {"Vòng bi 6205-2RS": (0, 1000, 0)}
    # the vendor reports nothing more of a delivered shipment, and confirming again changes nothing
    assert api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": "in_transit"},
                    expect=201)["status"] == "delivered"
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    assert len(api.get(f"/shipments/{shipment['id']}", world.buyer)["events"]) == len(after["events"]) + 1
    assert _inspections(db, deal["id"]) == 1
    assert_ledger_sound(db)


def test_a_carriers_later_webhooks_for_a_shipment_the_buyer_confirmed_move_nothing(
        api, world, ghn, run_jobs, db):  # noqa: F811
    deal = api.funded_deal(world, lines=TWO_LINES)
    a, _b = (line["id"] for line in deal["lines"])
    vendor = world.vendors[0]
    first = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "ghn", "lines": [
        {"deal_line_id": a, "quantity": 600}]}, expect=201)
    second = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "ghn"}, expect=201)
    now = utcnow()
    one, two = first["tracking_number"], second["tracking_number"]
    # the first arrives by the carrier's word (the deal waits for the rest); the second is on its way
    for raw in (ghn.webhook(one, "delivered", now - timedelta(hours=3)),
                ghn.webhook(two, "picked", now - timedelta(hours=4))):
        assert _deliver(api, raw).status_code == 200
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    assert api.get(f"/shipments/{second['id']}", world.buyer)["status"] == "picked_up"
    ledger = _ledger(db)

    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    run_jobs()
    closed = api.get(f"/shipments/{second['id']}", world.buyer)
    assert closed["status"] == "delivered" and closed["events"][-1]["description"] == BUYER_CONFIRMED
    first_now = api.get(f"/shipments/{first['id']}", world.buyer)
    assert first_now["status"] == "delivered" and BUYER_CONFIRMED not in [e["description"] for e in first_now["events"]]
    body, _ = _plan(api, world, deal["id"])
    assert body["complete"] is True and _inspections(db, deal["id"]) == 1

    # the carrier goes on reporting the second shipment, late and twice, then a failed attempt and its delivery
    for status, hours in (("delivering", 2), ("delivering", 2), ("delivery_fail", 1), ("delivered", 0)):
        assert _deliver(api, ghn.webhook(two, status, now - timedelta(hours=hours))).status_code == 200
    run_jobs()
    later = api.get(f"/shipments/{second['id']}", world.buyer)
    assert later["status"] == "delivered" and later["delivered_at"] == closed["delivered_at"]
    assert len(later["events"]) > len(closed["events"])  # kept in the history
    dealt = api.get(f"/deals/{deal['id']}", world.buyer)
    assert dealt["status"] == "delivered" and _inspections(db, deal["id"]) == 1
    names = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert names.count("confirm_delivery") == 1 and "delivery_reported" not in names
    failed = db.session.execute(sa.text("SELECT count(*) FROM notifications WHERE kind = 'shipment_delivery_failed'")
                                ).scalar_one()
    assert failed == 0 and _ledger(db) == ledger
    assert_ledger_sound(db)
