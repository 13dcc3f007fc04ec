"""Factories: build users, organisations, catalog and deals through the HTTP API, as users would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def valid_tax_code(n: int) -> str:
    """A Vietnamese tax code (MST) with a correct check digit, different for each ``n``."""
    from stdnum.vn import mst

    base = 10_000_000 + n * 7
    while True:
        candidate = f"0{base:08d}"
        digit = mst.calc_check_digit(candidate)
        if len(digit) == 1:
            return candidate + digit
        base += 1


@dataclass
class Who:
    token: str
    org_id: int
    user_id: int
    email: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    admin: Who
    vendors: list[Who]
    buyer: Who
    buyer_members: dict[str, Who] = field(default_factory=dict)
    other_buyer: Who | None = None


class ApiClient:
    """Thin helper over Flask's test client that speaks JSON and checks statuses."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, who: Who | None = None, json=None, expect: int | None = None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers.update(who.headers)
        resp = self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers, **kw)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {path} -> {resp.status_code}: {resp.get_data(as_text=True)[:800]}"
        return resp

    def get(self, path, who=None, expect=200, **kw):
        return self.call("GET", path, who, expect=expect, **kw).get_json()

    def post(self, path, who=None, json=None, expect=200, **kw):
        return self.call("POST", path, who, json=json if json is not None else {}, expect=expect, **kw).get_json()

    # --- accounts ---------------------------------------------------------------------------------

    def register(self, kind: str, name: str | None = None, email: str | None = None) -> Who:
        n = next(_seq)
        email = email or f"{kind}{n}@example.test"
        body = self.post("/auth/register", json={"email": email, "password": PASSWORD, "name": f"{kind} person {n}",
                                                  "organization": {"name": name or f"{kind.title()} Org {n}", "kind": kind}},
                         expect=201)
        return Who(body["token"], body["organization"]["id"], body["user"]["id"], email)

    def add_member(self, owner: Who, role: str) -> Who:
        n = next(_seq)
        email = f"{role}{n}@example.test"
        self.post(f"/organizations/{owner.org_id}/members", owner,
                  {"email": email, "name": f"{role} {n}", "password": PASSWORD, "role": role}, expect=201)
        return self.login(email)

    def login(self, email: str) -> Who:
        body = self.post("/auth/login", json={"email": email, "password": PASSWORD})
        return Who(body["token"], body["organization"]["id"], body["user"]["id"], email)

    def platform_admin(self) -> Who:
        """Platform orgs cannot self-register; admins are created by operators (here: directly)."""
        from marketplace.accounts.services import (
            add_membership,
            create_organization,
            create_user,
        )
        from marketplace.extensions import db

        n = next(_seq)
        org = create_organization("platform", f"Operator {n}")
        user = create_user(f"admin{n}@example.test", "Admin", PASSWORD, "en")
        add_membership(user, org, "admin")
        db.session.commit()
        return self.login(user.email)

    # --- vendors ----------------------------------------------------------------------------------

    def verified_vendor(self, admin: Who, regions=("VN",), name: str | None = None, capacity: int = 100000) -> Who:
        vendor = self.register("vendor", name)
        self.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={
            "legal_name": name or f"Vendor {vendor.org_id} Co., Ltd", "tax_code": valid_tax_code(vendor.org_id),
            "regions": list(regions), "monthly_capacity": capacity,
            "payout_account": {"method": "bank_transfer", "bank_name": "Vietcombank",
                               "account_number": f"00710{vendor.org_id:08d}", "account_holder": f"Vendor {vendor.org_id}"},
        }, expect=200)
        self.upload_document(vendor)
        self.post(f"/vendors/{vendor.org_id}/verification", vendor)
        self.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
        return vendor

    def upload_document(self, vendor: Who, kind: str = "business_registration", content: bytes | None = None,
                        filename: str = "registration.pdf", expect: int | None = 201):
        """Upload a verification document (multipart), a small real PDF by default."""
        import io

        if content is None:
            content = b"%PDF-1.4\n% business registration " + filename.encode() + b"\n%%EOF\n"
        resp = self.call("POST", f"/vendors/{vendor.org_id}/documents", vendor, expect=expect,
                         data={"kind": kind, "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
        return resp.get_json()

    def product(self, vendor: Who, sku: str, name: str, price: str = "100000", moq: int = 1, **extra) -> dict:
        body = {"sku": sku, "name": name, "unit": "piece", "moq": moq, "status": "active", "currency": "VND",
                "price_tiers": [{"min_qty": moq, "unit_price": price}], **extra}
        return self.post("/products", vendor, body, expect=201)

    def build_world(self) -> World:
        admin = self.platform_admin()
        v1 = self.verified_vendor(admin, ("VN-SG", "VN-HN"), "Cơ khí Sài Gòn")
        v2 = self.verified_vendor(admin, ("VN",), "Thép Hà Nội")
        self.product(v1, "BEAR-6205", "Vòng bi 6205-2RS ball bearing", "18000", moq=100, hs_code="848210")
        self.product(v2, "BEAR-6206", "Ball bearing 6206 vòng bi", "21000", moq=50, hs_code="848210")
        self.product(v2, "REBAR-D16", "Thép thanh vằn D16 rebar", "14200000", moq=10, hs_code="721420")
        buyer = self.register("buyer", "Nhà máy May Việt Tiến")
        members = {role: self.add_member(buyer, role) for role in ("requester", "approver", "finance")}
        other = self.register("buyer", "Another Buyer")
        return World(admin=admin, vendors=[v1, v2], buyer=buyer, buyer_members=members, other_buyer=other)

    # --- the deal flow ----------------------------------------------------------------------------

    def open_rfq(self, buyer: Who, vendors: list[Who], quantity: int = 1000, visibility: str = "invite_only",
                 lines: list[dict] | None = None, deadline_days: int = 5) -> dict:
        rfq = self.post("/rfqs", buyer, {
            "title": "Vòng bi 6205 cho dây chuyền", "description": "ball bearings", "delivery_region": "VN-SG",
            "visibility": visibility,
            "quote_deadline": (datetime.now(timezone.utc) + timedelta(days=deadline_days)).isoformat(),
            "lines": lines or [{"description": "Vòng bi 6205-2RS", "quantity": quantity, "unit": "piece"}]}, expect=201)
        for v in vendors:
            self.post(f"/rfqs/{rfq['id']}/matches", buyer, {"vendor_id": v.org_id}, expect=201)
        return self.post(f"/rfqs/{rfq['id']}/publish", buyer)

    def quote(self, vendor: Who, rfq: dict, unit_price: str = "17500", freight: str = "500000", terms=None,
              expect: int = 201) -> dict:
        body = {"lead_time_days": 10, "freight": freight,
                "lines": [{"rfq_line_id": line["id"], "unit_price": unit_price, "quantity": line["quantity"]}
                          for line in rfq["lines"]]}
        if terms:
            body["payment_terms"] = terms
        return self.post(f"/rfqs/{rfq['id']}/quotes", vendor, body, expect=expect)

    def funded_deal(self, world: World, terms=None, lines: list[dict] | None = None) -> dict:
        rfq = self.open_rfq(world.buyer, [world.vendors[0]], lines=lines)
        quote = self.quote(world.vendors[0], rfq, terms=terms)
        deal = self.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
        pay = self.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
        for m in pay["milestones"]:
            ins = m.get("instructions")
            if not ins:  # due after delivery: paid later
                continue
            self.post("/admin/bank-transfers", world.admin,
                      {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})
        return self.get(f"/deals/{deal['id']}", world.buyer)

    def shipped_deal(self, world: World, terms=None, **shipment) -> tuple[dict, dict]:
        """A funded deal its vendor (``world.vendors[0]``) shipped with the manual carrier: (deal, shipment)."""
        deal = self.funded_deal(world, terms=terms)
        shipped = self.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual", **shipment},
                            expect=201)
        return self.get(f"/deals/{deal['id']}", world.buyer), shipped


# --- escrow: bank transfers ------------------------------------------------------------------------

import io  # noqa: E402

from marketplace.escrow import ledger  # noqa: E402
from marketplace.escrow.models import LedgerAccount  # noqa: E402

HEADER = "date,amount,currency,description,transaction_id"
TOTAL = 17500 * 1000 + 500000  #: what the factories' default quote costs, in VND
_txn = iter(range(1, 10**9))


def awaiting_deal(api, world, terms=None) -> tuple[dict, list[dict]]:
    """A deal paid by bank transfer and not yet funded: (deal, [{"id", "reference", "amount"}...])."""
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, terms=terms)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    milestones = [{"id": m["milestone_id"], "reference": m["instructions"]["reference"],
                   "amount": int(m["instructions"]["amount"])} for m in pay["milestones"]]
    return deal, milestones


def row(amount, memo, currency="VND", txn=None, day="2026-11-20") -> str:
    txn = txn or f"FT{next(_txn):08d}"
    memo = '"' + memo.replace('"', '""') + '"'
    return f"{day},{amount},{currency},{memo},{txn}"


def csv_bytes(rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(api, who, data: bytes, expect=201, filename="statement.csv", **query):
    resp = api.client.post("/api/v1/admin/bank-statements", headers=who.headers, content_type="multipart/form-data",
                           query_string=query, data={"file": (io.BytesIO(data), filename)})
    assert resp.status_code == expect, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def import_rows(api, who, *rows, expect=201):
    return upload(api, who, csv_bytes(rows), expect=expect)


def released_deal(api, world, run_jobs, vendor) -> dict:
    """A deal of ``vendor`` paid by bank statement, delivered, accepted and released by the worker."""
    rfq = api.open_rfq(world.buyer, [vendor])
    quote = api.quote(vendor, rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        import_rows(api, world.admin, row(m["instructions"]["amount"], m["instructions"]["reference"]))
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    return deal


def balances(*codes, currency="VND") -> dict[str, int]:
    return {code: ledger.balance(code, currency) for code in codes}


def assert_ledger_sound(db) -> None:
    """Debits = credits per currency (posted and pending), totals match the transfers, nothing negative."""
    db.session.expire_all()
    for cur, tb in ledger.trial_balance().items():
        assert tb["debits"] == tb["credits"], cur
        assert tb["debits_pending"] == tb["credits_pending"], cur
    recomputed = ledger.recomputed_balances()
    for acct in db.session.query(LedgerAccount):
        r = recomputed[acct.id]
        assert (acct.debits_posted, acct.credits_posted, acct.debits_pending, acct.credits_pending) == (
            r["dp"], r["cp"], r["dpe"], r["cpe"]), acct.code
        assert acct.balance() >= 0 and acct.available() >= 0, acct.code


# --- escrow: Stripe (the test server and localstripe are fixtures in tests/escrow/conftest.py) -----

import hashlib  # noqa: E402
import hmac  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402

import sqlalchemy as sa  # noqa: E402
import stripe  # noqa: E402

SECRET_KEY = "sk_test_marketplace"
WEBHOOK_SECRET = "whsec_test_marketplace"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def buyer_client(server) -> stripe.StripeClient:
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
