"""Deals paid by Stripe end to end: PaymentIntents, webhooks, release, refund and split, onboarding."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.escrow import ledger
from tests.factories import (
    buyer_client,
    deliver_and_accept,
    funded_stripe_deal,
    onboard,
    outbox,
    pay_all,
    stripe_deal,
)

TERMS = [{"name": "deposit", "percent": 30, "due": "on_award"},
         {"name": "balance", "percent": 70, "due": "before_shipment"}]


def _ledger_sound(deal_id: int) -> dict:
    for cur, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"], cur
        assert row["debits_pending"] == row["credits_pending"], cur
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"]
    return s


def test_stripe_deal_paid_through_webhooks_releases_one_net_transfer_per_milestone(
        api, client, world, run_jobs, db, stripe_server):
    account = onboard(api, client, stripe_server, world.vendors[0], run_jobs)
    deal, milestones = stripe_deal(api, world, run_jobs, TERMS)
    assert [m["instructions"]["amount"] for m in milestones] == ["5400000", "12600000"]
    assert all(m["instructions"]["client_secret"].startswith(m["instructions"]["payment_intent"]) for m in milestones)
    pi = buyer_client(stripe_server).v1.payment_intents.retrieve(milestones[0]["instructions"]["payment_intent"])
    assert (pi.amount, pi.currency, pi.transfer_group) == (5400000, "vnd", f"deal_{deal['id']}")
    assert pi.metadata["milestone_id"] == str(milestones[0]["milestone_id"])

    funded = pay_all(api, client, stripe_server, world, deal, milestones, run_jobs)
    assert funded["status"] == "funded"
    assert [m["status"] for m in funded["milestones"]] == ["funded", "funded"]
    assert ledger.total_held()["VND"] == 18000000
    assert stripe_server.transfers() == []  # nothing leaves escrow before acceptance

    deliver_and_accept(api, world, deal)
    run_jobs()  # release, then the outbox makes the transfers
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    transfers = sorted(stripe_server.transfers(transfer_group=f"deal_{deal['id']}"), key=lambda t: t["amount"])
    assert [(t["amount"], t["currency"], t["destination"]) for t in transfers] == [
        (5400000 - 270000, "vnd", account), (12600000 - 630000, "vnd", account)]
    assert all(t["source_transaction"] and t["source_transaction"].startswith("ch_") for t in transfers)
    assert [c["status"] for c in outbox(db, "stripe.transfer")] == ["done", "done"]

    s = _ledger_sound(deal["id"])
    assert s == {"funded": 18000000, "released": 18000000 - 900000, "commission": 900000, "refunded": 0, "held": 0}
    # the vendor's payable was paid by the transfers; Stripe keeps the platform's commission
    assert ledger.balance(ledger.vendor_payable(world.vendors[0].org_id), "VND") == 0
    assert ledger.balance(ledger.clearing_account("stripe"), "VND") == 900000

    run_jobs()  # a late duplicate of anything changes nothing
    assert len(stripe_server.transfers()) == 2


def test_admin_refund_of_a_stripe_deal_refunds_each_payment_in_full(api, client, world, run_jobs, db, stripe_server):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs, TERMS)
    api.post(f"/admin/deals/{deal['id']}/refund", world.admin, {"reason": "vendor cannot deliver"})
    run_jobs()
    buyer = buyer_client(stripe_server)
    for m in api.get(f"/deals/{deal['id']}", world.buyer)["milestones"]:
        assert m["status"] == "refunded"
    payments = {p.milestone_id: p for p in _payments(db)}
    for m in deal["milestones"]:
        pi = buyer.v1.payment_intents.retrieve(payments[m["id"]].payment_intent_id)
        assert pi.latest_charge["amount_refunded"] == int(m["amount"])
    assert stripe_server.transfers() == []
    assert _ledger_sound(deal["id"])["refunded"] == 18000000
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == 0


def test_dispute_split_transfers_the_vendor_share_and_refunds_the_rest(api, client, world, run_jobs, db, stripe_server):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs)  # one milestone, 100 %
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third arrived rusty"}, expect=201)
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "12000000"})
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "resolved"

    (transfer,) = stripe_server.transfers()
    assert transfer["amount"] == 12000000 - 600000 and transfer["transfer_group"] == f"deal_{deal['id']}"
    (payment,) = _payments(db)
    charge = buyer_client(stripe_server).v1.payment_intents.retrieve(payment.payment_intent_id).latest_charge
    assert (charge["amount"], charge["amount_refunded"]) == (18000000, 6000000)
    s = _ledger_sound(deal["id"])
    assert s == {"funded": 18000000, "released": 11400000, "commission": 600000, "refunded": 6000000, "held": 0}


def test_payment_instructions_show_the_client_secret_once_the_intent_exists(api, client, world, run_jobs, stripe_server):
    onboard(api, client, stripe_server, world.vendors[0], run_jobs)
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    started = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"})
    (m,) = started["milestones"]
    assert m["instructions"]["status"] == "preparing" and "client_secret" not in m["instructions"]
    api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"})  # a repeat is harmless
    run_jobs()
    (m,) = api.get(f"/deals/{deal['id']}/payments", world.buyer)["milestones"]
    assert m["instructions"]["status"] == "ready" and m["instructions"]["client_secret"]
    assert len(stripe_server.posts("/v1/payment_intents")) == 1


def test_stripe_needs_an_onboarded_vendor_and_a_configured_app(api, world, app, db, stripe_server):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    body = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"}, expect=409)
    assert body["error"]["code"] == "vendor_not_onboarded"
    with db.engine.connect() as conn:  # nothing was committed (the test client shares one session)
        assert conn.execute(sa.text("SELECT gateway FROM deals WHERE id = :id"), {"id": deal["id"]}).scalar() is None
    db.session.rollback()
    # an account whose onboarding the vendor has not finished cannot receive transfers yet
    api.post(f"/vendors/{world.vendors[0].org_id}/payout-account/stripe", world.vendors[0], {})
    body = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"}, expect=409)
    assert body["error"]["code"] == "vendor_not_onboarded"
    db.session.rollback()

    app.config["STRIPE_SECRET_KEY"] = None
    body = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "stripe"}, expect=422)
    assert body["error"]["fields"]["gateway"] == ["one of bank_transfer"]


def test_vendor_onboarding_creates_one_account_and_fresh_links(api, client, world, run_jobs, stripe_server):
    vendor = world.vendors[0]
    first = api.post(f"/vendors/{vendor.org_id}/payout-account/stripe", vendor,
                     {"return_url": "https://example.test/back", "refresh_url": "https://example.test/again"})
    assert first["account_id"].startswith("acct_") and first["status"] == "onboarding"
    assert first["onboarding_url"].startswith(stripe_server.url)
    again = api.post(f"/vendors/{vendor.org_id}/payout-account/stripe", vendor, {})
    assert again["account_id"] == first["account_id"]
    assert len(stripe_server.posts("/v1/accounts")) == 1
    api.post(f"/vendors/{world.vendors[1].org_id}/payout-account/stripe", vendor, {}, expect=404)
    api.post(f"/vendors/{vendor.org_id}/payout-account/stripe", world.buyer, {}, expect=403)

    onboard(api, client, stripe_server, vendor, run_jobs)  # finishing Stripe's forms, told by account.updated
    status = api.get(f"/vendors/{vendor.org_id}/payout-account/stripe", vendor)
    assert (status["status"], status["payouts_enabled"]) == ("enabled", True)


def _payments(db):
    from marketplace.escrow.gateways.stripe.models import StripePayment

    db.session.expire_all()
    return list(db.session.query(StripePayment).order_by(StripePayment.milestone_id))


def test_reconciliation_compares_stripe_payments_and_transfers_with_the_ledger(api, client, world, run_jobs,
                                                                              stripe_server):
    deal = funded_stripe_deal(api, client, stripe_server, world, run_jobs)
    deliver_and_accept(api, world, deal)
    run_jobs()
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    assert [m for m in report["mismatches"] if m["source"] == "stripe"] == []
    assert report["summary"]["stripe"]["VND"] == {"payments": "18000000", "transfers": "17100000", "refunds": "0"}

    (transfer,) = stripe_server.transfers()
    transfer["amount_reversed"] = transfer["amount"]  # someone reversed it in Stripe's dashboard
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    (mismatch,) = [m for m in report["mismatches"] if m["source"] == "stripe"]
    assert (mismatch["kind"], mismatch["subject"]) == ("transfer", transfer["id"])
