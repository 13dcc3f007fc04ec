"""Timelines of vendors, RFQs, quotes and disputes through the API: ``GET /{subject}/{id}/events``."""

from __future__ import annotations


def _all_pages(api, path, who, limit=1) -> list[dict]:
    """Walk the timeline page by page with the cursor; check each page has at most ``limit`` events."""
    events, cursor = [], None
    for _ in range(50):
        page = api.get(path, who, query_string={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert len(page["items"]) <= limit
        events += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return events
    raise AssertionError("the cursor never ran out")


def _assert_timeline(events: list[dict], first_page: list[dict]) -> None:
    assert events == first_page, "walking with the cursor reads the same events in the same order"
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert all(e["actor_role"] and e["at"] for e in events)


def test_vendor_events_for_the_vendor_and_admins_only(api, world):
    vendor, other = world.vendors
    path = f"/vendors/{vendor.org_id}/events"
    page = api.get(path, vendor, query_string={"limit": 100})
    names = [e["name"] for e in page["items"]]
    assert "document_added" in names and "verify" in names and names.index("document_added") < names.index("verify")
    verify = next(e for e in page["items"] if e["name"] == "verify")
    assert verify["actor_role"] == "admin" and verify["actor_user_id"] == world.admin.user_id
    assert (verify["from_state"], verify["to_state"]) == ("pending", "verified")
    _assert_timeline(_all_pages(api, path, vendor), page["items"])
    assert api.get(path, world.admin, query_string={"limit": 100})["items"] == page["items"]

    api.get(path, other, expect=404)
    api.get(path, world.buyer, expect=403)  # buyers have no business with verification at all
    api.get("/vendors/999999/events", world.admin, expect=404)


def test_rfq_events_for_whoever_reads_the_rfq(api, world):
    vendor, other_vendor = world.vendors
    rfq = api.open_rfq(world.buyer, [vendor])
    path = f"/rfqs/{rfq['id']}/events"
    page = api.get(path, world.buyer, query_string={"limit": 100})
    names = [e["name"] for e in page["items"]]
    assert names[0] == "create" and "publish" in names
    assert page["items"][0]["actor_user_id"] == world.buyer.user_id
    _assert_timeline(_all_pages(api, path, world.buyer), page["items"])

    api.quote(vendor, rfq)  # the quote's events are the quote's, not the RFQ's
    assert api.get(path, world.buyer, query_string={"limit": 100})["items"] == page["items"]
    seen_by_vendor = api.get(path, vendor, query_string={"limit": 100})["items"]
    assert [e["name"] for e in seen_by_vendor] == names
    assert all(e["payload"] == {} for e in seen_by_vendor), "a vendor does not read who else was invited"
    assert api.get(path, world.admin, query_string={"limit": 100})["items"] == page["items"]

    api.get(path, world.other_buyer, expect=404)
    api.get(path, other_vendor, expect=404)  # not invited to an invite-only RFQ


def test_quote_events_for_its_vendor_and_the_buyer_only(api, world):
    vendor, other_vendor = world.vendors
    rfq = api.open_rfq(world.buyer, [vendor, other_vendor])
    quote = api.quote(vendor, rfq)
    api.post(f"/quotes/{quote['id']}/request-revision", world.buyer, {"message": "17,000 và chúng tôi chốt"})
    path = f"/quotes/{quote['id']}/events"
    page = api.get(path, vendor, query_string={"limit": 100})
    assert [e["name"] for e in page["items"]][:2] == ["create", "revision_requested"]
    assert page["items"][0]["actor_user_id"] == vendor.user_id
    assert page["items"][1]["actor_user_id"] == world.buyer.user_id
    assert page["items"][1]["payload"] == {"message": "17,000 và chúng tôi chốt"}
    _assert_timeline(_all_pages(api, path, vendor), page["items"])
    assert api.get(path, world.buyer, query_string={"limit": 100})["items"] == page["items"]
    assert api.get(path, world.admin, query_string={"limit": 100})["items"] == page["items"]

    api.get(path, other_vendor, expect=404)  # invited to the same RFQ, but not its quote
    api.get(path, world.other_buyer, expect=404)


def test_dispute_events_for_its_parties(api, world):
    vendor, other_vendor = world.vendors
    deal, _ = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "rusty bearings"}, expect=201)
    api.post(f"/disputes/{dispute['id']}/messages", vendor, {"body": "Chúng tôi sẽ kiểm tra"}, expect=201)
    path = f"/disputes/{dispute['id']}/events"
    page = api.get(path, world.buyer, query_string={"limit": 100})
    assert len(page["items"]) >= 2
    assert page["items"][0]["name"] == "create" and page["items"][0]["actor_user_id"] == world.buyer.user_id
    assert any(e["actor_role"] == "vendor" and e["to_state"] == "negotiating" for e in page["items"])
    _assert_timeline(_all_pages(api, path, world.buyer), page["items"])
    assert api.get(path, vendor, query_string={"limit": 100})["items"] == page["items"]
    assert api.get(path, world.admin, query_string={"limit": 100})["items"] == page["items"]

    api.get(path, world.other_buyer, expect=404)
    api.get(path, other_vendor, expect=404)


def test_a_bad_cursor_is_a_422(api, world):
    api.get(f"/vendors/{world.vendors[0].org_id}/events", world.vendors[0], query_string={"cursor": "nonsense"},
            expect=422)
