"""A vendor's own word never moves the buyer's money (ARCHITECTURE §9): a delivery the vendor reports on a
carrier that does not report its own tracking asks the buyer to confirm; only the buyer's confirmation, or
silence past ``DELIVERY_CONFIRM_DAYS``, starts the inspection window. Backdated tracking is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from marketplace.accounts.auth import _actor
from marketplace.accounts.services import authenticate
from marketplace.database import utcnow
from marketplace.deals.services import get_deal, overview
from marketplace.jobs import sweep
from tests.factories import assert_ledger_sound

INSPECTION, CONFIRM = 7, 14  # the default INSPECTION_DAYS and DELIVERY_CONFIRM_DAYS


def actor_of(who):
    return _actor(authenticate(who.token))


def _report_delivered(api, world, shipment, expect=201, **extra):
    return api.post(f"/shipments/{shipment['id']}/events", world.vendors[0], {"status": "delivered", **extra},
                    expect=expect)


def _events(api, world, deal) -> list[dict]:
    return api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]


def _money(db, world, deal) -> dict:
    db.session.expire_all()
    return overview.money_summary(get_deal(actor_of(world.buyer), deal["id"]))


def _reported(api, world, db, app):
    deal, shipment = api.shipped_deal(world)
    assert app.config["DELIVERY_CONFIRM_DAYS"] == CONFIRM and app.config["INSPECTION_DAYS"] == INSPECTION
    body = _report_delivered(api, world, shipment)
    assert body["status"] == "delivered" and body["delivered_at"]  # the shipment's tracking says so...
    after = api.get(f"/deals/{deal['id']}", world.buyer)
    assert after["status"] == "shipped" and after["delivered_at"] is None  # ... the deal only records the report
    names = [e["name"] for e in _events(api, world, deal)]
    assert "delivery_reported" in names and "confirm_delivery" not in names
    reported = next(e for e in _events(api, world, deal) if e["name"] == "delivery_reported")
    assert reported["actor_role"] == "vendor" and reported["payload"]["shipment_id"] == shipment["id"]
    return deal, shipment


def test_a_vendor_reported_delivery_asks_the_buyer_and_holds_the_money(api, world, run_jobs, db, app):
    deal, _ = _reported(api, world, db, app)
    # the buyer is told and asked, with the deadline and what silence means
    note = api.get("/notifications", world.buyer)["items"][0]
    assert note["kind"] == "delivery_reported" and note["data"]["deal_id"] == deal["id"]
    assert note["data"]["confirm_by"] in note["text"]
    buyer, vendor = actor_of(world.buyer), actor_of(world.vendors[0])
    d = get_deal(buyer, deal["id"])
    step = overview.next_step(buyer, d)
    assert step.action == "confirm_delivery" and step.lapse == "assume_delivered"
    assert timedelta(days=CONFIRM - 1) < step.deadline - utcnow() <= timedelta(days=CONFIRM)
    assert overview.next_step(vendor, d) == overview.NextStep(None, step.deadline, "assume_delivered",
                                                              waiting_for="buyer")
    assert {"confirm_delivery", "open_dispute"} <= overview.allowed_actions(buyer, d)
    # no inspection window runs: far past the inspection days (but before the confirmation deadline) nothing moves
    for days in (INSPECTION + 1, CONFIRM - 1):
        assert sweep(utcnow() + timedelta(days=days))["deadlines"] == 0
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    assert _money(db, world, deal)["held"] == int(deal["total"])

    # the buyer confirms: the inspection window starts as it always did, and acceptance releases
    confirmed = api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    assert confirmed["status"] == "delivered" and confirmed["delivered_at"]
    db.session.expire_all()
    step = overview.next_step(buyer, get_deal(buyer, deal["id"]))
    assert step.action == "accept" and step.lapse == "auto_accept"
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    money = _money(db, world, deal)
    assert money["held"] == 0 and money["released_gross"] == int(deal["total"])
    # the confirmation deadline went with the shipped state: nothing is left to fire
    assert sweep(utcnow() + timedelta(days=CONFIRM + INSPECTION + 30))["deadlines"] == 0
    assert_ledger_sound(db)


def test_silence_past_the_confirmation_deadline_counts_as_delivered(api, world, run_jobs, db, app):
    deal, _ = _reported(api, world, db, app)
    assert sweep(utcnow() + timedelta(days=CONFIRM, minutes=-5))["deadlines"] == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    assert sweep(utcnow() + timedelta(days=CONFIRM, minutes=1))["deadlines"] == 1
    after = api.get(f"/deals/{deal['id']}", world.buyer)
    assert after["status"] == "delivered" and after["delivered_at"]
    lapse = [e for e in _events(api, world, deal) if e["name"] == "confirm_delivery"]
    assert len(lapse) == 1 and lapse[0]["actor_role"] == "system"
    assert lapse[0]["payload"] == {"deadline": "delivery_confirm"}
    run_jobs()
    assert _money(db, world, deal)["held"] == int(deal["total"])  # only the inspection window started
    buyer = actor_of(world.buyer)
    step = overview.next_step(buyer, get_deal(buyer, deal["id"]))
    assert step.action == "accept" and step.lapse == "auto_accept" and step.deadline is not None
    # ... which lapses to acceptance and release as before
    assert sweep(step.deadline + timedelta(minutes=1))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    assert _money(db, world, deal)["held"] == 0
    assert_ledger_sound(db)


def test_a_dispute_after_the_report_stops_the_confirmation_deadline(api, world, run_jobs, db, app):
    deal, _ = _reported(api, world, db, app)
    api.post(f"/deals/{deal['id']}/disputes", world.buyer,
             {"reason": "not_received", "description": "nothing arrived at our warehouse"}, expect=201)
    # only the case's own response deadline fires (it escalates the case); nothing confirms or releases
    assert sweep(utcnow() + timedelta(days=CONFIRM + INSPECTION + 1))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"
    assert _money(db, world, deal)["held"] == int(deal["total"])
    assert_ledger_sound(db)


def test_backdated_or_future_tracking_is_refused_and_changes_nothing(api, world, db):
    deal, shipment = api.shipped_deal(world)
    before_events = _events(api, world, deal)
    for when in (datetime.now(timezone.utc) - timedelta(hours=1),  # before the shipment was booked
                 datetime.now(timezone.utc) + timedelta(hours=1)):  # in the future
        body = _report_delivered(api, world, shipment, expect=422, occurred_at=when.isoformat())
        assert list(body["error"]["fields"]) == ["occurred_at"]
    body = api.post(f"/shipments/{shipment['id']}/events", world.vendors[0],
                    {"status": "in_transit", "occurred_at": "2020-01-01T00:00:00+00:00"}, expect=422)
    assert list(body["error"]["fields"]) == ["occurred_at"]
    again = api.get(f"/shipments/{shipment['id']}", world.buyer)
    assert again["status"] == "pre_transit" and [e["status"] for e in again["events"]] == ["pre_transit"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    assert _events(api, world, deal) == before_events
    assert all(n["kind"] != "delivery_reported" for n in api.get("/notifications", world.buyer)["items"])
    assert sweep(utcnow() + timedelta(days=CONFIRM + 1))["deadlines"] == 0
    assert_ledger_sound(db)
