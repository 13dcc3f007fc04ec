"""Deal reviews over HTTP: the buyer rates a finished deal once, the vendor replies once, anyone reads them."""

from __future__ import annotations

from tests.factories import released_deal

GOOD = {"quality": 5, "on_time": 4, "communication": 3, "comment": "Vòng bi đúng mô tả, giao trễ một ngày"}


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications?limit=100", who)["items"]]


def test_buyer_reviews_a_released_deal_once_and_the_vendor_replies_once(api, world, run_jobs):
    vendor = world.vendors[0]
    deal = released_deal(api, world, run_jobs, vendor)

    review = api.post(f"/deals/{deal['id']}/review", world.buyer, GOOD, expect=201)
    assert (review["quality"], review["on_time"], review["communication"]) == (5, 4, 3)
    assert review["average"] == 4.0 and review["reply"] is None
    assert "deal_reviewed" in _kinds(api, vendor)
    again = api.call("POST", f"/deals/{deal['id']}/review", world.buyer, json=GOOD, expect=409).get_json()
    assert again["error"]["code"] == "already_reviewed"

    replied = api.post(f"/deals/{deal['id']}/review/reply", vendor, {"reply": "Xin lỗi vì giao trễ, cảm ơn anh chị"})
    assert replied["reply"] == "Xin lỗi vì giao trễ, cảm ơn anh chị" and replied["replied_at"]
    assert "deal_review_replied" in _kinds(api, world.buyer)
    twice = api.call("POST", f"/deals/{deal['id']}/review/reply", vendor, json={"reply": "again"}, expect=409)
    assert twice.get_json()["error"]["code"] == "already_replied"

    page = api.get(f"/vendors/{vendor.org_id}/reviews")  # public: no login
    assert [r["deal_id"] for r in page["items"]] == [deal["id"]]
    assert page["items"][0]["reply"].startswith("Xin lỗi")
    assert page["summary"] == {"count": 1, "quality": 5.0, "on_time": 4.0, "communication": 3.0}


def test_ratings_outside_one_to_five_are_refused_and_nothing_is_written(api, world, run_jobs):
    deal = released_deal(api, world, run_jobs, world.vendors[0])
    for bad in ({**GOOD, "quality": 0}, {**GOOD, "on_time": 6}, {**GOOD, "communication": "5"},
                {"quality": 5, "on_time": 5}, {**GOOD, "comment": "x" * 4001}):
        api.post(f"/deals/{deal['id']}/review", world.buyer, bad, expect=422)
    assert api.get(f"/vendors/{world.vendors[0].org_id}/reviews")["items"] == []
    api.post(f"/deals/{deal['id']}/review", world.buyer, GOOD, expect=201)
    api.post(f"/deals/{deal['id']}/review/reply", world.vendors[0], {"reply": ""}, expect=422)


def test_only_the_deals_own_parties_review_and_reply(api, world, run_jobs):
    deal = released_deal(api, world, run_jobs, world.vendors[0])
    api.post(f"/deals/{deal['id']}/review", world.other_buyer, GOOD, expect=404)
    api.post(f"/deals/{deal['id']}/review", world.vendors[0], GOOD, expect=403)  # vendors do not review
    api.post("/deals/999999999/review", world.buyer, GOOD, expect=404)
    api.post(f"/deals/{deal['id']}/review/reply", world.vendors[0], {"reply": "no review yet"}, expect=404)
    api.post(f"/deals/{deal['id']}/review", world.buyer, GOOD, expect=201)
    api.post(f"/deals/{deal['id']}/review/reply", world.vendors[1], {"reply": "not mine"}, expect=404)
    api.get("/vendors/999999999/reviews", expect=404)


def test_a_deal_under_way_cannot_be_reviewed_but_one_with_a_decided_dispute_can(api, world, run_jobs):
    deal = api.funded_deal(world)
    refused = api.call("POST", f"/deals/{deal['id']}/review", world.buyer, json=GOOD, expect=409).get_json()
    assert refused["error"]["code"] == "not_reviewable"

    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "not_received", "description": "nothing arrived"}, expect=201)
    api.post(f"/deals/{deal['id']}/review", world.buyer, GOOD, expect=409)  # the case is still open
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin,
             {"rationale": "the evidence shows it", "outcome": "refund"})
    # decided, settled or not yet: the deal is over for the buyer
    api.post(f"/deals/{deal['id']}/review", world.buyer, {**GOOD, "quality": 1}, expect=201)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "resolved"
    assert api.get(f"/vendors/{world.vendors[0].org_id}/reviews")["summary"]["quality"] == 1.0
