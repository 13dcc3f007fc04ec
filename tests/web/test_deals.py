"""The deal pages in a real browser: pay by bank transfer (VietQR), ship and track, confirm delivery,
dispute and talk, and both parties see the admin's split and where the money went."""

from __future__ import annotations

import re

import pyotp

from marketplace.accounts.models import User
from marketplace.accounts.services import begin_second_factor, enable_second_factor
from marketplace.disputes.services import live_dispute
from marketplace.escrow.gateways.bank import vietqr
from tests.factories import PASSWORD

from .conftest import login, screenshot
from .helpers import accept_dialogs, submit


def awarded_deal(api, world) -> dict:
    """An RFQ quoted by the first vendor and awarded by the buyer's owner: a deal awaiting payment."""
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    return api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]


def test_the_deal_journey_through_the_pages(new_page, api, world, run_jobs):
    deal = awarded_deal(api, world)
    url = f"/deals/{deal['id']}"

    # the buyer's finance member opens the deal and starts the bank transfer
    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer_members["finance"].email, PASSWORD)
    buyer.goto("/deals/")
    assert f"#{deal['id']}" in buyer.inner_text("table.deals")
    buyer.click(f"table.deals a[href='{url}']")
    assert "Chờ thanh toán" in buyer.inner_text(".deal-head")
    assert "Bước tiếp theo" in buyer.inner_text(".next-action")
    submit(buyer, "button[name=do][value=pay]")
    reference = buyer.inner_text("code.reference").strip()
    assert re.fullmatch(r"MKP\d+M1\d\d", reference)
    details = buyer.inner_text(".transfer")
    assert "Demo Bank" in details and "0000000000" in details and "CONG TY MARKETPLACE ESCROW" in details
    qr = buyer.locator("img.vietqr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    payload = qr.get_attribute("data-payload")
    assert vietqr.is_valid(payload) and reference in payload and "A000000727" in payload
    screenshot(buyer, "deals-bank-transfer")

    # the admin confirms the transfer (the admin pages are another area)
    pay = api.get(f"/deals/{deal['id']}/payments", world.buyer)
    for m in pay["milestones"]:
        ins = m["instructions"]
        api.post("/admin/bank-transfers", world.admin,
                 {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})

    buyer.wait_for_selector(".deal-live a", timeout=15_000)  # the page notices the money arrived (htmx)
    assert "Đã ký quỹ" in buyer.inner_text(".deal-head") or "tải lại" in buyer.inner_text(".deal-live")

    # the vendor sees the deal funded, ships it with a tracking number and reports progress
    vendor = accept_dialogs(new_page("vi"))
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(url)
    assert "Đã ký quỹ" in vendor.inner_text(".deal-head")
    assert "Giao hàng" in vendor.inner_text(".next-action")
    vendor.fill("input[name=tracking_number]", "VNP-2026-0042")
    submit(vendor, ".ship-form button[type=submit]")
    assert "VNP-2026-0042" in vendor.inner_text(".shipments")
    vendor.select_option(".tracking-form select[name=status]", "in_transit")
    vendor.fill(".tracking-form input[name=location]", "Đà Nẵng")
    submit(vendor, ".tracking-form button[type=submit]")
    assert "Đà Nẵng" in vendor.inner_text("table.tracking")
    shipment = api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"][0]
    assert shipment["tracking_number"] == "VNP-2026-0042" and shipment["status"] == "in_transit"
    # the vendor reports the goods delivered: its own word starts no inspection window, the buyer is asked
    vendor.select_option(".tracking-form select[name=status]", "delivered")
    submit(vendor, ".tracking-form button[type=submit]")
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"

    # the buyer is asked to confirm by a deadline, confirms delivery, opens a dispute and writes in it
    buyer.goto(url)
    assert "VNP-2026-0042" in buyer.inner_text(".shipments") and "Đà Nẵng" in buyer.inner_text(".shipments")
    assert "Nhà cung cấp báo đã giao hàng" in buyer.inner_text("body")  # the vendor's report on the timeline
    assert buyer.locator(".next-action .countdown").count() == 1
    assert "được coi là đã xác nhận" in buyer.inner_text(".next-action .lapse")  # what silence means
    submit(buyer, "button[name=do][value=confirm_delivery]")
    assert "Đã giao hàng" in buyer.inner_text(".deal-head")
    assert buyer.locator(".next-action .countdown").count() == 1
    assert "tự động" in buyer.inner_text(".next-action")  # what happens when the inspection window lapses
    buyer.select_option(".dispute-form select[name=reason]", "damaged")
    buyer.fill(".dispute-form textarea[name=description]", "Một nửa số vòng bi bị móp méo khi nhận hàng.")
    submit(buyer, ".dispute-form button[type=submit]")
    assert "Đang tranh chấp" in buyer.inner_text(".deal-head")
    buyer.fill(".message-form textarea[name=body]", "Ảnh chụp hàng hỏng đã gửi qua e-mail.")
    submit(buyer, ".message-form button[type=submit]")
    assert "Ảnh chụp hàng hỏng" in buyer.inner_text("ol.messages")
    screenshot(buyer, "deals-dispute")

    # the admin decides a split (the dispute desk is another area); the worker settles it
    case = live_dispute(deal["id"]).id
    api.post(f"/admin/disputes/{case}/decision", world.admin,
             {"outcome": "split", "vendor_amount": "12000000", "note": "Nửa lô hàng bị hỏng."})
    run_jobs()

    for page in (buyer, vendor):
        page.goto(url)
        assert "Đã giải quyết" in page.inner_text(".deal-head")
        decision = page.inner_text(".decision")
        assert "Chia" in decision and "12.000.000" in decision and "6.000.000" in decision
        money = page.inner_text("section.money")
        assert "Hoàn cho người mua" in money and "6.000.000" in money
        assert "Hoa hồng" in money
        assert "Ảnh chụp hàng hỏng" in page.inner_text("ol.messages")
        assert "Đã thực hiện quyết định tranh chấp" in page.inner_text(".timeline")
    screenshot(vendor, "deals-outcome")
    final = api.get(f"/deals/{deal['id']}", world.buyer)
    assert final["status"] == "resolved"
    released = sum(int(m["released"]) + int(m["commission"]) for m in final["milestones"])
    assert released == 12_000_000 and sum(int(m["refunded"]) for m in final["milestones"]) == 6_000_000


def test_another_organisations_deal_is_the_404_page_and_logged_out_goes_to_login(new_page, api, world):
    deal = awarded_deal(api, world)
    anonymous = new_page("vi")
    anonymous.goto(f"/deals/{deal['id']}")
    assert re.search(rf"/login\?next=/deals/{deal['id']}", anonymous.url)
    other = new_page("vi")
    login(other, world.other_buyer.email, PASSWORD)
    response = other.goto(f"/deals/{deal['id']}")
    assert response.status == 404
    assert other.locator("h1").inner_text().startswith("Không tìm thấy")
    other.goto("/deals/")
    assert f"#{deal['id']}" not in other.inner_text("main")
    response = other.request.post(f"/deals/{deal['id']}/pay", form={"csrf_token": _token(other)})
    assert response.status == 404
    assert api.get(f"/deals/{deal['id']}", world.buyer)["gateway"] is None


def _token(page) -> str:
    return page.locator("meta[name=csrf-token]").get_attribute("content")


def test_bad_input_shows_the_message_and_changes_nothing(new_page, api, world):
    deal, _ = api.shipped_deal(world)
    funded = api.funded_deal(world)
    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/deals/{funded['id']}")
    with vendor.expect_navigation() as nav:
        vendor.click(".ship-form button[type=submit]")
    assert nav.value.status == 422
    assert "Nhập số vận đơn" in vendor.inner_text(".ship-form")
    screenshot(vendor, "deals-ship-error")
    vendor.fill("input[name=tracking_number]", "x!")  # the API's own rule: letters, digits and dashes
    with vendor.expect_navigation() as nav:
        vendor.click(".ship-form button[type=submit]")
    assert nav.value.status == 422
    assert api.get(f"/deals/{funded['id']}", world.buyer)["status"] == "funded"

    buyer = new_page("en")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/deals/{deal['id']}")
    submit(buyer, "button[name=lang][value=en]")  # the user's own language is Vietnamese
    buyer.fill(".dispute-form textarea[name=description]", "The bearings are dented.")
    with buyer.expect_navigation() as nav:
        buyer.click(".dispute-form button[type=submit]")
    assert nav.value.status == 422
    assert "Choose a reason" in buyer.inner_text(".dispute-form .error")
    assert buyer.input_value(".dispute-form textarea[name=description]") == "The bearings are dented."
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"


def test_deal_list_search_and_status_filter(new_page, api, world):
    shipped, _ = api.shipped_deal(world)
    waiting = awarded_deal(api, world)
    page = new_page("vi")
    login(page, world.buyer.email, PASSWORD)
    page.goto("/deals/")
    rows = page.locator("table.deals tbody tr")
    assert rows.count() == 2 and f"#{waiting['id']}" in rows.first.inner_text()  # newest first
    screenshot(page, "deals-list")
    page.select_option("select[name=status]", "shipped")
    with page.expect_navigation():
        page.click(".deal-search button[type=submit]")
    assert page.locator("table.deals tbody tr").count() == 1 and f"#{shipped['id']}" in page.inner_text("table.deals")
    page.goto(f"/deals/?q={waiting['id']}")
    assert page.locator("table.deals tbody tr").count() == 1
    page.goto("/deals/?q=Th%C3%A9p+kh%C3%B4ng+c%C3%B3")
    assert "Không có giao dịch nào phù hợp" in page.inner_text("main")


def test_a_platform_admin_sees_every_deal_and_whose_move_it_is(new_page, api, world, db):
    shipped, _ = api.shipped_deal(world)
    user = db.session.get(User, world.admin.user_id)
    secret = begin_second_factor(user)
    enable_second_factor(user, pyotp.TOTP(secret).now())
    db.session.commit()
    admin = new_page("vi")
    login(admin, world.admin.email, PASSWORD, totp_secret=secret)
    admin.goto("/deals/")
    table = admin.inner_text("table.deals")
    assert f"#{shipped['id']}" in table and "Nhà máy May Việt Tiến" in table and "Cơ khí Sài Gòn" in table
    admin.click(f"table.deals a[href='/deals/{shipped['id']}']")
    assert "waiting for the buyer" in admin.inner_text(".next-action")  # the factory admin reads English
    assert admin.locator(".ship-form, .dispute-form, button[name=do][value=confirm_delivery]").count() == 0
