"""Stripe webhooks: verified on the raw body, stored once by event id, processed from a re-fetched object."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from marketplace.escrow import ledger
from tests.factories import (
    WEBHOOK_SECRET,
    buyer_client,
    buyer_pays,
    deliver,
    onboard,
    sign,
    signed_event,
    stripe_deal,
    sweep_and_work,
)

TERMS = [{"name": "deposit", "percent": 30, "due": "on_award"},
         {"name": "balance", "percent": 70, "due": "before_shipment"}]


def _events(db) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT event_id, type, status, last_error FROM webhook_events ORDER BY id"))]


def _deal(api, world, deal) -> dict:
    return api.get(f"/deals/{deal['id']}", world.buyer)


@pytest.fixture
def paid(api, client, world, run_jobs, stripe_server):
    """A two-milestone Stripe deal whose buyer paid both PaymentIntents; the events are not yet delivered."""
    onboard(api, client, stripe_server, world.vendors[0], run_jobs)
    deal, milestones = stripe_deal(api, world, run_jobs, TERMS)
    for m in milestones:
        buyer_pays(stripe_server, m["instructions"]["payment_intent"])
    deliveries = stripe_server.wait_for_deliveries("payment_intent.succeeded", 2)
    by_pi = {d.event["data"]["object"]["id"]: d for d in deliveries}
    return deal, [by_pi[m["instructions"]["payment_intent"]] for m in milestones]


def test_valid_event_funds_the_milestone(api, client, world, run_jobs, db, paid):
    deal, (first, _second) = paid
    resp = deliver(client, first.body, first.signature)
    assert resp.status_code == 200 and resp.get_json()["duplicate"] is False
    run_jobs()
    assert [m["status"] for m in _deal(api, world, deal)["milestones"]] == ["funded", "awaiting_payment"]
    assert _events(db)[-1]["status"] == "processed"


@pytest.mark.parametrize("case", ["tampered", "wrong_secret", "too_old", "too_new", "no_signature", "garbage"])
def test_unverifiable_deliveries_are_refused_and_not_stored(api, client, world, run_jobs, db, paid, case):
    deal, (first, _second) = paid
    body, signature = first.body, first.signature
    if case == "tampered":  # a valid signature over another body
        body = body.replace(b'"succeeded"', b'"succeeded" ', 1)
    elif case == "wrong_secret":
        signature = sign(body, "whsec_someone_else")
    elif case == "too_old":  # correctly signed, ten minutes ago (a replay)
        signature = sign(body, WEBHOOK_SECRET, int(time.time()) - 600)
    elif case == "too_new":  # correctly signed, dated ten minutes ahead (kept for a later replay)
        signature = sign(body, WEBHOOK_SECRET, int(time.time()) + 600)
    elif case == "no_signature":
        signature = None
    else:
        body = b"\xff\xfe not json"
        signature = sign(body)
    before = len(_events(db))
    resp = deliver(client, body, signature)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] in ("bad_signature", "bad_payload")
    run_jobs()
    assert len(_events(db)) == before
    assert _deal(api, world, deal)["milestones"][0]["status"] == "awaiting_payment"


def test_a_signature_dated_in_the_future_is_a_bad_signature(api, client, world, run_jobs, db, paid):
    deal, (first, _second) = paid
    resp = deliver(client, first.body, sign(first.body, WEBHOOK_SECRET, int(time.time()) + 600))
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_signature"
    # within the tolerance either way is accepted: clocks drift
    resp = deliver(client, first.body, sign(first.body, WEBHOOK_SECRET, int(time.time()) + 60))
    assert resp.status_code == 200 and resp.get_json()["duplicate"] is False
    run_jobs()
    assert _deal(api, world, deal)["milestones"][0]["status"] == "funded"


def test_an_event_delivered_three_times_funds_once(api, client, world, run_jobs, db, paid):
    deal, deliveries = paid
    answers = []
    for _ in range(3):
        for d in deliveries:
            answers.append(deliver(client, d.body, d.signature).get_json()["duplicate"])
            run_jobs()
    assert answers == [False, False, True, True, True, True]
    assert _deal(api, world, deal)["status"] == "funded"
    assert ledger.total_held()["VND"] == 18000000
    assert [e["status"] for e in _events(db) if e["type"] == "payment_intent.succeeded"] == ["processed", "processed"]


def test_events_out_of_order_and_stale_snapshots_never_move_backward(api, client, world, run_jobs, db, paid,
                                                                   stripe_server):
    deal, (first, second) = paid
    pi = second.event["data"]["object"]
    # the balance's event arrives before the deposit's
    deliver(client, second.body, second.signature)
    run_jobs()
    assert [m["status"] for m in _deal(api, world, deal)["milestones"]] == ["awaiting_payment", "funded"]
    # then older events about the same PaymentIntent, whose snapshots say it was not paid yet
    stale = {**pi, "status": "requires_payment_method", "latest_charge": None}
    for type_ in ("payment_intent.created", "payment_intent.payment_failed", "payment_intent.processing"):
        assert deliver(client, *signed_event(type_, stale)).status_code == 200
    deliver(client, first.body, first.signature)
    run_jobs()
    body = _deal(api, world, deal)
    assert body["status"] == "funded" and [m["status"] for m in body["milestones"]] == ["funded", "funded"]
    with db.engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM stripe_payments ORDER BY milestone_id")).scalars().all()
    assert statuses == ["succeeded", "succeeded"]
    assert ledger.total_held()["VND"] == 18000000


def test_a_signed_event_is_only_a_hint_the_object_is_refetched(api, client, world, run_jobs, db, stripe_server):
    """An event claiming success for a PaymentIntent Stripe has not charged funds nothing."""
    onboard(api, client, stripe_server, world.vendors[0], run_jobs)
    deal, (m,) = stripe_deal(api, world, run_jobs)
    claim = {"id": m["instructions"]["payment_intent"], "object": "payment_intent", "status": "succeeded",
             "amount": 18000000, "currency": "vnd"}
    assert deliver(client, *signed_event("payment_intent.succeeded", claim)).status_code == 200
    run_jobs()
    assert _deal(api, world, deal)["milestones"][0]["status"] == "awaiting_payment"
    assert _events(db)[-1]["status"] == "processed"

    buyer_pays(stripe_server, m["instructions"]["payment_intent"])  # now it is paid: the real event funds it
    (d,) = stripe_server.wait_for_deliveries("payment_intent.succeeded", 1)
    deliver(client, d.body, d.signature)
    run_jobs()
    assert _deal(api, world, deal)["status"] == "funded"


def test_events_about_other_objects_are_ignored(api, client, world, run_jobs, db, stripe_server):
    foreign = {"id": "pi_not_ours", "object": "payment_intent", "status": "succeeded", "amount": 1, "currency": "usd"}

    real = buyer_client(stripe_server).v1.payment_intents.create(params={"amount": 5000, "currency": "usd"})
    assert deliver(client, *signed_event("payment_intent.succeeded", {**foreign, "id": real.id})).status_code == 200
    assert deliver(client, *signed_event("charge.dispute.created", {"id": "dp_1", "object": "dispute"})).status_code == 200
    run_jobs()
    assert [e["status"] for e in _events(db)] == ["ignored", "ignored"]


def test_an_event_that_could_not_be_processed_is_redriven_by_the_sweeper(api, client, world, run_jobs, db, paid,
                                                                          stripe_server):
    deal, (first, _second) = paid
    stripe_server.inject("GET", "/v1/payment_intents/*", "500")  # Stripe is down when the job re-fetches
    deliver(client, first.body, first.signature)
    run_jobs()
    assert _deal(api, world, deal)["milestones"][0]["status"] == "awaiting_payment"
    assert _events(db)[-1]["status"] == "received"
    report = sweep_and_work(db, run_jobs)
    assert report["redrive_webhook_events"] == 1
    assert _deal(api, world, deal)["milestones"][0]["status"] == "funded"
    assert _events(db)[-1]["status"] == "processed"
