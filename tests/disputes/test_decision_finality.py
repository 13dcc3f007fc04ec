"""A dispute decision is final once made: a second one is a 409 ``already_decided`` whatever the settlement
worker has done (withdrawing and messaging too), and of concurrent conflicting decisions exactly one is
recorded, its money moved exactly."""

from __future__ import annotations

import threading

from marketplace.escrow import ledger

from ..factories import ApiClient, assert_ledger_sound


def _disputed(api, world, terms=None):
    deal, _ = api.shipped_deal(world, terms=terms)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third of the bearings arrived rusted"}, expect=201)
    return deal, dispute


def _sound(db, deal_id: int) -> dict:
    """The ledger invariants, and the deal conserves its money."""
    assert_ledger_sound(db)
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"], s
    return s


def _already_decided(body: dict, outcome: str, state: str) -> dict:
    error = body["error"]
    assert error["code"] == "already_decided", body
    details = error["details"]
    assert details["outcome"] == outcome and details["state"] == state
    assert details["decision"]["outcome"] == outcome and details["decided_at"]
    return details


def test_a_second_decision_is_refused_before_and_after_settlement(api, world, run_jobs, db):
    deal, dispute = _disputed(api, world)
    total = int(deal["total"])
    url = f"/admin/disputes/{dispute['id']}/decision"
    key = {"Idempotency-Key": "decide-once"}
    first = api.post(url, world.admin, {"outcome": "refund", "note": "never arrived intact"}, headers=key)
    assert first["status"] == "decided" and first["decision"]["outcome"] == "refund"

    # before the worker ran: a different decision, by another admin too, and a repeat without the key
    other_admin = api.platform_admin()
    for who, body in ((world.admin, {"rationale": "the evidence shows it", "outcome": "release"}), (other_admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "1"}),
                      (world.admin, {"outcome": "refund", "note": "never arrived intact"})):
        refused = api.post(url, who, body, expect=409)
        details = _already_decided(refused, "refund", "decided")
        assert details["decision"]["allocations"] == [{"party": "vendor", "amount": "0", "currency": "VND"},
                                                      {"party": "buyer", "amount": str(total), "currency": "VND"}]
        assert details["decision"]["rationale"] == "never arrived intact" and details["decision"]["by"] == "admin"
        assert details["decision"]["held"] == str(total) and details["decided_by"] == world.admin.user_id
    # a split that would not even fit is still "already decided", not a field error
    api.post(url, world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": str(total + 1)}, expect=409)
    # the identical retry with the same key replays the first answer
    replay = api.call("POST", url, world.admin, json={"outcome": "refund", "note": "never arrived intact"},
                      headers=key, expect=200)
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.get_json() == first
    # the buyer can neither withdraw nor argue a decided case
    assert api.post(f"/disputes/{dispute['id']}/withdraw", world.buyer, expect=409)["error"]["code"] == "already_decided"
    for who in (world.buyer, world.vendors[0]):
        said = api.post(f"/disputes/{dispute['id']}/messages", who, {"body": "but wait"}, expect=409)
        assert said["error"]["code"] == "already_decided"
    shown = api.get(f"/disputes/{dispute['id']}", world.admin)
    assert shown["status"] == "decided" and shown["decision"] == first["decision"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"

    # the ledger follows the one decision
    run_jobs()
    s = _sound(db, deal["id"])
    assert s == {"funded": total, "released": 0, "commission": 0, "refunded": total, "held": 0}
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "resolved"

    # after the worker: the same answers, and nothing moves
    for body in ({"rationale": "the evidence shows it", "outcome": "release"}, {"rationale": "the evidence shows it", "outcome": "refund"}):
        _already_decided(api.post(url, other_admin, body, expect=409), "refund", "resolved")
    replay = api.call("POST", url, world.admin, json={"outcome": "refund", "note": "never arrived intact"},
                      headers=key, expect=200)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    api.post(f"/disputes/{dispute['id']}/withdraw", world.buyer, expect=409)
    api.post(f"/disputes/{dispute['id']}/messages", world.buyer, {"body": "still here"}, expect=409)
    run_jobs()
    assert _sound(db, deal["id"]) == s
    assert api.get(f"/disputes/{dispute['id']}", world.vendors[0])["decision"]["outcome"] == "refund"


def test_a_withdrawn_dispute_cannot_be_decided(api, world, run_jobs, db):
    deal, dispute = _disputed(api, world)
    api.post(f"/disputes/{dispute['id']}/withdraw", world.buyer)
    refused = api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"}, expect=409)
    assert refused["error"]["code"] == "illegal_transition"
    run_jobs()
    s = _sound(db, deal["id"])
    assert s["refunded"] == 0 and s["held"] == 0


def _race(app, calls: list) -> list:
    """Run each ``(method, path, who, body)`` at once, each in its own thread with its own test client
    (and so its own request, app context and database session); the responses in the order given."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int, method: str, path: str, who, body) -> None:
        client = ApiClient(app.test_client())
        barrier.wait()
        try:
            resp = client.call(method, path, who, json=body)
            results[i] = (resp.status_code, resp.get_json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = (None, repr(exc))

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _decision(i: int, total: int) -> dict:
    """Admin ``i``'s decision: each differs from its neighbours."""
    if i % 3 == 0:
        return {"outcome": "release", "note": f"admin {i}"}
    if i % 3 == 1:
        return {"outcome": "refund", "note": f"admin {i}"}
    return {"outcome": "split", "vendor_amount": str(total * (i + 1) // 20 + i), "note": f"admin {i}"}


def test_sixteen_concurrent_admins_record_exactly_one_decision_per_dispute(app, api, world, run_jobs, db):
    two = [{"name": "deposit", "percent": 30, "due": "on_award"},
           {"name": "balance", "percent": 70, "due": "before_shipment"}]
    cases = [_disputed(api, world, terms=terms) for terms in (None, two, None)]
    admins = [world.admin, *(api.platform_admin() for _ in range(15))]
    # each admin decides every dispute (in its own order), all at once: 16 conflicting decisions per dispute
    calls, index = [], []
    for i, admin in enumerate(admins):
        for k in range(len(cases)):
            deal, dispute = cases[(i + k) % len(cases)]
            calls.append(("POST", f"/admin/disputes/{dispute['id']}/decision", admin, _decision(i, int(deal["total"]))))
            index.append(((i + k) % len(cases), i))
    results = _race(app, calls)

    winners = {}
    for (case, admin), (status, body) in zip(index, results):
        assert status in (200, 409), (status, body)
        if status == 200:
            assert case not in winners, f"dispute {case} decided twice"
            winners[case] = (admin, body)
    assert sorted(winners) == list(range(len(cases)))
    for (case, admin), (status, body) in zip(index, results):
        if status == 409:
            winner = winners[case][1]
            details = _already_decided(body, winner["decision"]["outcome"], "decided")
            assert details["decision"]["allocations"] == [{**a, "currency": "VND"}
                                                          for a in winner["decision"]["allocations"]]
            assert details["decided_by"] == admins[winners[case][0]].user_id

    run_jobs()
    for case, (deal, dispute) in enumerate(cases):
        admin, winner = winners[case]
        total = int(deal["total"])
        vendor_share = int(next(a["amount"] for a in winner["decision"]["allocations"] if a["party"] == "vendor"))
        assert winner["decision"] == {**winner["decision"], **_expected(_decision(admin, total), total)}
        shown = api.get(f"/disputes/{dispute['id']}", world.buyer)
        assert shown["status"] == "resolved" and shown["decision"] == winner["decision"]
        assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "resolved"
        s = _sound(db, deal["id"])
        assert s["funded"] == total and s["held"] == 0
        assert s["released"] + s["commission"] == vendor_share and s["refunded"] == total - vendor_share

    # and a second round after the worker: all refused, nothing moves
    before = [ledger.deal_summary(deal["id"], "VND") for deal, _ in cases]
    again = _race(app, [("POST", f"/admin/disputes/{dispute['id']}/decision", admins[i], {"rationale": "the evidence shows it", "outcome": "refund"})
                        for i, (_, dispute) in enumerate(cases)])
    assert [(status, body["error"]["code"]) for status, body in again] == [(409, "already_decided")] * len(cases)
    run_jobs()
    assert [_sound(db, deal["id"]) for deal, _ in cases] == before


def _expected(body: dict, total: int) -> dict:
    """The recorded decision an admin's request makes (held everything: nothing was released before)."""
    vendor = {"release": total, "refund": 0}.get(body["outcome"])
    vendor = int(body["vendor_amount"]) if vendor is None else vendor
    return {"note": body["note"], "rationale": body["note"], "outcome": body["outcome"], "held": str(total),
            "allocations": [{"party": "vendor", "amount": str(vendor)}, {"party": "buyer", "amount": str(total - vendor)}]}


def test_a_withdrawal_racing_decisions_leaves_one_outcome(app, api, world, run_jobs, db):
    deal, dispute = _disputed(api, world)
    total = int(deal["total"])
    admins = [world.admin, *(api.platform_admin() for _ in range(7))]
    calls = [("POST", f"/disputes/{dispute['id']}/withdraw", world.buyer, {})]
    calls += [("POST", f"/admin/disputes/{dispute['id']}/decision", admin, _decision(i, total))
              for i, admin in enumerate(admins)]
    results = _race(app, calls)
    assert all(status in (200, 409) for status, _ in results), results
    assert [status for status, _ in results].count(200) == 1
    run_jobs()
    s = _sound(db, deal["id"])
    assert s["held"] == 0 and s["funded"] == total
    shown = api.get(f"/disputes/{dispute['id']}", world.buyer)
    if results[0][0] == 200:  # the buyer won: accepted, released in full, no decision
        assert shown["status"] == "withdrawn" and shown["decision"] is None
        assert s["released"] + s["commission"] == total
        assert {body["error"]["code"] for _, body in results[1:]} == {"illegal_transition"}
    else:
        assert results[0][1]["error"]["code"] == "already_decided"
        assert shown["status"] == "resolved"
        winner = next(body for status, body in results[1:] if status == 200)
        assert shown["decision"] == winner["decision"]
