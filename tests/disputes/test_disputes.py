"""Disputes over HTTP: a case around a deal, its conversation, withdrawal and an admin's decision settling
exact money; another organisation never sees the case."""

from __future__ import annotations

from datetime import timedelta

from marketplace.database import utcnow
from marketplace.escrow import ledger
from marketplace.jobs import redis_connection, sweep

TWO_MILESTONES = [{"name": "deposit", "percent": 30, "due": "on_award"},
                  {"name": "balance", "percent": 70, "due": "before_shipment"}]


def _sound(deal_id: int) -> dict:
    """Debits equal credits, and the deal conserves its money."""
    for cur, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"], cur
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"]
    return s


def _open(api, world, deal, reason="damaged", description="a third of the bearings arrived rusted", expect=201):
    return api.post(f"/deals/{deal['id']}/disputes", world.buyer, {"reason": reason, "description": description},
                    expect=expect)


def test_opening_freezes_the_deal_and_the_case_carries_its_parties(api, world):
    deal, _shipment = api.shipped_deal(world)
    dispute = _open(api, world, deal)
    assert dispute["status"] == "open" and dispute["deal_id"] == deal["id"]
    assert (dispute["buyer_id"], dispute["vendor_id"], dispute["currency"]) == (
        world.buyer.org_id, world.vendors[0].org_id, "VND")
    assert dispute["decision"] is None and dispute["decided_at"] is None and dispute["resolved_at"] is None
    # filed by the buyer over the whole deal: everything held is claimed
    assert dispute["opened_by_party"] == "buyer" and dispute["claimed_amount"] == deal["total"]
    assert [s["deal_line_id"] for s in dispute["scope"]] == [line["id"] for line in deal["lines"]]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"
    # a repeated request returns the live case, not a second one
    assert _open(api, world, deal)["id"] == dispute["id"]
    # the vendor is told
    kinds = [n["kind"] for n in api.get("/notifications", world.vendors[0])["items"]]
    assert "dispute_opened" in kinds
    # and so is the platform's desk
    assert "dispute_filed" in [n["kind"] for n in api.get("/notifications", world.admin)["items"]]


def test_vendor_reply_negotiates_and_messages_come_in_pages(api, world):
    deal, _ = api.shipped_deal(world)
    dispute = _open(api, world, deal)
    did = dispute["id"]
    api.post(f"/disputes/{did}/messages", world.buyer, {"body": "photos attached"}, expect=201)
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "open"  # the buyer talking changes nothing
    api.post(f"/disputes/{did}/messages", world.vendors[0], {"body": "we can refund part"}, expect=201)
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "negotiating"
    api.post(f"/disputes/{did}/messages", world.admin, {"body": "please agree on an amount"}, expect=201)

    first = api.get(f"/disputes/{did}/messages?limit=2", world.vendors[0])
    assert [m["body"] for m in first["items"]] == ["photos attached", "we can refund part"]
    assert first["next_cursor"]
    second = api.get(f"/disputes/{did}/messages?limit=2&cursor={first['next_cursor']}", world.vendors[0])
    assert [m["body"] for m in second["items"]] == ["please agree on an amount"]
    assert second["next_cursor"] is None
    assert second["items"][0]["author_org_id"] == world.admin.org_id


def test_another_organisation_never_sees_the_case(api, world):
    deal, _ = api.shipped_deal(world)
    did = _open(api, world, deal)["id"]
    other_vendor = world.vendors[1]
    for who in (world.other_buyer, other_vendor):
        body = api.get(f"/disputes/{did}", who, expect=404)
        assert body["error"]["code"] == "not_found"
        api.get(f"/disputes/{did}/messages", who, expect=404)
        api.post(f"/disputes/{did}/messages", who, {"body": "let me in"}, expect=404)
    api.post(f"/disputes/{did}/withdraw", world.other_buyer, expect=404)
    api.post(f"/deals/{deal['id']}/disputes", world.other_buyer,
             {"reason": "damaged", "description": "not my deal at all"}, expect=404)
    # the parties and the platform do
    for who in (world.buyer, world.vendors[0], world.admin):
        assert api.get(f"/disputes/{did}", who)["id"] == did


def test_withdrawing_accepts_the_deal_and_releases_the_money(api, world, run_jobs):
    deal, _ = api.shipped_deal(world)
    dispute = _open(api, world, deal)
    withdrawn = api.post(f"/disputes/{dispute['id']}/withdraw", world.buyer)
    assert withdrawn["status"] == "withdrawn"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "accepted"
    api.post(f"/disputes/{dispute['id']}/withdraw", world.buyer)  # a double click is harmless
    api.post(f"/disputes/{dispute['id']}/messages", world.buyer, {"body": "one more thing"}, expect=409)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    s = _sound(deal["id"])
    assert s["released"] + s["commission"] == int(deal["total"]) and s["refunded"] == 0 and s["held"] == 0


def test_split_over_two_milestones_settles_exact_money(api, world, run_jobs):
    deal, _ = api.shipped_deal(world, terms=TWO_MILESTONES)
    total = int(deal["total"])
    dispute = _open(api, world, deal)
    vendor_amount = total * 2 // 3 + 1  # not a round share of either milestone
    decided = api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin,
                       {"outcome": "split", "vendor_amount": str(vendor_amount), "note": "partly damaged"})
    assert decided["status"] == "decided" and decided["decided_at"]
    assert decided["currency"] == "VND"
    assert decided["decision"]["outcome"] == "split"
    assert decided["decision"]["held"] == str(total)
    assert decided["decision"]["allocations"] == [{"party": "vendor", "amount": str(vendor_amount)},
                                                  {"party": "buyer", "amount": str(total - vendor_amount)}]
    run_jobs()
    resolved = api.get(f"/disputes/{dispute['id']}", world.vendors[0])
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "resolved"
    s = _sound(deal["id"])
    assert s["released"] + s["commission"] == vendor_amount
    assert s["refunded"] == total - vendor_amount and s["held"] == 0
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == total - vendor_amount
    # a second decision is refused and moves nothing
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "release"}, expect=409)
    assert _sound(deal["id"]) == s


def test_release_decision_pays_the_vendor_less_commission(api, world, run_jobs):
    deal, _ = api.shipped_deal(world)
    dispute = _open(api, world, deal, reason="not_as_described", description="turned out fine after all")
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "release"})
    run_jobs()
    s = _sound(deal["id"])
    total = int(deal["total"])
    assert s["released"] + s["commission"] == total and s["refunded"] == 0
    assert s["commission"] == (total * deal["commission_bps"] + 5000) // 10000


def test_a_split_that_does_not_fit_the_held_money_is_a_field_error(api, world):
    deal, _ = api.shipped_deal(world)
    dispute = _open(api, world, deal)
    url = f"/admin/disputes/{dispute['id']}/decision"
    too_much = api.post(url, world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": str(int(deal["total"]) + 1)},
                        expect=422)
    assert list(too_much["error"]["fields"]) == ["vendor_amount"]
    assert "between 0 and" in too_much["error"]["fields"]["vendor_amount"][0]
    decimals = api.post(url, world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "10.5"}, expect=422)  # VND has none
    assert list(decimals["error"]["fields"]) == ["vendor_amount"]
    assert api.get(f"/disputes/{dispute['id']}", world.admin)["status"] == "open"


def test_a_lost_settlement_is_redriven_by_its_own_sweep_step(api, world, run_jobs):
    deal, _ = api.shipped_deal(world)
    dispute = _open(api, world, deal, reason="not_received", description="never arrived")
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    redis_connection().flushdb()  # the settlement job is gone
    assert sweep()["redrive_dispute_settlements"] == 0  # too fresh to call lost
    assert sweep(utcnow() + timedelta(minutes=5))["redrive_dispute_settlements"] == 1
    run_jobs()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "resolved"
    s = _sound(deal["id"])
    assert s["refunded"] == int(deal["total"]) and s["released"] == 0
    assert sweep(utcnow() + timedelta(minutes=10))["redrive_dispute_settlements"] == 0  # nothing left to do
