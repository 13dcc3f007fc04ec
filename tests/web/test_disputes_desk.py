"""Disputes in a real browser: a buyer opens a case on some lines from the deal page and adds evidence on
the dispute page; the vendor sees it; an admin takes a case on the desk and decides it from there (every
page in Vietnamese, with no untranslated text)."""

from __future__ import annotations

import pytest

from marketplace.web.views import admin as admin_views
from tests.factories import PASSWORD, assert_ledger_sound

from .conftest import login, screenshot, untranslated
from .helpers import accept_dialogs, tiny_png, with_second_factor

TWO_LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece"},
             {"description": "Phớt chặn dầu 35x52", "quantity": 200, "unit": "piece"}]


def _shipped(api, world, lines=None) -> dict:
    rfq = api.open_rfq(world.buyer, [world.vendors[0]], lines=lines or TWO_LINES)
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        ins = m["instructions"]
        api.post("/admin/bank-transfers", world.admin,
                 {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    return api.get(f"/deals/{deal['id']}", world.buyer)


@pytest.fixture
def admin(api, db):
    who = api.platform_admin()
    return who, with_second_factor(db, who.user_id)


def test_a_buyer_disputes_some_lines_and_adds_evidence(new_page, api, world):
    deal = _shipped(api, world)
    first = deal["lines"][0]
    buyer = new_page("vi")
    login(buyer, world.buyer.email, PASSWORD)
    buyer.goto(f"/deals/{deal['id']}")
    buyer.click("a.open-scoped")
    buyer.wait_for_url(f"**/disputes/open/{deal['id']}")
    assert untranslated(buyer) == []
    buyer.select_option("select[name=reason]", "quantity_short")
    buyer.fill("textarea[name=description]", "Thiếu 100 vòng bi so với phiếu giao hàng.")
    buyer.fill(f"input[name=qty-{first['id']}]", "100")
    buyer.click(".open-dispute-form button[type=submit]")
    buyer.wait_for_url("**/disputes/*")
    dispute_id = int(buyer.url.rstrip("/").rsplit("/", 1)[1])
    dispute = api.get(f"/disputes/{dispute_id}", world.buyer)
    assert dispute["reason"] == "quantity_short" and dispute["claimed_amount"] == str(100 * 17500)
    assert [(s["deal_line_id"], s["quantity"]) for s in dispute["scope"]] == [(first["id"], 100)]
    assert "Thiếu số lượng" in buyer.inner_text(".dispute-scope")
    assert buyer.locator(".evidence-list tr[data-kind=record]").count() == 4
    assert buyer.locator(".next-action .what").inner_text()

    buyer.set_input_files("input[name=file]", files=[{"name": "thieu-hang.png", "mimeType": "image/png",
                                                     "buffer": tiny_png()}])
    buyer.fill("input[name=description]", "Ảnh thùng hàng khi nhận")
    buyer.click(".evidence-form button[type=submit]")
    buyer.wait_for_load_state("networkidle")
    assert buyer.locator(".evidence-list tr[data-kind=upload]").count() == 1
    assert "thieu-hang.png" in buyer.inner_text(".evidence-list")
    buyer.fill("textarea[name=body]", "Chúng tôi chờ nhà cung cấp giao bù.")
    buyer.click(".message-form button[type=submit]")
    buyer.wait_for_load_state("networkidle")
    assert "Chúng tôi chờ nhà cung cấp giao bù." in buyer.inner_text(".messages")
    assert untranslated(buyer) == [], untranslated(buyer)
    screenshot(buyer, "dispute-party-page")

    # the vendor sees the same case, answers it, and the evidence a wrong file would be refused
    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/disputes/{dispute_id}")
    assert "thieu-hang.png" in vendor.inner_text(".evidence-list")
    vendor.set_input_files("input[name=file]", files=[{"name": "anh.png", "mimeType": "image/png",
                                                      "buffer": b"%PDF-1.4\n%%EOF\n"}])
    vendor.click(".evidence-form button[type=submit]")
    vendor.wait_for_load_state("networkidle")
    assert vendor.locator(".evidence-form .error, .evidence-form .errors").count() >= 1
    assert vendor.locator(".evidence-list tr[data-kind=upload]").count() == 1
    assert untranslated(vendor) == []
    # another organisation: the 404 page
    other = new_page("vi")
    login(other, world.other_buyer.email, PASSWORD)
    assert other.goto(f"/disputes/{dispute_id}").status == 404


def test_an_admin_takes_a_case_on_the_desk_and_decides_it(new_page, api, world, admin, run_jobs, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "DISPUTE_METRICS_CACHE_SECONDS", 60)  # as deployed (the suite computes them live)
    monkeypatch.setattr(admin_views, "_desk_metrics", {})
    who, secret = admin
    deal = _shipped(api, world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "Một nửa số vòng bi bị gỉ sét."}, expect=201)
    other_deal = _shipped(api, world)
    other = api.post(f"/deals/{other_deal['id']}/disputes", world.vendors[0],
                     {"reason": "other", "description": "Bên mua không xác nhận cũng không trả lời."}, expect=201)
    page = new_page("vi")
    login(page, who.email, PASSWORD, totp_secret=secret)
    page.click("button[name=lang][value=vi]")
    page.wait_for_load_state("networkidle")
    accept_dialogs(page)

    page.goto("/admin/disputes")
    assert page.locator("table.desk tbody tr").count() == 2
    row = page.locator(f"tr[data-dispute='{dispute['id']}']")
    assert "1 ngày" not in row.inner_text() and row.locator(".claimed").inner_text().replace("\xa0", " ").startswith(
        f"{int(deal['total']):,}".replace(",", "."))
    assert page.locator(f".vendor-metrics tr[data-vendor='{world.vendors[0].org_id}']").count() == 1
    assert "cập nhật tối đa mỗi 60 giây" in page.locator(".metrics-at").inner_text()  # their age is shown
    assert untranslated(page) == []
    screenshot(page, "admin-dispute-desk")
    with page.expect_navigation():
        row.locator("button.assign-me").click()
    assert api.get(f"/disputes/{dispute['id']}", who)["assignee_id"] == who.user_id
    page.select_option("select[name=assignee]", "me")
    with page.expect_navigation():
        page.click(".desk-filters button[type=submit]")
    assert [int(r.get_attribute("data-dispute")) for r in page.locator("table.desk tbody tr").all()] == [dispute["id"]]
    page.select_option("select[name=assignee]", "none")
    with page.expect_navigation():
        page.click(".desk-filters button[type=submit]")
    assert [int(r.get_attribute("data-dispute")) for r in page.locator("table.desk tbody tr").all()] == [other["id"]]

    page.goto("/admin/disputes")
    page.locator(f"tr[data-dispute='{dispute['id']}'] a").click()
    page.wait_for_url(f"**/admin/disputes/{dispute['id']}")
    assert page.locator(".evidence-list tr[data-kind=record]").count() == 4
    assert "Một nửa số vòng bi bị gỉ sét." in page.inner_text("main")
    assert untranslated(page) == []
    page.check("input[name=outcome][value=refund]")
    page.fill("textarea[name=note]", "Hàng hư hỏng do đóng gói.")
    page.click(".decision-form button[type=submit]")
    assert page.locator(".allocation-table tr.to-buyer").count() == 1
    assert untranslated(page) == []
    page.click(".allocation button[type=submit]")
    page.wait_for_url(f"**/admin/disputes/{dispute['id']}")
    decided = api.get(f"/disputes/{dispute['id']}", world.buyer)
    assert decided["status"] == "decided" and decided["decision"]["outcome"] == "refund"
    assert page.locator(".decision-form").count() == 0
    run_jobs()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "resolved"
    assert_ledger_sound(db)


def test_a_vendor_opens_a_case_from_the_deal_page(new_page, api, world):
    deal = _shipped(api, world)
    vendor = new_page("vi")
    login(vendor, world.vendors[0].email, PASSWORD)
    vendor.goto(f"/deals/{deal['id']}")
    vendor.click(".vendor-dispute a.button")
    vendor.wait_for_url(f"**/disputes/open/{deal['id']}")
    assert vendor.locator("select[name=reason] option").count() == 2  # "choose" and "other"
    assert vendor.locator("input[name^=qty-]").count() == 0
    assert untranslated(vendor) == []
    vendor.select_option("select[name=reason]", "other")
    vendor.fill("textarea[name=description]", "Bên mua đã nhận hàng hai tuần nhưng không xác nhận, không trả lời.")
    vendor.click(".open-dispute-form button[type=submit]")
    vendor.wait_for_url("**/disputes/*")
    dispute_id = int(vendor.url.rstrip("/").rsplit("/", 1)[1])
    shown = api.get(f"/disputes/{dispute_id}", world.buyer)
    assert shown["opened_by_party"] == "vendor" and shown["claimed_amount"] == deal["total"]
    assert "Nhà cung cấp" in vendor.inner_text(".dispute-scope .opened-by")
    assert untranslated(vendor) == []
