"""A settlement offer in a real browser: the buyer opens a dispute from the deal page and adds a photo, the
vendor previews the exact split and offers a partial refund, the buyer accepts it; the money then moves
exactly that split (pages in Vietnamese with no untranslated text, the deadline shown with its consequence)."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect

from marketplace.escrow import ledger
from marketplace.jobs import sweep
from tests.factories import PASSWORD, assert_ledger_sound

from .conftest import login, screenshot, untranslated
from .helpers import accept_dialogs, tiny_png, with_second_factor
from .test_disputes_desk import _shipped

REFUND = 1_750_000  # 100 bearings at 17.500 ₫


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_the_vendor_offers_a_partial_refund_and_the_buyer_accepts_it(new_page, api, world, run_jobs, db):
    deal = _shipped(api, world)
    total = int(deal["total"])
    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/disputes/open/{deal['id']}")
    buyer.select_option("select[name=reason]", "quantity_short")
    buyer.fill("textarea[name=description]", "Thiếu 100 vòng bi so với phiếu giao hàng.")
    buyer.click(".open-dispute-form button[type=submit]")
    buyer.wait_for_url("**/disputes/*")
    dispute_id = int(buyer.url.split("#")[0].rstrip("/").rsplit("/", 1)[1])
    buyer.set_input_files("input[name=file]", files=[{"name": "thieu-hang.png", "mimeType": "image/png",
                                                     "buffer": tiny_png()}])
    buyer.click(".evidence-form button[type=submit]")
    buyer.wait_for_load_state("networkidle")
    assert "thieu-hang.png" in buyer.inner_text(".evidence-list")
    # the case's deadline with what happens if it passes
    assert buyer.locator(".negotiation .dispute-deadline .countdown").count() == 1
    assert buyer.inner_text(".negotiation .dispute-deadline .lapse")
    assert untranslated(buyer) == []

    vendor = accept_dialogs(new_page("vi"))
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/disputes/{dispute_id}")
    assert "thieu-hang.png" in vendor.inner_text(".evidence-list")
    vendor.fill(".offer-form input[name=buyer_amount]", "1.750.000")
    # the split previews while the amount is typed (htmx), and with the button without script
    expect(vendor.locator(".offer-preview tr.to-buyer")).to_contain_text("1.750.000")
    vendor.fill(".offer-form textarea[name=note]", "Hoàn tiền 100 vòng bi còn thiếu.")
    with vendor.expect_navigation():
        vendor.click(".offer-form button.preview-offer")
    preview = vendor.locator(".offer-preview .offer-preview-table")
    assert "1.750.000" in preview.locator("tr.to-buyer").inner_text()
    assert f"{total - REFUND:,}".replace(",", ".") in preview.locator("tr.vendor-gross").inner_text()
    assert api.get(f"/disputes/{dispute_id}/offers", world.vendors[0])["items"] == []  # a preview offers nothing
    assert untranslated(vendor) == []
    screenshot(vendor, "dispute-offer-preview")
    with vendor.expect_navigation():
        vendor.click(".offer-form button.make-offer")
    assert vendor.locator(".flash").count() == 1
    assert vendor.locator(".offers li.offer-open button.withdraw-offer").count() == 1
    assert api.get(f"/disputes/{dispute_id}", world.buyer)["status"] == "negotiating"

    buyer.goto(f"/disputes/{dispute_id}")
    offer = buyer.locator(".offers li.offer-open")
    assert "1.750.000" in offer.locator("tr.to-buyer").inner_text()
    assert "Hoàn tiền 100 vòng bi còn thiếu." in offer.inner_text()
    assert untranslated(buyer) == []
    screenshot(buyer, "dispute-offer-received")
    with buyer.expect_navigation():
        offer.locator("button.accept-offer").click()
    assert buyer.locator(".flash").count() == 1
    decided = api.get(f"/disputes/{dispute_id}", world.buyer)
    assert decided["status"] == "decided" and decided["decision"]["by"] == "parties"
    assert "Hoàn tiền 100 vòng bi còn thiếu." in buyer.inner_text(".negotiation .outcome-summary")
    assert buyer.locator(".offer-form").count() == 0  # nothing more to offer on a decided case
    assert untranslated(buyer) == []

    run_jobs()
    assert api.get(f"/disputes/{dispute_id}", world.buyer)["status"] == "resolved"
    s = ledger.deal_summary(deal["id"], "VND")
    assert s["refunded"] == REFUND and s["released"] + s["commission"] == total - REFUND and s["held"] == 0
    assert_ledger_sound(db)


def test_evidence_request_and_a_return_through_the_pages(new_page, api, world, run_jobs, db):
    deal = _shipped(api, world)
    total = int(deal["total"])
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "wrong_item", "description": "Nhận vòng bi 6204 thay vì 6205."}, expect=201)
    did = dispute["id"]
    admin_who = api.platform_admin()
    secret = with_second_factor(db, admin_who.user_id)
    api.post(f"/disputes/{did}/messages", world.vendors[0], {"body": "Chúng tôi kiểm tra lại."}, expect=201)
    sweep(_at(api.get(f"/disputes/{did}", world.buyer)["deadline_at"]) + timedelta(minutes=1))  # escalated

    admin = accept_dialogs(new_page("vi"))
    login(admin, admin_who.email, PASSWORD, totp_secret=secret)
    admin.click("button[name=lang][value=vi]")
    admin.wait_for_load_state("networkidle")
    admin.goto(f"/admin/disputes/{did}")
    admin.select_option(".evidence-request-form select[name=party]", "vendor")
    admin.fill(".evidence-request-form textarea[name=message]", "Gửi phiếu đóng gói của lô hàng.")
    with admin.expect_navigation():
        admin.click(".evidence-request-form button[type=submit]")
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "evidence_requested"
    assert "Gửi phiếu đóng gói của lô hàng." in admin.inner_text(".evidence-requests")
    assert untranslated(admin) == []

    vendor = accept_dialogs(new_page("vi"))
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/disputes/{did}")
    assert vendor.locator(".negotiation .dispute-deadline[data-kind=evidence]").count() == 1
    vendor.fill(".answer-form textarea[name=answer]", "Phiếu đóng gói ghi 6205; kho đã đóng nhầm.")
    with vendor.expect_navigation():
        vendor.click(".answer-form button[type=submit]")
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "under_review"
    assert untranslated(vendor) == []

    # the admin decides a refund with the goods returned first, the rationale shown to both sides
    admin.goto(f"/admin/disputes/{did}")
    admin.check("input[name=outcome][value=refund]")
    admin.fill("textarea[name=note]", "Giao nhầm mã hàng: trả hàng và hoàn tiền.")
    admin.check("input[name=return_required]")
    with admin.expect_navigation():
        admin.click(".decision-form button[type=submit]")
    assert admin.locator(".allocation .return-note").count() == 1
    assert untranslated(admin) == []
    with admin.expect_navigation():
        admin.click(".allocation button[type=submit]")
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "awaiting_return"

    buyer = accept_dialogs(new_page("vi"))
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/disputes/{did}")
    assert "Giao nhầm mã hàng: trả hàng và hoàn tiền." in buyer.inner_text(".negotiation .outcome-summary")
    assert buyer.locator(".negotiation .dispute-deadline[data-kind=return_ship]").count() == 1
    buyer.fill(".return-form input[name=tracking_number]", "TRAHANG-001")
    with buyer.expect_navigation():
        buyer.click(".return-form button.ship-return")
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "return_in_transit"
    assert untranslated(buyer) == []
    screenshot(buyer, "dispute-return-shipped")

    vendor.goto(f"/disputes/{did}")
    assert "TRAHANG-001" in vendor.inner_text(".return-shipment")
    with vendor.expect_navigation():
        vendor.click("button.confirm-return")
    assert untranslated(vendor) == []
    run_jobs()
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "resolved"
    s = ledger.deal_summary(deal["id"], "VND")
    assert s["refunded"] == total and s["held"] == 0
    assert_ledger_sound(db)
