"""The whole life of a deal over HTTP, with the ledger checked at the end."""

from __future__ import annotations

from datetime import timedelta

from marketplace.database import utcnow
from marketplace.escrow import ledger
from marketplace.jobs import sweep


def ledger_is_sound(db, deal_id: int, currency: str = "VND") -> dict:
    """Debits equal credits per currency, account totals match the transfers, and the deal conserves money."""
    for cur, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"], cur
        assert row["debits_pending"] == row["credits_pending"], cur
    from marketplace.escrow.models import LedgerAccount

    recomputed = ledger.recomputed_balances()
    for acct in db.session.query(LedgerAccount):
        r = recomputed[acct.id]
        assert (acct.debits_posted, acct.credits_posted, acct.debits_pending, acct.credits_pending) == (
            r["dp"], r["cp"], r["dpe"], r["cpe"]), acct.code
    s = ledger.deal_summary(deal_id, currency)
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"]
    return s


def test_whole_deal_over_http_then_ledger_balances(api, world, run_jobs, db):
    buyer, vendor, admin = world.buyer, world.vendors[0], world.admin
    product = api.get("/products?q=vong bi", None)["items"]
    assert any(p["sku"] == "BEAR-6205" for p in product)

    rfq = api.open_rfq(buyer, [vendor])
    assert rfq["status"] == "open"
    run_jobs()  # matching
    quote = api.quote(vendor, rfq, unit_price="17500", freight="500000",
                      terms=[{"name": "deposit", "percent": 30, "due": "on_award"},
                             {"name": "balance", "percent": 70, "due": "before_shipment"}])
    deal = api.post(f"/rfqs/{rfq['id']}/award", buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    assert deal["status"] == "awaiting_payment"
    assert deal["total"] == str(17500 * 1000 + 500000)
    assert [m["amount"] for m in deal["milestones"]] == ["5400000", "12600000"]

    pay = api.post(f"/deals/{deal['id']}/payments", buyer, {"gateway": "bank_transfer"})
    refs = [m["instructions"]["reference"] for m in pay["milestones"]]
    assert len(set(refs)) == 2
    # shipping before funding is refused
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=409)
    for m in pay["milestones"]:
        api.post("/admin/bank-transfers", admin, {"reference": m["instructions"]["reference"],
                                                   "amount": m["instructions"]["amount"], "currency": "VND"})
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "funded"
    assert ledger.total_held()["VND"] == 18000000

    shipment = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    assert shipment["tracking_number"].startswith("MAN")
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
    api.post(f"/deals/{deal['id']}/accept", buyer)
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "accepted"
    run_jobs()  # release
    final = api.get(f"/deals/{deal['id']}", buyer)
    assert final["status"] == "released"

    s = ledger_is_sound(db, deal["id"])
    commission = (18000000 * 500 + 5000) // 10000
    assert s == {"funded": 18000000, "released": 18000000 - commission, "commission": commission, "refunded": 0, "held": 0}
    assert ledger.balance(ledger.vendor_payable(vendor.org_id), "VND") == 18000000 - commission
    body = api.get(f"/admin/deals/{deal['id']}/ledger", admin)
    assert body["summary"]["commission"] == str(commission)
    tb = api.get("/admin/ledger/trial-balance", admin)
    assert tb["currencies"]["VND"]["balanced"] is True

    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events", buyer)["items"]]
    assert events[:1] == ["create"] and events[-1] == "release"
    assert {"fund", "ship", "confirm_delivery", "accept"} <= set(events)


def test_inspection_window_lapse_is_acceptance(api, world, run_jobs, db):
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    assert sweep()["deadlines"] == 0  # not due yet
    report = sweep(utcnow() + timedelta(days=7, minutes=1))
    assert report["deadlines"] == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "accepted"
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    ledger_is_sound(db, deal["id"])


def test_dispute_freezes_release_and_split_settles_exactly(api, world, run_jobs, db):
    deal = api.funded_deal(world)
    did = deal["id"]
    api.post(f"/deals/{did}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{did}/confirm-delivery", world.buyer)
    dispute = api.post(f"/deals/{did}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third of the bearings arrived rusted"}, expect=201)
    # the window lapsing no longer releases anything (only the case's unanswered response deadline fires: it escalates)
    assert sweep(utcnow() + timedelta(days=30))["deadlines"] == 1
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "escalated"
    api.post(f"/deals/{did}/accept", world.buyer, expect=409)
    api.post(f"/disputes/{dispute['id']}/messages", world.vendors[0], {"body": "we can refund part"}, expect=201)
    total = int(deal["total"])
    decided = api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin,
                       {"outcome": "split", "vendor_amount": str(total * 2 // 3), "note": "partly damaged"})
    assert decided["status"] == "decided"
    run_jobs()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "resolved"
    assert api.get(f"/deals/{did}", world.buyer)["status"] == "resolved"
    s = ledger_is_sound(db, did)
    assert s["released"] + s["commission"] == total * 2 // 3
    assert s["refunded"] == total - total * 2 // 3
    assert s["held"] == 0
    # deciding again changes nothing
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"}, expect=409)
    assert ledger_is_sound(db, did) == s


def test_dispute_refund_returns_everything_to_the_buyer(api, world, run_jobs, db):
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "not_received", "description": "nothing arrived"}, expect=201)
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    run_jobs()
    s = ledger_is_sound(db, deal["id"])
    assert s["refunded"] == int(deal["total"]) and s["released"] == 0 and s["commission"] == 0
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == int(deal["total"])


def test_repeated_transitions_are_no_ops(api, world, run_jobs, db):
    deal = api.funded_deal(world)
    did = deal["id"]
    s1 = api.post(f"/deals/{did}/shipments", world.vendors[0], {}, expect=201)
    s2 = api.post(f"/deals/{did}/shipments", world.vendors[0], {}, expect=201)
    assert s1["id"] == s2["id"]
    api.post(f"/deals/{did}/confirm-delivery", world.buyer)
    api.post(f"/deals/{did}/confirm-delivery", world.buyer)
    api.post(f"/deals/{did}/accept", world.buyer)
    api.post(f"/deals/{did}/accept", world.buyer)
    run_jobs()
    before = ledger_is_sound(db, did)
    # a retried release job, and the sweeper's re-drive, move nothing
    from marketplace.deals.jobs import release_deal

    assert release_deal(did) is False
    from marketplace.jobs import enqueue

    enqueue("marketplace.deals.jobs.release_deal", did, queue="money")
    run_jobs()
    assert ledger_is_sound(db, did) == before
    # an admin confirming the same bank transfer twice (a double click) funds nothing twice
    ref = deal["milestones"][0]["payment_reference"]
    api.post("/admin/bank-transfers", world.admin, {"reference": ref, "amount": deal["milestones"][0]["amount"],
                                                   "currency": "VND"}, expect=200)
    assert ledger_is_sound(db, did) == before
    events = [e["name"] for e in api.get(f"/deals/{did}/events", world.buyer)["items"]]
    assert events.count("release") == 1 and events.count("accept") == 1 and events.count("ship") == 1
