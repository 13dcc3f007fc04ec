"""Ordering from the catalog in a real browser: two vendors' products into the cart from the search results and
a product page, the cart at the tier prices, one order per vendor; the vendor confirms (the deal exists) or
rejects with a reason."""

from __future__ import annotations

from .conftest import login, screenshot, untranslated
from .helpers import accept_dialogs, submit

PASSWORD = "correct-horse-battery"


def test_ordering_from_the_catalog_end_to_end(new_page, api, world):
    buyer, (v1, v2) = world.buyer, world.vendors
    page = accept_dialogs(new_page("vi"))
    login(page, buyer.email, PASSWORD)

    # from the search results: the first vendor's bearings, 200 at the tier price
    page.goto("/buyer/search?q=6205&quantity=200")
    row = page.locator("tr.result", has_text="BEAR-6205")
    row.locator("input[name=quantity]").fill("200")
    with page.expect_navigation():
        row.locator(".add-to-cart button").click()
    assert "Giỏ hàng" in page.inner_text("h1")

    # from a product page: the second vendor's bearings, below its MOQ first
    product = next(p for p in api.get("/products?q=6206", buyer)["items"] if p["sku"] == "BEAR-6206")
    page.goto(f"/buyer/products/{product['id']}")
    # one quantity field serves the price and the cart: "Update price" shows the price at it
    assert page.locator(".your-price input[name=quantity]").count() == 1
    page.fill("#quantity", "80")
    submit(page, ".add-to-cart button.update-price")
    assert page.input_value("#quantity") == "80"
    assert "80 cái" in page.inner_text(".price-line") and "1.680.000" in page.inner_text(".price-line")
    screenshot(page, "buyer-product-price")
    page.fill("#quantity", "20")
    submit(page, ".add-to-cart button.add")
    blocks = page.locator(".cart-vendor")
    assert blocks.count() == 2
    below = page.locator(f"tr[data-product='{product['id']}']")
    assert "Dưới số lượng đặt hàng tối thiểu" in below.inner_text()
    assert page.locator("form.place-orders button[type=submit]").is_disabled()
    assert "50 cái" in below.inner_text()  # the MOQ with its unit
    below.locator("input[name=quantity]").fill("60")
    submit(page, f"tr[data-product='{product['id']}'] form.quantity button")
    assert "1.260.000" in page.locator(f"tr[data-product='{product['id']}']").inner_text()  # 60 x 21 000
    # the quantity, its unit and the button sit on one line
    cell = page.locator(f"tr[data-product='{product['id']}'] form.quantity")
    boxes = [cell.locator(part).bounding_box() for part in ("input[name=quantity]", ".unit", "button")]
    assert max(b["y"] + b["height"] / 2 for b in boxes) - min(b["y"] + b["height"] / 2 for b in boxes) < 4, boxes
    assert not untranslated(page), untranslated(page)
    screenshot(page, "orders-cart")

    page.fill("input[name=delivery_region]", "VN-SG")
    page.fill("input[name=delivery_address]", "12 Lê Lợi, Quận 1")
    submit(page, "form.place-orders button[type=submit]")
    assert page.locator("tr[data-order]").count() == 2
    orders = {o["vendor_id"]: o for o in api.get("/orders", buyer)["items"]}
    assert {o["status"] for o in orders.values()} == {"placed"}

    # the first vendor confirms: a deal at the frozen prices
    vendor_page = accept_dialogs(new_page("vi"))
    login(vendor_page, v1.email, PASSWORD)
    vendor_page.goto("/orders")
    assert "Đơn hàng nhận được" in vendor_page.inner_text("h1")
    # an order waiting for the vendor's answer is listed once, in the waiting block
    waiting_id = orders[v1.org_id]["id"]
    assert vendor_page.locator(f"tr[data-order='{waiting_id}']").count() == 1
    assert vendor_page.locator(f".waiting tr[data-order='{waiting_id}']").count() == 1
    screenshot(vendor_page, "orders-vendor-waiting")
    vendor_page.click(f".waiting tr[data-order='{orders[v1.org_id]['id']}'] a")
    submit(vendor_page, "button.confirm")
    deal_id = api.get(f"/orders/{orders[v1.org_id]['id']}", buyer)["deal_id"]
    assert vendor_page.url.endswith(f"/deals/{deal_id}")
    deal = api.get(f"/deals/{deal_id}", buyer)
    assert (deal["source"], deal["status"], deal["total"]) == ("order", "awaiting_payment", "3600000")

    # the second vendor rejects with a reason; the buyer reads it on the order page
    other = accept_dialogs(new_page("vi"))
    login(other, v2.email, PASSWORD)
    other.goto(f"/orders/{orders[v2.org_id]['id']}")
    other.fill("input[name=reason]", "Out of this size until March")
    submit(other, "form.reject button[type=submit]")
    page.goto(f"/orders/{orders[v2.org_id]['id']}")
    assert "Out of this size until March" in page.inner_text(".reason")
    page.goto(f"/orders/{orders[v1.org_id]['id']}")
    assert page.locator("a.deal-link").count() == 1
    assert not untranslated(page), untranslated(page)


def test_the_vendor_sets_its_payment_terms_for_catalog_orders(new_page, api, world):
    vendor = world.vendors[0]
    page = accept_dialogs(new_page("vi"))
    login(page, vendor.email, PASSWORD)
    page.goto("/orders")
    page.click("a.order-terms-link")
    assert "Điều khoản thanh toán cho đơn hàng" in page.inner_text("h1")
    assert page.locator(".current-default").count() == 1
    rows = page.locator("table.terms tbody tr")
    # 30 % + 60 %: refused beside the form, in Vietnamese, nothing saved
    rows.nth(0).locator("input[name$='-name']").fill("Đặt cọc")
    rows.nth(0).locator("input[name$='-percent']").fill("30")
    rows.nth(0).locator("select[name$='-due']").select_option("before_shipment")
    rows.nth(1).locator("input[name$='-name']").fill("Còn lại")
    rows.nth(1).locator("input[name$='-percent']").fill("60")
    rows.nth(1).locator("select[name$='-due']").select_option("net_days")
    rows.nth(1).locator("input[name$='-net_days']").fill("30")
    submit(page, "button.primary")
    assert page.locator(".error").count() >= 1
    assert api.get(f"/vendors/{vendor.org_id}/order-terms", world.buyer)["default"] is True
    assert not untranslated(page), untranslated(page)
    page.locator("table.terms tbody tr").nth(1).locator("input[name$='-percent']").fill("70")
    submit(page, "button.primary")
    saved = api.get(f"/vendors/{vendor.org_id}/order-terms", world.buyer)
    assert saved["default"] is False
    assert [(t["percent"], t["due"], t.get("net_days")) for t in saved["payment_terms"]] == [
        (30, "before_shipment", None), (70, "net_days", 30)]
    assert page.locator(".current-default").count() == 0
    screenshot(page, "orders-payment-terms")
