"""Stripe failing in every documented way, and a worker killed mid-call: each command moves money once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from marketplace.escrow import ledger
from tests.factories import (
    buyer_client,
    deliver_and_accept,
    funded_stripe_deal,
    outbox,
    sweep_and_work,
    worker_env,
)

NET = 18000000 - 900000  # one 100 % milestone of 18,000,000 VND at 5 % commission


@pytest.mark.parametrize("fault", ["500", "429", "409", "timeout"])
def test_a_failed_transfer_call_is_retried_with_its_key_and_transfers_once(
        api, client, world, run_jobs, db, stripe_server, fault):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs)
    deliver_and_accept(api, world, deal)
    stripe_server.inject("POST", "/v1/transfers", fault, delay=4)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    (command,) = outbox(db, "stripe.transfer")
    assert command["status"] == "pending" and command["last_error"]
    # a timeout comes after Stripe made the transfer; the other faults come before anything happened
    assert len(stripe_server.transfers()) == (1 if fault == "timeout" else 0)

    sweep_and_work(db, run_jobs)  # the backoff ran out: the sweeper re-drives the command
    (command,) = outbox(db, "stripe.transfer")
    assert command["status"] == "done"
    (transfer,) = stripe_server.transfers()
    assert (transfer["amount"], transfer["id"]) == (NET, command["result"]["id"])
    replayed = [r[3] for r in stripe_server.posts("/v1/transfers")]
    assert replayed == ([False, True] if fault == "timeout" else [False])
    assert ledger.balance(ledger.vendor_payable(world.vendors[0].org_id), "VND") == 0


def test_a_refund_that_timed_out_after_stripe_made_it_is_not_made_twice(api, client, world, run_jobs, db,
                                                                         stripe_server):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "half of it is broken"}, expect=201)
    stripe_server.inject("POST", "/v1/refunds", "timeout", delay=4)
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "9000000"})
    run_jobs()
    assert outbox(db, "stripe.refund")[0]["status"] == "pending"
    sweep_and_work(db, run_jobs)
    assert [c["status"] for c in outbox(db, "stripe.refund") + outbox(db, "stripe.transfer")] == ["done", "done"]
    pi = buyer_client(stripe_server).v1.payment_intents.retrieve(_payment_intent(db))
    assert pi.latest_charge["amount_refunded"] == 9000000
    assert len(pi.latest_charge["refunds"]["data"]) == 1
    (transfer,) = stripe_server.transfers()
    assert transfer["amount"] == 9000000 - 450000


def test_worker_killed_between_the_transfer_and_the_commit_recovers_with_one_transfer(
        app, api, client, world, run_jobs, db, stripe_server):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs)
    deliver_and_accept(api, world, deal)  # the release job waits in Redis
    # a real worker process; the test hook holds it after Stripe answered, before the commit
    env = worker_env(app, {"MARKETPLACE_TEST_PAUSE_AFTER_STRIPE": "stripe.transfer:120"})
    proc = subprocess.Popen([sys.executable, "-m", "marketplace.cli", "worker", "--burst"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not stripe_server.transfers():
            assert proc.poll() is None, "the worker exited before calling Stripe"
            assert time.monotonic() < deadline, "the worker never called Stripe"
            time.sleep(0.2)
        time.sleep(0.5)  # let the answer reach the worker
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its work horse, at once
        proc.wait(timeout=30)

    (command,) = outbox(db, "stripe.transfer")
    assert command["status"] == "leased" and command["result"] is None  # Stripe moved money, we never recorded it
    assert len(stripe_server.transfers()) == 1

    sweep_and_work(db, run_jobs)  # the lease ran out: the sweeper re-drives; Stripe replays its stored answer
    (command,) = outbox(db, "stripe.transfer")
    assert command["status"] == "done"
    (transfer,) = stripe_server.transfers()
    assert transfer["amount"] == NET and command["result"]["id"] == transfer["id"]
    assert [r[3] for r in stripe_server.posts("/v1/transfers")] == [False, True]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    assert ledger.balance(ledger.vendor_payable(world.vendors[0].org_id), "VND") == 0
    assert ledger.balance(ledger.clearing_account("stripe"), "VND") == 900000


def _payment_intent(db) -> str:
    from marketplace.escrow.gateways.stripe.models import StripePayment

    db.session.expire_all()
    return db.session.query(StripePayment).one().payment_intent_id
