"""The buyer's pages in a real browser: search, the RFQ builder, approvals, the RFQ page, comparison and a split award."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .conftest import login, screenshot
from .helpers import local_input

PASSWORD = "correct-horse-battery"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def set_threshold(api, world, amount: str = "10000000") -> None:
    """The buyer organisation's owner sets the approval threshold (VND)."""
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer, json={"approval_threshold": amount},
             expect=200)


def quote_lines(api, vendor, rfq: dict, prices: list[str], freight: str = "300000", incoterm: str = "DAP") -> dict:
    """A vendor quotes every line of the RFQ through the API, at its own price per line."""
    body = {"lead_time_days": 12, "freight": freight, "incoterm": incoterm,
            "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": line["quantity"]}
                      for line, price in zip(rfq["lines"], prices)]}
    return api.post(f"/rfqs/{rfq['id']}/quotes", vendor, body, expect=201)


def fill_builder(page, title: str, lines: list[tuple[str, str, str, str]], deadline: str, visibility: str = "open"):
    page.goto("/buyer/rfqs/new")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", "Cho dây chuyền may số 3")
    for i, (description, quantity, unit, price) in enumerate(lines):
        page.fill(f"input[name='lines-{i}-description']", description)
        page.fill(f"input[name='lines-{i}-quantity']", quantity)
        page.fill(f"input[name='lines-{i}-unit']", unit)
        page.fill(f"input[name='lines-{i}-target_unit_price']", price)
    page.fill("input[name=delivery_region]", "VN-SG")
    page.fill("input[name=named_place]", "Nhà máy Thủ Đức")
    page.fill("input[name=quote_deadline]", deadline)
    page.check(f"input[name=visibility][value={visibility}]")


def test_requester_to_split_award_through_pages(new_page, api, world, run_jobs):
    set_threshold(api, world)
    requester, approver = world.buyer_members["requester"], world.buyer_members["approver"]
    v1, v2 = world.vendors

    # the requester searches without accents and finds the product
    page = new_page("vi")
    login(page, requester.email, PASSWORD)
    page.goto("/buyer/search")
    page.fill("input[name=q]", "vong bi")
    page.fill("input[name=quantity]", "500")
    page.click("button.primary:has-text('Tìm kiếm')")
    names = page.locator(".result .product-name").all_inner_texts()
    assert any("Vòng bi 6205-2RS" in n for n in names), names
    assert "Tìm kiếm" in page.inner_text("h1")  # the Vietnamese page
    screenshot(page, "buyer-search")
    # keyset paging: one result per page, the next page link carries the cursor
    page.goto("/buyer/search?q=vong+bi&quantity=500&limit=1")
    first = page.inner_text(".result .product-name")
    page.click("nav.pager a[rel=next]")
    assert "cursor=" in page.url and page.inner_text(".result .product-name") != first

    # the product page: tiers, the vendor, and the price the vendor negotiated with this buyer
    product = api.get("/products?q=6205", world.buyer)["items"][0]
    api.post("/price-lists", v1, {"buyer_org_id": world.buyer.org_id, "name": "Hợp đồng 2027", "items": [
        {"product_id": product["id"], "min_qty": 100, "unit_price": "16000"}]}, expect=201)
    page.goto("/buyer/search?q=vong+bi&quantity=500")
    page.click(".product-name:has-text('Vòng bi 6205-2RS')")
    assert "Giá theo số lượng" in page.inner_text("main")  # volume tiers
    screenshot(page, "buyer-product")
    assert "Cơ khí Sài Gòn" in page.inner_text("section.vendor")
    price = page.inner_text("section.your-price")
    assert "16.000" in price and "Giá thoả thuận của bạn" in price and "18.000" in price

    # builds an RFQ above the threshold (31.000.000 ₫ > 10.000.000 ₫) with an extra line and submits it
    fill_builder(page, "Vòng bi cho dây chuyền 3",
                 [("Vòng bi 6205-2RS", "1000", "piece", "20.000"), ("Vòng bi 6206", "500", "piece", "22.000")],
                 local_input(5))
    page.click("button[name=action][value=add_line]")
    assert page.locator("tr.line").count() == 4
    assert page.input_value("input[name='lines-1-description']") == "Vòng bi 6206"
    page.click("button[name=action][value=publish]")
    assert "/buyer/rfqs/" in page.url
    assert "phê duyệt" in page.inner_text(".flash").lower()
    assert "Chờ phê duyệt" in page.inner_text(".rfq-status")
    rfq_id = int(page.url.rstrip("/").split("/")[-1])
    assert api.get(f"/rfqs/{rfq_id}", world.buyer)["status"] == "draft"
    screenshot(page, "buyer-rfq-awaiting-approval")

    # the approver approves it in the approvals queue (a second browser)
    boss = new_page("vi")
    login(boss, approver.email, PASSWORD)
    boss.click("nav.menu a:has-text('Phê duyệt')")
    card = boss.locator(f"article.approval[data-rfq='{rfq_id}']")
    assert "31.000.000" in card.inner_text()
    screenshot(boss, "buyer-approvals")
    card.locator("button.approve").click()
    assert "đã được phê duyệt" in boss.inner_text(".flash")
    assert boss.locator("article.approval").count() == 0
    assert api.get(f"/rfqs/{rfq_id}", world.buyer)["status"] == "open"
    notes = api.get("/notifications", world.buyer)["items"]
    assert {"rfq_approval_requested", "rfq_approved"} <= {n["kind"] for n in notes}

    # matching runs in the background: the page shows its progress and updates itself (htmx), then why
    # each vendor was matched
    page.goto(f"/buyer/rfqs/{rfq_id}")
    assert page.locator(".matching").is_visible()
    run_jobs()
    page.wait_for_selector("tr.invitation")
    assert page.locator(".matching").count() == 0
    invited = page.locator("tr.invitation").all_inner_texts()
    assert len(invited) == 2, invited
    assert "HS" in page.inner_text("section.invitations")

    # two vendors quote (API); each is cheaper on one line
    rfq = api.get(f"/rfqs/{rfq_id}", world.buyer)
    q1 = quote_lines(api, v1, rfq, ["17500", "23000"])
    q2 = quote_lines(api, v2, rfq, ["19000", "20500"], freight="0", incoterm="FCA")

    # the buyer compares and splits the award by lines
    page.goto(f"/buyer/rfqs/{rfq_id}")
    assert page.locator("tr.quote").count() == 2
    page.click("a.compare")
    assert page.locator("th.quote-col").count() == 2
    assert "Chi phí về kho" in page.inner_text("table.side-by-side")
    assert "FCA: chưa gồm cước vận chuyển chính" in page.inner_text("tr.gaps")  # the flagged gap
    screenshot(page, "buyer-compare")
    line1, line2 = rfq["lines"]
    page.check(f"input[name='line-{line1['id']}'][value='{q1['id']}']")
    page.check(f"input[name='line-{line2['id']}'][value='{q2['id']}']")
    page.click("button.review")
    previews = page.locator("section.deal-preview")
    assert previews.count() == 2
    assert "Cơ khí Sài Gòn" in previews.nth(0).inner_text() and "Thép Hà Nội" in previews.nth(1).inner_text()
    assert api.get("/deals", world.buyer)["items"] == []  # the confirmation changes nothing
    screenshot(page, "buyer-award-confirm")
    page.click("button.confirm-award")
    assert page.locator("li.deal").count() == 2
    deals = api.get("/deals", world.buyer)["items"]
    assert sorted(d["vendor_id"] for d in deals) == sorted([v1.org_id, v2.org_id])
    assert api.get(f"/rfqs/{rfq_id}", world.buyer)["status"] == "awarded"
    timeline = page.inner_text("section.timeline")
    assert "Đã phê duyệt" in timeline and "Đã trao thầu" in timeline
    screenshot(page, "buyer-rfq")


def test_the_approver_refuses_with_a_reason_and_the_requester_sees_it(new_page, api, world):
    set_threshold(api, world)
    requester = new_page("vi")
    login(requester, world.buyer_members["requester"].email, PASSWORD)
    fill_builder(requester, "Vòng bi dự phòng", [("Vòng bi 6205-2RS", "1000", "piece", "20.000")], local_input(4))
    requester.click("button[name=action][value=publish]")
    rfq_url = requester.url

    boss = new_page("vi")
    login(boss, world.buyer_members["approver"].email, PASSWORD)
    boss.goto("/buyer/approvals")
    boss.once("dialog", lambda dialog: dialog.accept())
    boss.fill("form.reject input[name=reason]", "Hãy chia nhỏ đơn hàng")
    boss.click("form.reject button")
    assert "bị từ chối" in boss.inner_text(".flash")
    assert boss.locator("article.approval").count() == 0

    requester.goto(rfq_url)
    assert "Bị từ chối phê duyệt: Hãy chia nhỏ đơn hàng" in requester.inner_text("section.timeline")
    assert requester.locator("button.publish").inner_text() == "Gửi phê duyệt"  # it may be submitted again
    assert api.get("/rfqs", world.buyer)["items"][0]["status"] == "draft"


def test_bad_input_on_the_rfq_builder_shows_messages_and_saves_nothing(page, api, world):
    login(page, world.buyer_members["requester"].email, PASSWORD)
    fill_builder(page, "", [("Vòng bi 6205", "-5", "piece", "")], local_input(3))
    page.click("button[name=action][value=draft]")
    assert "Nhập tiêu đề" in page.inner_text("form.rfq-builder")
    assert "Nhập số lượng ít nhất là 1" in page.inner_text("tr.line >> nth=0")
    assert page.input_value("input[name='lines-0-description']") == "Vòng bi 6205"  # what was typed stays

    page.fill("input[name=title]", "Vòng bi 6205")
    page.fill("input[name='lines-0-quantity']", "100")
    page.fill("input[name='lines-1-description']", "Dòng không có số lượng")
    page.click("button[name=action][value=draft]")
    assert "Thiếu dữ liệu cho trường bắt buộc" in page.inner_text("tr.line >> nth=1")

    page.fill("input[name='lines-1-description']", "")
    page.fill("input[name=quote_deadline]", local_input(-1))
    page.click("button[name=action][value=publish]")
    assert "hạn nhận báo giá phải ở trong tương lai" in page.inner_text("form.rfq-builder").lower()
    assert api.get("/rfqs", world.buyer)["items"] == []


def test_another_buyers_rfq_is_the_404_page(page, api, world):
    other = api.open_rfq(world.other_buyer, [])
    login(page, world.buyer_members["requester"].email, PASSWORD)
    for path in (f"/buyer/rfqs/{other['id']}", f"/buyer/rfqs/{other['id']}/compare"):
        response = page.goto(path)
        assert response.status == 404, path
        assert "Không tìm thấy" in page.inner_text("h1")


def test_a_vendor_opening_a_buyer_page_gets_the_403_page(page, world):
    login(page, world.vendors[0].email, PASSWORD)
    response = page.goto("/buyer/search")
    assert response.status == 403
    assert "Không được phép" in page.inner_text("h1")


def test_a_requester_has_no_approvals_queue(page, world):
    login(page, world.buyer_members["requester"].email, PASSWORD)
    assert page.locator("nav.menu a:has-text('Phê duyệt')").count() == 0
    assert page.goto("/buyer/approvals").status == 403


def test_key_pages_in_english(new_page, api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    api.quote(world.vendors[0], rfq, freight="0")
    page = new_page("en")
    login(page, world.buyer.email, PASSWORD)
    page.goto(f"/buyer/rfqs/{rfq['id']}")
    page.click("button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Quotes received" in page.inner_text("section.quotes") and "Your next step" in page.inner_text("main")
    assert "Compare the quotes" in page.inner_text(".next-action")
    page.click("a.compare")
    assert "Landed cost" in page.inner_text("table.side-by-side")
    page.goto("/buyer/rfqs")
    assert "Open" in page.inner_text("tr.rfq-row")
    page.goto("/buyer/search?q=vong+bi")
    assert page.locator(".result").count() == 2 and "Catalog search" in page.inner_text("h1")
