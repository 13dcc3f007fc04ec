"""The polling fallback against the GHN emulator (tests/ghn_server.py), GHN configured without a webhook token: a
booked shipment is asked on a schedule by the sweep's jobs (real RQ worker, real PostgreSQL and Redis), its reports
go through the carrier event inbox, no news doubles the interval up to the cap, a 5xx counts as a failure and backs
off, news brings it back to the minimum, and delivered ends the polling and starts the deal's inspection once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.jobs import enqueue, sweep
from marketplace.shipping import polling
from marketplace.shipping.models import Shipment
from marketplace.shipping.webhooks import store_event
from tests.factories import assert_ledger_sound
from tests.ghn_server import SHOP_ID, TOKEN, GhnTestServer

GHN_KEYS = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_BASE", "GHN_TIMEOUT_SECONDS", "GHN_WEBHOOK_TOKEN",
            "SHIPPING_POLL_MIN_SECONDS", "SHIPPING_POLL_MAX_SECONDS")
MIN, MAX = 60, 240
#: the emulator and our clock: a scheduled time is checked to within this
SLACK = timedelta(seconds=5)


@pytest.fixture(scope="session")
def _polled_ghn_peer():
    server = GhnTestServer()
    yield server
    server.close()


@pytest.fixture
def polled_ghn(app, _polled_ghn_peer):
    """The app configured for GHN against the emulator with no webhook token: GHN's shipments are polled."""
    _polled_ghn_peer.reset()
    saved = {k: app.config.get(k) for k in GHN_KEYS}
    app.config.update(GHN_TOKEN=TOKEN, GHN_SHOP_ID=SHOP_ID, GHN_API_BASE=_polled_ghn_peer.url, GHN_TIMEOUT_SECONDS=1,
                      GHN_WEBHOOK_TOKEN=None, SHIPPING_POLL_MIN_SECONDS=MIN, SHIPPING_POLL_MAX_SECONDS=MAX)
    yield _polled_ghn_peer
    app.config.update(saved)


def book_ghn(api, world) -> tuple[dict, dict]:
    """A funded deal shipped with GHN: (deal, shipment)."""
    deal = api.funded_deal(world)
    shipment = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "ghn"}, expect=201)
    return deal, shipment


def row(db, shipment_id: int) -> Shipment:
    db.session.expire_all()
    return db.session.get(Shipment, shipment_id)


def asks(ghn) -> int:
    return sum(1 for path, _body in ghn.state.calls if path == "/shipping-order/detail")


def poll_now(db, run_jobs, shipment_id: int) -> tuple[datetime, datetime]:
    """Sweep at the shipment's due time and run the jobs; returns the real time around the run."""
    due = row(db, shipment_id).next_poll_at
    assert due is not None
    before = utcnow()
    assert sweep(due)["poll_due_shipments"] == 1
    run_jobs()
    return before, utcnow()


def assert_next_in(db, shipment_id: int, seconds: int, around: tuple[datetime, datetime]) -> None:
    at = row(db, shipment_id).next_poll_at
    assert around[0] + timedelta(seconds=seconds) - SLACK <= at <= around[1] + timedelta(seconds=seconds) + SLACK


def test_a_polled_ghn_shipment_moves_forward_backs_off_and_stops_at_delivered(api, world, db, run_jobs,
                                                                             polled_ghn):
    booked_at = utcnow()
    deal, shipment = book_ghn(api, world)
    code, n = shipment["tracking_number"], shipment["id"]
    assert_next_in(db, n, MIN, (booked_at, utcnow()))
    assert sweep()["poll_due_shipments"] == 0  # not due yet

    # the first ask: GHN's ready_to_pick is news (a report not seen before), so the interval stays at its minimum;
    # a second sweep before the job ran does not queue it again
    due = row(db, n).next_poll_at
    assert sweep(due)["poll_due_shipments"] == 1
    assert sweep(due)["poll_due_shipments"] == 0
    enqueue(polling.POLL_JOB, n, due.isoformat(), job_id="a-duplicate")  # a job delivered twice
    around = (utcnow(), None)
    run_jobs()
    around = (around[0], utcnow())
    assert asks(polled_ghn) == 1  # the duplicate saw the shipment asked already
    assert_next_in(db, n, MIN, around)
    stored = db.session.execute(sa.text("SELECT payload->>'source', status FROM carrier_webhook_events")).all()
    assert stored == [("poll", "processed")]

    # nothing new: the interval doubles, up to the cap
    assert_next_in(db, n, 2 * MIN, poll_now(db, run_jobs, n))
    assert_next_in(db, n, MAX, poll_now(db, run_jobs, n))
    assert_next_in(db, n, MAX, poll_now(db, run_jobs, n))
    assert api.get(f"/shipments/{n}", world.buyer)["status"] == "pre_transit"

    # GHN moves the order on: the next ask records it and the interval is back at its minimum
    now = utcnow()
    polled_ghn.advance(code, "picked", now - timedelta(minutes=30))
    polled_ghn.advance(code, "transporting", now - timedelta(minutes=10))
    assert_next_in(db, n, MIN, poll_now(db, run_jobs, n))
    after = api.get(f"/shipments/{n}", world.buyer)
    assert after["status"] == "in_transit"
    assert sorted(e["raw_code"] for e in after["events"] if e["raw_code"]) == ["picked", "ready_to_pick",
                                                                               "transporting"]

    # GHN fails (5xx): counted, backed off, nothing changes
    polled_ghn.fail("/shipping-order/detail", "500")
    assert_next_in(db, n, 2 * MIN, poll_now(db, run_jobs, n))
    failed = row(db, n)
    assert failed.poll_failures == 1 and failed.details["polling"]["last_error"].startswith("carrier_unavailable")
    assert api.get(f"/shipments/{n}", world.buyer)["status"] == "in_transit"

    # delivered: recorded, the polling ends, the deal is delivered and its inspection window starts once
    polled_ghn.advance(code, "delivering", utcnow() - timedelta(minutes=5))
    polled_ghn.advance(code, "delivered", utcnow() - timedelta(minutes=1))
    poll_now(db, run_jobs, n)
    done = row(db, n)
    assert done.next_poll_at is None and done.poll_failures == 0
    assert api.get(f"/shipments/{n}", world.buyer)["status"] == "delivered"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    asked = asks(polled_ghn)
    assert sweep(utcnow() + timedelta(hours=1))["poll_due_shipments"] == 0
    run_jobs()
    assert asks(polled_ghn) == asked
    inspections = db.session.execute(sa.text("SELECT count(*) FROM deadlines WHERE subject_id = :id AND "
                                             "subject_type = 'deal' AND kind LIKE '%inspect%'"),
                                     {"id": deal["id"]}).scalar_one()
    assert inspections == 1
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("confirm_delivery") == 1
    assert_ledger_sound(db)


def test_a_job_run_twice_or_late_changes_nothing(app, api, world, db, run_jobs, polled_ghn):
    _deal, shipment = book_ghn(api, world)
    n = shipment["id"]
    due = row(db, n).next_poll_at
    assert polling.poll(n, due, store_event) == "news"
    db.session.commit()
    assert polling.poll(n, due, store_event) == "skipped"  # the same ask again: the shipment was asked already
    db.session.commit()
    assert asks(polled_ghn) == 1
    assert db.session.execute(sa.text("SELECT count(*) FROM carrier_webhook_events")).scalar_one() == 1


def test_shipments_with_push_or_the_built_in_carrier_are_never_polled(app, api, world, db, run_jobs, polled_ghn):
    _deal, manual = api.shipped_deal(world)
    assert row(db, manual["id"]).next_poll_at is None
    app.config["GHN_WEBHOOK_TOKEN"] = "ghn-hook-secret"  # GHN pushes: its new shipments are not polled
    _deal, pushed = book_ghn(api, world)
    assert row(db, pushed["id"]).next_poll_at is None
    assert sweep(utcnow() + timedelta(days=1))["poll_due_shipments"] == 0
    assert asks(polled_ghn) == 0


def test_a_shipment_whose_carrier_starts_pushing_is_no_longer_polled(app, api, world, db, run_jobs, polled_ghn):
    _deal, shipment = book_ghn(api, world)
    n = shipment["id"]
    app.config["GHN_WEBHOOK_TOKEN"] = "ghn-hook-secret"
    poll_now(db, run_jobs, n)
    assert row(db, n).next_poll_at is None and asks(polled_ghn) == 0


def test_a_cancelled_shipment_is_no_longer_polled(api, world, db, run_jobs, polled_ghn):
    _deal, shipment = book_ghn(api, world)
    n = shipment["id"]
    api.post(f"/shipments/{n}/cancel", world.vendors[0])
    assert row(db, n).status == "cancelled"
    assert sweep(utcnow() + timedelta(days=1))["poll_due_shipments"] == 0
    assert row(db, n).next_poll_at is None and asks(polled_ghn) == 0
