"""The vendor's pages in a real browser: onboarding, catalog, import with a live progress bar, price lists,
invitations with the matching rationale, quoting and revising with the line-level diff, payouts."""

from __future__ import annotations

import re

from marketplace.money import format_display
from marketplace.vendors.models import ProductImport
from tests.factories import PASSWORD, deliver_and_accept, valid_tax_code

from .conftest import login, screenshot, untranslated
from .helpers import catalog_csv

PDF = b"%PDF-1.4\n% giay chung nhan dang ky doanh nghiep\n%%EOF\n"


def vendor_page(new_page, who, locale="vi"):
    page = new_page(locale)
    login(page, who.email, PASSWORD)
    return page


def test_vendor_journey_onboarding_catalog_import_quote_and_revision(new_page, api, worker_process, db):
    worker_process(PRODUCT_IMPORT_CHUNK_ROWS=50)
    admin = api.platform_admin()
    vendor = api.register("vendor", "Cơ khí Bình Dương")
    page = vendor_page(new_page, vendor)

    # onboarding: the checklist shows what remains
    page.goto("/vendor/")
    assert page.locator("h1").inner_text() == "Hồ sơ gia nhập"
    assert page.locator(".checklist li.todo").count() == 6
    assert untranslated(page) == []
    screenshot(page, "vendor-onboarding")

    # the profile form: a wrong tax code is refused on the form, nothing is saved
    page.fill("#legal_name", "Công ty TNHH Cơ khí Bình Dương")
    page.fill("#tax_code", "0312345670")
    page.click("#profile-form button[type=submit]")
    assert page.locator("#profile-form .field.invalid #tax_code").count() == 1
    assert "mã số thuế" in page.inner_text("#profile-form").lower()
    assert api.get(f"/vendors/{vendor.org_id}", vendor)["legal_name"] != "Công ty TNHH Cơ khí Bình Dương"

    page.fill("#legal_name", "Công ty TNHH Cơ khí Bình Dương")
    page.fill("#tax_code", valid_tax_code(vendor.org_id))
    page.fill("#regions", "VN-SG, VN-HN")
    page.fill("#monthly_capacity", "50000")
    page.fill("#certifications", "ISO 9001")
    page.click("#profile-form button[type=submit]")
    assert page.locator(".checklist li[data-step=profile].done").count() == 1
    assert page.locator(".checklist li[data-step=regions].done").count() == 1
    profile = api.get(f"/vendors/{vendor.org_id}", vendor)
    assert profile["regions"] == ["VN-SG", "VN-HN"] and profile["monthly_capacity"] == 50000

    # submitting too early says what is missing
    page.click("form[action$='/vendor/verification'] button")
    assert page.locator(".onboarding-status .error").count() >= 1

    # documents: a wrong file type is refused on the form; a PDF is kept and can be opened
    page.select_option("#kind", "business_registration")
    page.set_input_files("#file", files=[{"name": "dkkd.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}])
    page.click("#document-form button[type=submit]")
    assert "PDF, PNG hoặc JPEG" in page.inner_text("#document-form")
    assert page.locator("table.documents").count() == 0
    page.set_input_files("#file", files=[{"name": "dkkd.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#document-form button[type=submit]")
    link = page.locator("table.documents a", has_text="dkkd.pdf")
    assert link.count() == 1
    with page.expect_download() as download:
        link.click()
    assert open(download.value.path(), "rb").read() == PDF

    page.click("form[action$='/vendor/verification'] button")
    assert page.locator(".onboarding-status .badge").inner_text() == "Chờ xét duyệt"

    # the admin rejects with a reason: the vendor reads it, resubmits, and is verified
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "reject", "reason": "Ảnh giấy phép bị mờ"})
    page.goto("/vendor/")
    assert "Ảnh giấy phép bị mờ" in page.inner_text(".onboarding-status .reason")
    page.click("form[action$='/vendor/verification'] button")
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    page.goto("/vendor/")
    assert page.locator(".checklist li.done").count() == 6
    assert page.locator(".onboarding-status .badge").inner_text() == "Đã xác minh"

    # a product with two price tiers, through the form
    page.click("nav.menu a[href='/vendor/products']")
    page.click("a[href='/vendor/products/new']")
    page.fill("#sku", "BEAR-6205")
    page.fill("#name", "Vòng bi 6205-2RS ball bearing")
    page.fill("#unit", "piece")
    page.fill("#moq", "100")
    page.fill("#pack_size", "10")
    page.fill("#stock_qty", "50.000")
    page.fill("#lead_time_days", "7")
    page.fill("#hs_code", "848210")
    page.select_option("#status", "active")
    page.fill("#price_tiers-0-min_qty", "100")
    page.fill("#price_tiers-0-unit_price", "18.000")
    page.fill("#price_tiers-1-min_qty", "1000")
    page.fill("#price_tiers-1-unit_price", "16.500")
    page.click("#product-form button[type=submit]")
    assert re.search(r"/vendor/products/\d+\?saved=1$", page.url)
    product_id = int(re.search(r"/products/(\d+)", page.url).group(1))
    product = api.get(f"/products/{product_id}", vendor)
    assert [(t["min_qty"], t["unit_price"]) for t in product["price_tiers"]] == [(100, "18000"), (1000, "16500")]
    assert product["status"] == "active" and product["pack_size"] == 10 and product["stock_qty"] == 50000
    page.goto("/vendor/products")
    row = page.locator("tr[data-sku='BEAR-6205']")
    assert "18.000" in row.inner_text() and "50.000" in row.inner_text()
    assert untranslated(page) == []
    screenshot(page, "vendor-catalog")

    # a 1,000-row import with a real worker: the bar moves to 100 % and the counts and error report appear
    page.click("a[href='/vendor/products/import']")
    page.set_input_files("#file", files=[{"name": "catalog.csv", "mimeType": "text/csv", "buffer": catalog_csv(1000, bad=3)}])
    page.click("#import-form button[type=submit]")
    assert re.search(r"/vendor/imports/\d+$", page.url)
    seen = set()
    for _ in range(240):
        value = int(page.locator("#import-progress progress").get_attribute("value"))
        seen.add(value)
        if value == 100 and page.locator("#import-progress[data-status=done]").count():
            break
        page.wait_for_timeout(500)
    assert page.locator("#import-progress").get_attribute("data-status") == "done", seen
    assert max(seen) == 100
    assert untranslated(page) == []
    screenshot(page, "vendor-import")
    assert page.inner_text("#import-progress .created") == "997"
    assert page.inner_text("#import-progress .errors-count") == "3"
    assert "1.000" in page.inner_text("#import-progress")
    with page.expect_download() as download:
        page.click("a.error-report")
    report = open(download.value.path(), encoding="utf-8-sig").read()
    assert "IMP-00999" in report and "moq" in report
    assert db.session.query(ProductImport).one().status == "done"

    # a buyer's RFQ matches the vendor: the invitation says why; the vendor quotes through the form
    buyer = api.register("buyer", "Nhà máy Dệt Thành Công")
    rfq = api.open_rfq(buyer, [], quantity=2000)
    page.goto("/vendor/invitations")
    for _ in range(60):
        if page.locator(f"section.invitation[data-rfq='{rfq['id']}']").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    invitation = page.locator(f"section.invitation[data-rfq='{rfq['id']}']")
    assert "HS" in invitation.inner_text() or "Vòng bi" in invitation.inner_text()
    assert untranslated(page) == []
    screenshot(page, "vendor-invitations")
    invitation.locator("a.button").click()
    assert page.locator(".why-matched li").count() >= 1
    assert page.locator(".next-action .countdown").count() == 1
    assert untranslated(page) == []
    screenshot(page, "vendor-quote-form")
    page.fill("#lines-0-unit_price", "17.500")
    page.fill("#lead_time_days", "10")
    page.fill("#freight", "500.000")
    page.click("#quote-form button[type=submit]")
    assert re.search(r"/vendor/quotes/\d+$", page.url)
    quote_id = int(page.url.rsplit("/", 1)[1])
    assert api.get(f"/quotes/{quote_id}", buyer)["total"] == str(17500 * 2000 + 500000)

    # revise: the new price and quantity are highlighted against the first version
    page.click(f"a[href='/vendor/quotes/{quote_id}/revise']")
    assert page.input_value("#lines-0-unit_price") == "17.500"
    page.fill("#lines-0-unit_price", "16.900")
    page.fill("#lines-0-quantity", "1.800")
    page.click("#quote-form button[type=submit]")
    latest = page.locator("article.version[data-revision='2']")
    assert latest.locator("ins.changed[data-field=unit_price]").inner_text().startswith("16.900")
    assert latest.locator("del.diff-old").first.inner_text().startswith("17.500")
    assert latest.locator("ins.changed[data-field=quantity]").inner_text() == "1.800"
    assert page.locator(".timeline li").count() >= 2
    assert untranslated(page) == []
    screenshot(page, "vendor-quote")
    quote = api.get(f"/quotes/{quote_id}", buyer)
    assert quote["revision"] == 2 and quote["lines"][0]["unit_price"] == "16900"

    # withdraw (asks first), after which no action is offered
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button.danger")
    assert page.locator(".badge.status-withdrawn").count() >= 1
    assert page.locator(f"a[href='/vendor/quotes/{quote_id}/revise']").count() == 0
    page.goto("/vendor/quotes")
    assert page.locator(f"a[href='/vendor/quotes/{quote_id}']").count() >= 1


def test_bad_product_input_is_shown_on_the_form_and_saves_nothing(page, api, world):
    vendor = world.vendors[0]
    login(page, vendor.email, PASSWORD)
    page.goto("/vendor/products/new")
    page.fill("#sku", "BAD-1")
    page.fill("#unit", "piece")
    page.fill("#moq", "-5")
    page.fill("#price_tiers-0-min_qty", "1")
    page.fill("#price_tiers-0-unit_price", "1.000")
    page.click("#product-form button[type=submit]")
    assert "Nhập tên sản phẩm" in page.inner_text("#product-form")
    assert page.locator(".field.invalid #moq").count() == 1
    assert page.url.endswith("/vendor/products/new")
    # a price with decimals VND does not have is the service's refusal, on its tier row
    page.fill("#name", "Vòng bi")
    page.fill("#moq", "1")
    page.fill("#price_tiers-0-unit_price", "1.000,5")
    page.click("#product-form button[type=submit]")
    assert page.locator("td.invalid #price_tiers-0-unit_price").count() == 1
    page.goto("/vendor/products")
    assert page.locator("tr[data-sku='BAD-1']").count() == 0


def test_wrong_file_type_and_too_large_import_are_refused_on_the_form(page, api, world, db, tmp_path):
    login(page, world.vendors[0].email, PASSWORD)
    page.goto("/vendor/products/import")
    page.set_input_files("#file", files=[{"name": "catalog.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#import-form button[type=submit]")
    assert ".csv" in page.inner_text("#import-form .error")
    assert page.url.endswith("/vendor/products/import")

    big = tmp_path / "catalog.csv"
    with big.open("wb") as fh:
        fh.write(b"sku,name,unit,unit_price\n")
        fh.truncate(61 * 1024 * 1024)  # a 61 MB file (over the app's 60 MB request limit)
    page.set_input_files("#file", files=[str(big)])
    page.click("#import-form button[type=submit]")
    assert "50 MB" in page.inner_text("#import-form .error")
    assert db.session.query(ProductImport).count() == 0


def test_another_vendors_product_is_the_404_page(page, api, world):
    other = api.get("/products?q=REBAR")["items"][0]
    login(page, world.vendors[0].email, PASSWORD)
    response = page.goto(f"/vendor/products/{other['id']}")
    assert response.status == 404
    assert page.locator("h1").inner_text().startswith("Không tìm thấy")


def test_a_product_named_like_a_script_is_shown_as_text(page, api, world):
    vendor = world.vendors[0]
    api.product(vendor, "XSS-1", "<script>alert(1)</script>")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, vendor.email, PASSWORD)
    page.goto("/vendor/products")
    assert page.locator("tr[data-sku='XSS-1'] .product-name").inner_text() == "<script>alert(1)</script>"
    page.click("tr[data-sku='XSS-1'] .product-name")
    assert page.input_value("#name") == "<script>alert(1)</script>"
    assert not dialogs


def test_price_list_board_and_payouts_pages(page, api, world):
    vendor = world.vendors[1]
    rfq = api.open_rfq(world.buyer, [], visibility="open")
    login(page, vendor.email, PASSWORD)
    page.goto("/vendor/board")
    assert page.locator(f"a[href='/vendor/rfqs/{rfq['id']}']").count() >= 1
    screenshot(page, "vendor-board")

    page.goto("/vendor/price-lists/new")
    page.fill("#name", "Giá riêng 2027")
    page.click("#price-list-form button[type=submit]")
    assert page.locator(".field.invalid #buyer_org_id").count() == 1
    page.select_option("#buyer_org_id", str(world.buyer.org_id))
    option = page.locator("#items-0-product_id option", has_text="BEAR-6206").get_attribute("value")
    page.select_option("#items-0-product_id", option)
    page.fill("#items-0-min_qty", "50")
    page.fill("#items-0-unit_price", "19.500")
    page.click("#price-list-form button[type=submit]")
    assert re.search(r"/vendor/price-lists/\d+$", page.url)
    assert "19.500" in page.inner_text("main")
    lists = api.get("/price-lists", world.buyer)["items"]
    assert lists[0]["items"][0]["unit_price"] == "19500"
    page.click("a[href$='/edit']")
    assert page.input_value("#items-0-unit_price") == "19.500"
    page.fill("#items-0-unit_price", "19.000")
    page.fill("#items-0-min_qty", "-1")
    page.click("#price-list-form button[type=submit]")
    assert page.locator("td.invalid #items-0-min_qty").count() == 1
    page.fill("#items-0-min_qty", "100")
    page.click("#price-list-form button[type=submit]")
    assert re.search(r"/vendor/price-lists/\d+$", page.url)
    item = api.get("/price-lists", world.buyer)["items"][0]["items"][0]
    assert (item["min_qty"], item["unit_price"]) == (100, "19000")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/end'] button")
    page.goto("/vendor/price-lists")
    assert "Giá riêng 2027" in page.inner_text("main")

    page.goto("/vendor/payouts")
    assert page.locator("h1").inner_text() == "Chi trả"


def test_the_english_pages_are_in_english(new_page, api, world):
    page = vendor_page(new_page, world.vendors[0], "en")
    page.goto("/vendor/")
    page.click("button[name=lang][value=en]")
    assert page.locator("h1").inner_text() == "Onboarding"
    assert page.locator(".onboarding-status .badge").inner_text() == "Verified"
    page.goto("/vendor/products")
    assert page.locator("h1").inner_text() == "Catalog"


def test_payouts_page_shows_the_vendors_payouts_and_batches(page, api, world, run_jobs):
    vendor = world.vendors[0]
    deal = api.funded_deal(world)
    deliver_and_accept(api, world, deal)
    run_jobs()
    batch = api.post("/admin/payouts", world.admin, {"org_ids": [vendor.org_id]}, expect=201)
    api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "VCB-2026-001"})
    payouts = api.get("/payouts", vendor)["items"]
    assert payouts
    login(page, vendor.email, PASSWORD)
    page.click("nav.menu a[href='/vendor/payouts']")
    text = page.inner_text("main table")
    assert "VCB-2026-001" in text and f"#{batch['id']}" in text
    assert format_display(int(payouts[0]["amount"]), "VND", "vi") in text
    screenshot(page, "vendor-payouts")
