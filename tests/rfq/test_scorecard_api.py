"""The vendor scorecard over the API: the same figures as the profile page, each with its cases."""

from __future__ import annotations


def test_the_scorecard_endpoint_answers_the_vendors_history(api, world, run_jobs):
    vendor = world.vendors[0]
    rfq = api.open_rfq(world.buyer, [vendor, world.vendors[1]])
    api.quote(vendor, rfq)
    card = api.get(f"/vendors/{vendor.org_id}/scorecard")  # public, as the profile page
    assert card["vendor_id"] == vendor.org_id and card["days"] == 365
    # invited once and answered (the RFQ is still open: the other vendor's invitation does not count yet)
    assert card["response_rate"] == {"value": 1.0, "count": 1}
    assert card["win_rate"] == {"value": None, "count": 0}
    assert len(card["monthly"]) == 12 and card["monthly"][-1]["response_rate"]["count"] == 1
    other = api.get(f"/vendors/{world.vendors[1].org_id}/scorecard?days=30")
    assert other["response_rate"] == {"value": None, "count": 0} and other["track_score"] == 0.0
    api.get("/vendors/999999/scorecard", expect=404)
    api.get(f"/vendors/{vendor.org_id}/scorecard?days=0", expect=422)
