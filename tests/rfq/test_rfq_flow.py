"""The RFQ loop over HTTP: publish, invitations, quotes, revision, comparison, split award, deals."""

from __future__ import annotations

from datetime import timedelta

from marketplace.database import utcnow
from marketplace.jobs import sweep

TWO_LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece", "target_unit_price": "18000"},
             {"description": "Thép thanh vằn D16", "quantity": 20, "unit": "tonne"}]


def _quote(api, vendor, rfq, prices, freight="0", incoterm="DAP", expect=201, path=None):
    body = {"lead_time_days": 12, "freight": freight, "incoterm": incoterm,
            "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": line["quantity"]}
                      for line, price in zip(rfq["lines"], prices) if price is not None]}
    return api.post(path or f"/rfqs/{rfq['id']}/quotes", vendor, body, expect=expect)


def test_publish_quote_revise_compare_split_award(api, world, run_jobs):
    v1, v2 = world.vendors
    rfq = api.open_rfq(world.buyer, [], lines=TWO_LINES)
    run_jobs()  # matching invites vendors in the background
    matches = api.get(f"/rfqs/{rfq['id']}/matches", world.buyer)["items"]
    assert {m["vendor_id"] for m in matches} >= {v1.org_id, v2.org_id}
    assert all(m["rationale"] for m in matches)
    feed = api.get("/notifications?limit=100", v1)["items"]
    assert any(n["kind"] == "rfq_invitation" and n["data"]["rfq_id"] == rfq["id"] for n in feed)

    q1 = _quote(api, v1, rfq, ["17800", "14900000"], freight="800000")
    q2 = _quote(api, v2, rfq, ["18500", "14100000"], freight="0", incoterm="EXW")
    # the buyer asks v1 for a better price; v1 revises; both versions stay readable with a diff
    api.post(f"/quotes/{q1['id']}/request-revision", world.buyer, {"message": "17,500 và chúng tôi chốt"})
    assert any(n["kind"] == "revision_requested" for n in api.get("/notifications?limit=100", v1)["items"])
    q1b = _quote(api, v1, rfq, ["17500", "14900000"], freight="800000", expect=200,
                 path=f"/quotes/{q1['id']}/revise")
    assert q1b["revision"] == 2 and q1b["status"] == "revised"
    versions = api.get(f"/quotes/{q1['id']}/versions", v1)["items"]
    assert [v["revision"] for v in versions] == [1, 2]
    line_changes = [c for c in versions[1]["changes"] if "rfq_line_id" in c]
    assert line_changes == [{"rfq_line_id": rfq["lines"][0]["id"], "change": "changed",
                             "fields": {"unit_price": {"from": "17800", "to": "17500"}}}]
    assert versions[0]["snapshot"]["lines"][0]["unit_price"] == "17800"  # the first version stays readable
    assert versions[0]["snapshot"]["freight"] == "800000"

    cmp = api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)
    rows = {r["quote_id"]: r for r in cmp["quotes"]}
    assert rows[q1["id"]]["landed_cost"] == str(17500 * 1000 + 14900000 * 20 + 800000)
    assert rows[q1["id"]]["complete"] is True
    assert any("EXW" in f for f in rows[q2["id"]]["flags"])  # carriage not included is flagged
    assert {b["quote_id"] for b in cmp["best_quote_per_line"]} == {q1["id"], q2["id"]}

    # split award: line 1 to v1, line 2 to v2 -> one deal per vendor
    award = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"lines": [
        {"rfq_line_id": rfq["lines"][0]["id"], "quote_id": q1["id"]},
        {"rfq_line_id": rfq["lines"][1]["id"], "quote_id": q2["id"]}]}, expect=201)
    deals = {d["vendor_id"]: d for d in award["deals"]}
    assert set(deals) == {v1.org_id, v2.org_id}
    # v1's freight follows the share of its quote that was awarded (all of line 1 value of its quote)
    share, whole = 17500 * 1000, 17500 * 1000 + 14900000 * 20
    assert int(deals[v1.org_id]["freight"]) in (800000 * share // whole, 800000 * share // whole + 1)
    assert deals[v2.org_id]["total"] == str(14100000 * 20)
    assert api.get(f"/rfqs/{rfq['id']}", world.buyer)["status"] == "awarded"
    # awarding the same line twice is refused and creates nothing
    again = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer,
                     json={"lines": [{"rfq_line_id": rfq["lines"][0]["id"], "quote_id": q2["id"]}]}, expect=409)
    assert again.get_json()["error"]["code"] == "line_already_awarded"
    assert len(api.get("/deals", world.buyer)["items"]) == 2
    assert any(n["kind"] == "deal_awarded" for n in api.get("/notifications?limit=100", v2)["items"])


def test_uninvited_vendor_cannot_see_or_quote_on_invite_only_rfq(api, world):
    outsider = api.verified_vendor(world.admin)
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    api.call("GET", f"/rfqs/{rfq['id']}", outsider, expect=404)
    _quote(api, outsider, rfq, ["1000"], expect=404)
    assert rfq["id"] not in [r["id"] for r in api.get("/rfqs", outsider)["items"]]


def test_open_rfq_is_on_the_board_for_verified_vendors(api, world):
    outsider = api.verified_vendor(world.admin)
    rfq = api.open_rfq(world.buyer, [], visibility="open")
    assert rfq["id"] in [r["id"] for r in api.get("/rfqs", outsider)["items"]]
    _quote(api, outsider, rfq, ["1000"])
    unverified = api.register("vendor")
    _quote(api, unverified, rfq, ["1000"], expect=404)  # the board is for verified vendors only


def test_quoting_after_the_deadline_is_a_409(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    report = sweep(utcnow() + timedelta(days=6))  # the quote deadline (5 days) lapsed
    assert report["deadlines"] >= 1
    assert api.get(f"/rfqs/{rfq['id']}", world.buyer)["status"] == "closed"
    resp = _quote(api, world.vendors[0], rfq, ["1000"], expect=409)
    assert resp["error"]["code"] == "quotes_closed"


def test_a_buyer_cannot_see_another_buyers_rfqs(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    api.call("GET", f"/rfqs/{rfq['id']}", world.other_buyer, expect=404)
    api.call("GET", f"/rfqs/{rfq['id']}/quotes", world.other_buyer, expect=404)
    api.call("GET", f"/rfqs/{rfq['id']}/comparison", world.other_buyer, expect=404)
    api.call("POST", f"/rfqs/{rfq['id']}/award", world.other_buyer, json={"quote_ids": [1]}, expect=404)
    assert api.get("/rfqs", world.other_buyer)["items"] == []


def test_bad_rfq_input_is_422_and_changes_nothing(api, world):
    before = api.get("/rfqs", world.buyer)["items"]
    for body in ({}, {"title": "ok title", "lines": []},
                 {"title": "ok title", "lines": [{"description": "x", "quantity": 0, "unit": "kg"}]},
                 {"title": "ok title", "lines": [{"description": "x", "quantity": 1, "unit": "kg",
                                                  "target_unit_price": "12.5"}]},
                 {"title": "ok title", "currency": "XXX", "lines": [{"description": "x", "quantity": 1, "unit": "kg"}]},
                 {"title": "ok title", "quote_deadline": "2001-01-01T00:00:00+00:00",
                  "lines": [{"description": "x", "quantity": 1, "unit": "kg"}]}):
        resp = api.call("POST", "/rfqs", world.buyer, json=body, expect=422)
        assert resp.get_json()["error"]["fields"]
    assert api.get("/rfqs", world.buyer)["items"] == before


def test_quote_expires_and_withdrawn_quotes_cannot_be_awarded(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0], world.vendors[1]], deadline_days=30)
    q1 = api.quote(world.vendors[0], rfq)
    q2 = api.quote(world.vendors[1], rfq)
    api.post(f"/quotes/{q2['id']}/withdraw", world.vendors[1])
    api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [q2["id"]]}, expect=409)
    sweep(utcnow() + timedelta(days=15))  # quote validity (14 days) lapsed
    assert api.get(f"/quotes/{q1['id']}", world.buyer)["status"] == "expired"
    api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [q1["id"]]}, expect=409)
    assert api.get("/deals", world.buyer)["items"] == []


def test_approval_threshold_for_publishing_and_deals(api, world):
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer,
             json={"approval_threshold": "10000000"}, expect=200)
    requester, approver = world.buyer_members["requester"], world.buyer_members["approver"]
    rfq = api.post("/rfqs", requester, {"title": "Big order of bearings", "delivery_region": "VN-SG", "lines": [
        {"description": "Vòng bi 6205", "quantity": 1000, "unit": "piece", "target_unit_price": "18000"}]}, expect=201)
    resp = api.call("POST", f"/rfqs/{rfq['id']}/publish", requester, json={}, expect=403)
    assert resp.get_json()["error"]["code"] == "approval_required"
    api.post(f"/rfqs/{rfq['id']}/matches", approver, {"vendor_id": world.vendors[0].org_id}, expect=201)
    rfq = api.post(f"/rfqs/{rfq['id']}/publish", approver)
    quote = api.quote(world.vendors[0], rfq)
    # a requester may award, but the deal waits for an approver
    deal = api.post(f"/rfqs/{rfq['id']}/award", requester, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    assert deal["status"] == "awaiting_approval"
    api.call("POST", f"/deals/{deal['id']}/payments", requester, json={}, expect=409)
    api.call("POST", f"/deals/{deal['id']}/approve", requester, json={}, expect=403)
    assert api.post(f"/deals/{deal['id']}/approve", approver)["status"] == "awaiting_payment"


def test_unverified_vendors_do_not_see_the_open_board(api, world):
    rfq = api.open_rfq(world.buyer, [], visibility="open")
    unverified = api.register("vendor")
    assert rfq["id"] not in [r["id"] for r in api.get("/rfqs", unverified)["items"]]
    api.call("GET", f"/rfqs/{rfq['id']}", unverified, expect=404)


def test_drafts_are_for_their_buyer_and_admins_only_even_when_open_and_invited(api, world):
    invited = world.vendors[0]
    draft = api.post("/rfqs", world.buyer, {
        "title": "Bản nháp", "delivery_region": "VN-SG", "visibility": "open",
        "lines": [{"description": "Vòng bi 6205-2RS", "quantity": 10, "unit": "piece"}]}, expect=201)
    api.post(f"/rfqs/{draft['id']}/matches", world.buyer, {"vendor_id": invited.org_id}, expect=201)
    for vendor in (invited, world.vendors[1]):
        api.call("GET", f"/rfqs/{draft['id']}", vendor, expect=404)
        assert draft["id"] not in [r["id"] for r in api.get("/rfqs?limit=100", vendor)["items"]]
    assert api.get(f"/rfqs/{draft['id']}", world.buyer)["status"] == "draft"
    assert draft["id"] in [r["id"] for r in api.get("/rfqs?status=draft&limit=100", world.buyer)["items"]]
    assert api.get(f"/rfqs/{draft['id']}", world.admin)["status"] == "draft"
    api.call("GET", f"/rfqs/{draft['id']}", world.other_buyer, expect=404)
