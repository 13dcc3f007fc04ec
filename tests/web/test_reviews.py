"""Reviews and scorecards in a real browser: the buyer rates a finished deal on its page, the vendor replies,
and the vendor's public profile and the comparison page show the scorecard with the cases behind it."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, released_deal

from .conftest import login, screenshot, untranslated
from .helpers import submit


def test_review_reply_and_the_vendors_profile(new_page, api, world, run_jobs):
    vendor = world.vendors[0]
    deal = released_deal(api, world, run_jobs, vendor)
    url = f"/deals/{deal['id']}"

    # the buyer forgets a rating: the form comes back with the message, nothing is published
    buyer = new_page("vi")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(url)
    form = buyer.locator("form.review-form")
    assert "Chất lượng hàng hóa" in form.inner_text()
    buyer.check("form.review-form input[name=quality][value='5']")
    buyer.check("form.review-form input[name=on_time][value='2']")
    buyer.fill("form.review-form textarea[name=comment]", "Hàng tốt nhưng giao chậm hai ngày")
    submit(buyer, "form.review-form button[type=submit]")
    assert "Hãy chọn điểm từ 1 đến 5." in buyer.inner_text("form.review-form")
    assert api.get(f"/vendors/{vendor.org_id}/reviews")["items"] == []

    buyer.check("form.review-form input[name=quality][value='5']")
    buyer.check("form.review-form input[name=on_time][value='2']")
    buyer.check("form.review-form input[name=communication][value='4']")
    submit(buyer, "form.review-form button[type=submit]")
    review = buyer.inner_text("section.deal-review")
    assert "Chất lượng: 5/5" in review and "Đúng hạn: 2/5" in review and "giao chậm hai ngày" in review
    assert buyer.locator("form.review-form").count() == 0  # once
    assert untranslated(buyer) == []

    # the vendor replies once on the same page
    seller = new_page("vi")
    login(seller, vendor.email, PASSWORD)
    seller.goto(url)
    seller.fill("form.reply-form textarea[name=reply]", "Xin lỗi quý khách, lần sau chúng tôi sẽ giao đúng hẹn")
    submit(seller, "form.reply-form button[type=submit]")
    assert "lần sau chúng tôi sẽ giao đúng hẹn" in seller.inner_text(".review-reply")
    assert seller.locator("form.reply-form").count() == 0

    # the profile, in English: each figure with its cases, the month, the review with its reply
    reader = new_page("en")
    login(reader, world.other_buyer.email, PASSWORD)
    reader.goto(f"/vendors/{vendor.org_id}")
    reader.click("button[name=lang][value=en]")
    assert reader.locator("html").get_attribute("lang") == "en"
    on_time = reader.inner_text("table.scorecard tr.figure-on_time_rate")
    assert "100%" in on_time and "deals: 1" in on_time
    assert "deals: 1" in reader.inner_text("table.scorecard tr.figure-dispute_rate")
    assert "2.0 / 5" in reader.inner_text("table.scorecard tr.figure-rating_on_time")
    assert "reviews: 1" in reader.inner_text("table.scorecard tr.figure-rating_on_time")
    assert "invitations: 1" in reader.inner_text("table.scorecard tr.figure-response_rate")
    assert "4.0 / 5" in reader.inner_text("table.months tbody tr:first-child")  # this month's communication
    assert "giao chậm hai ngày" in reader.inner_text("section.reviews")
    assert "lần sau chúng tôi sẽ giao đúng hẹn" in reader.inner_text("section.reviews")
    # the 12 months take the page's full width below the two columns, each figure's heading on one line at most two
    months, columns = reader.locator("section.scorecard-months").bounding_box(), reader.locator(".cols").bounding_box()
    assert months["y"] >= columns["y"] + columns["height"] and months["width"] >= columns["width"] - 2
    heading = reader.locator("table.months thead th").nth(1).bounding_box()
    assert heading["height"] < 3 * reader.locator("table.months tbody th").first.bounding_box()["height"]
    assert not re.search(r"\d:\d\d:\d\d", reader.inner_text("section.reviews"))  # times without seconds
    screenshot(reader, "vendor-profile-scorecard")
    assert reader.goto("/vendors/999999999").status == 404

    # a new RFQ's comparison page shows each vendor's track record row, linking to the profile
    rfq = api.open_rfq(world.buyer, [vendor, world.vendors[1]])
    api.quote(vendor, rfq)
    api.quote(world.vendors[1], rfq)
    buyer.goto(f"/buyer/rfqs/{rfq['id']}/compare")
    row = buyer.locator("tr.scorecards")
    assert "Đúng hạn 100% (1)" in row.inner_text() and "Đúng hạn — (0)" in row.inner_text()
    assert row.locator(f"a[href='/vendors/{vendor.org_id}']").count() == 1
    assert untranslated(buyer) == []
