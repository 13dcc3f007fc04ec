"""Sixteen concurrent, conflicting outcomes on the same disputes: admins deciding, each party accepting the
other's offer, the vendor superseding its offer, all at once, each request in its own thread and session.
Exactly one outcome is recorded per dispute, every other outcome is a 409, and the money settles exactly
that outcome (the deal conserves its money, the ledger balances)."""

from __future__ import annotations

from marketplace.escrow import ledger

from ..factories import TOTAL, assert_ledger_sound
from .test_decision_finality import _race

CASES = 4


def _negotiating(api, world) -> tuple[dict, dict, dict, dict]:
    """A dispute with an open offer from each party: (deal, dispute, vendor's offer, buyer's offer)."""
    deal, _ = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "quantity_short", "description": "800 of 1,000 bearings arrived"}, expect=201)
    url = f"/disputes/{dispute['id']}/offers"
    vendor_offer = api.post(url, world.vendors[0], {"buyer_amount": "2000000", "note": "vendor"}, expect=201)
    buyer_offer = api.post(url, world.buyer, {"buyer_amount": "5000000", "note": "buyer"}, expect=201)
    return deal, dispute, vendor_offer, buyer_offer


def test_sixteen_conflicting_decisions_offers_and_acceptances_give_one_outcome_each(app, api, world, run_jobs, db):
    cases = [_negotiating(api, world) for _ in range(CASES)]
    admins = [world.admin, *(api.platform_admin() for _ in range(CASES - 1))]
    calls, meta = [], []
    for i, (deal, dispute, vendor_offer, buyer_offer) in enumerate(cases):
        did = dispute["id"]
        calls += [
            ("POST", f"/admin/disputes/{did}/decision", admins[i],
             {"outcome": "split", "buyer_amount": str(1000000 * (i + 1)), "rationale": f"admin {i}"}),
            ("POST", f"/disputes/{did}/offers/{vendor_offer['id']}/accept", world.buyer, {}),
            ("POST", f"/disputes/{did}/offers/{buyer_offer['id']}/accept", world.vendors[0], {}),
            ("POST", f"/disputes/{did}/offers", world.vendors[0], {"buyer_amount": "3000000", "note": "newer"}),
        ]
        meta += [(i, "admin"), (i, "buyer_accepts"), (i, "vendor_accepts"), (i, "new_offer")]
    assert len(calls) == 16
    results = _race(app, calls)

    outcomes: dict[int, tuple[str, dict]] = {}
    for (case, what), (status, body) in zip(meta, results):
        if what == "new_offer":
            assert status in (201, 409), (status, body)
            if status == 409:
                assert body["error"]["code"] == "already_decided"
            continue
        assert status in (200, 409), (status, body)
        if status == 200:
            assert case not in outcomes, f"dispute {case} got two outcomes"
            outcomes[case] = (what, body)
        else:
            assert body["error"]["code"] in ("already_decided", "offer_not_open"), body
    assert sorted(outcomes) == list(range(CASES))

    run_jobs()
    for case, (deal, dispute, vendor_offer, buyer_offer) in enumerate(cases):
        what, body = outcomes[case]
        expected_refund = {"admin": 1000000 * (case + 1), "buyer_accepts": int(vendor_offer["buyer_amount"]),
                           "vendor_accepts": int(buyer_offer["buyer_amount"])}[what]
        shown = api.get(f"/disputes/{dispute['id']}", world.buyer)
        assert shown["status"] == "resolved"
        assert shown["decision"] == body["decision"]
        assert shown["decision"]["by"] == ("admin" if what == "admin" else "parties")
        buyer_line = next(a for a in shown["decision"]["allocations"] if a["party"] == "buyer")
        assert int(buyer_line["amount"]) == expected_refund
        # the losers' later attempts are the same 409 with the recorded decision
        again = api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"}, expect=409)
        assert again["error"]["details"]["decision"]["by"] == shown["decision"]["by"]
        offers = api.get(f"/disputes/{dispute['id']}/offers", world.buyer)["items"]
        assert sum(o["status"] == "accepted" for o in offers) == (0 if what == "admin" else 1)
        assert not any(o["status"] == "open" for o in offers)
        s = ledger.deal_summary(deal["id"], "VND")
        assert s["funded"] == TOTAL and s["held"] == 0 and s["refunded"] == expected_refund
        assert s["released"] + s["commission"] == TOTAL - expected_refund
    assert_ledger_sound(db)
