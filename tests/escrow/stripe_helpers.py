"""Fixtures and steps for the Stripe tests: localstripe as a process, the test server in front of it.

Routing: the app's STRIPE_API_BASE points at tests/stripe_server.py, which serves Accounts,
AccountLinks and Transfers itself and forwards everything else to localstripe (a tiny proxy),
because one stripe client has one API base.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
import sqlalchemy as sa
import stripe

from tests.stripe_server import StripeTestServer

SECRET_KEY = "sk_test_marketplace"
WEBHOOK_SECRET = "whsec_test_marketplace"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """localstripe (the PyPI emulator) as a separate process on a free port, for this session only."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)
    proc = subprocess.Popen(["localstripe", "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            req = urllib.request.Request(f"{url}/v1/balance", headers={"Authorization": f"Bearer {SECRET_KEY}"})
            urllib.request.urlopen(req, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start; see {log.name}") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def _stripe_peer(localstripe_url):
    server = StripeTestServer(localstripe_url, WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server(app, _stripe_peer):
    """The app configured for Stripe against the test server (fresh state per test)."""
    _stripe_peer.reset()
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_TIMEOUT_SECONDS")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=_stripe_peer.url, STRIPE_TIMEOUT_SECONDS=2)
    yield _stripe_peer
    app.config.update(saved)


def buyer_client(server: StripeTestServer) -> stripe.StripeClient:
    """What the buyer's browser (Stripe.js) does, done with the same library against the same server."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": server.url}, max_network_retries=0)


# --- webhooks ---------------------------------------------------------------------------------------


def sign(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header as Stripe computes it: HMAC-SHA256 over ``<t>.<body>``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_body(type_: str, obj: dict, event_id: str | None = None) -> bytes:
    return json.dumps({"id": event_id or "evt_" + secrets.token_hex(8), "object": "event", "type": type_,
                       "api_version": "2025-01-01", "created": int(time.time()), "livemode": False,
                       "data": {"object": obj}}).encode()


def deliver(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/api/v1/webhooks/stripe", data=body, headers=headers)


# --- steps --------------------------------------------------------------------------------------------


def onboard(api, client, server, vendor, run_jobs) -> str:
    """The vendor connects Stripe, finishes Stripe's forms, and Stripe tells us (account.updated)."""
    body = api.post(f"/vendors/{vendor.org_id}/payout-account/stripe", vendor, {"return_url": "https://example.test/back"})
    account = server.complete_onboarding(body["account_id"])
    resp = deliver(client, *signed_event("account.updated", account))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    run_jobs()
    return body["account_id"]


def signed_event(type_: str, obj: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
                 event_id: str | None = None) -> tuple[bytes, str]:
    body = event_body(type_, obj, event_id)
    return body, sign(body, secret, timestamp)


def stripe_deal(api, world, run_jobs, terms=None) -> tuple[dict, list[dict]]:
    """An awarded deal the buyer pays by Stripe; returns the deal and its milestones' instructions (ready)."""
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, terms=terms)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"})
    run_jobs()  # the outbox creates one PaymentIntent per milestone
    milestones = api.get(f"/deals/{deal['id']}/payments", world.buyer)["milestones"]
    assert all(m["instructions"]["status"] == "ready" for m in milestones), milestones
    return deal, milestones


def buyer_pays(server, payment_intent_id: str):
    """Stripe.js in the buyer's browser: attach a test card to the PaymentIntent and confirm it."""
    c = buyer_client(server)
    pm = c.v1.payment_methods.create(params={"type": "card", "card": CARD})
    c.v1.payment_intents.update(payment_intent_id, params={"payment_method": pm.id})
    return c.v1.payment_intents.confirm(payment_intent_id)


def pay_all(api, client, server, world, deal, milestones, run_jobs) -> dict:
    """The buyer pays every milestone; localstripe's webhooks reach the app; the deal is funded."""
    for m in milestones:
        buyer_pays(server, m["instructions"]["payment_intent"])
    for d in server.wait_for_deliveries("payment_intent.succeeded", len(milestones)):
        assert deliver(client, d.body, d.signature).status_code == 200
    run_jobs()
    return api.get(f"/deals/{deal['id']}", world.buyer)


def funded_stripe_deal(api, client, server, world, run_jobs, terms=None) -> dict:
    onboard(api, client, server, world.vendors[0], run_jobs)
    deal, milestones = stripe_deal(api, world, run_jobs, terms)
    funded = pay_all(api, client, server, world, deal, milestones, run_jobs)
    assert funded["status"] == "funded", funded
    return funded


def deliver_and_accept(api, world, deal: dict) -> None:
    """Ship, deliver, accept: the release job is queued (not yet run)."""
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)


def outbox(db, kind: str | None = None) -> list[dict]:
    sql = "SELECT id, kind, key, status, attempts, result, last_error FROM outbox_commands"
    sql += " WHERE kind = :kind ORDER BY id" if kind else " ORDER BY id"
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), {"kind": kind})]


def time_passes(db) -> None:
    """Backoffs and leases run out (what minutes of wall-clock time would do)."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE outbox_commands SET next_attempt_at = now() - interval '1 second' "
                             "WHERE status = 'pending'"))
        conn.execute(sa.text("UPDATE outbox_commands SET lease_until = now() - interval '1 second' "
                             "WHERE status = 'leased'"))
        conn.execute(sa.text("UPDATE webhook_events SET received_at = now() - interval '2 minutes' "
                             "WHERE status = 'received'"))


def sweep_and_work(db, run_jobs) -> dict:
    """One sweeper tick after time passed, then a worker drains the queues."""
    from marketplace.jobs import sweep

    time_passes(db)
    report = sweep()
    db.session.remove()
    run_jobs()
    return report


def worker_env(app, extra: dict | None = None) -> dict:
    """Environment for a real `marketplace worker` process on this test session's database and Redis."""
    cfg = app.config
    env = dict(os.environ, DATABASE_URL=cfg["DATABASE_URL"], REDIS_URL=cfg["REDIS_URL"], SECRET_KEY="test",
               QUEUE_PREFIX=cfg["QUEUE_PREFIX"], INSTANCE_PATH=cfg["INSTANCE_PATH"],
               STRIPE_SECRET_KEY=cfg["STRIPE_SECRET_KEY"], STRIPE_WEBHOOK_SECRET=cfg["STRIPE_WEBHOOK_SECRET"],
               STRIPE_API_BASE=cfg["STRIPE_API_BASE"])
    env.update(extra or {})
    return env
