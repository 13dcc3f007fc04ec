"""The three journeys of issue 9, end to end in a real browser, through the pages only.

1. A vendor signs up, completes onboarding, is verified in the admin pages, lists a product with tiers,
   imports 1,000 rows watching the progress bar (a real worker process) and quotes then revises a quote.
2. A buyer's requester searches without accents, submits an RFQ above the approval threshold, the approver
   approves it, two vendors quote, the buyer splits the award, pays one deal by bank transfer (VietQR), the
   admin confirms the transfer, the vendor ships, the buyer confirms delivery and opens a dispute, the admin
   decides a split on the dispute desk, and both parties see the outcome and the money.
3. The key pages of that journey in ``vi`` (no untranslated string) and in ``en`` (English headings).

Only two things happen outside the pages: the platform admin is created with a second factor (operators
create admins), and background jobs run with a real worker. The organisations of journeys 2 and 3 come
from the API factories (``world``); journey 3 also builds its deal through the API (it is about the words).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from marketplace.escrow.gateways.bank import vietqr
from marketplace.money import commission_for
from tests.factories import PASSWORD, valid_tax_code

from .conftest import login, screenshot, untranslated
from .helpers import catalog_csv, local_input, one_page_pdf, submit, with_second_factor

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
URL_ID = re.compile(r"/(\d+)(?:[/?#].*)?$")


# --- helpers --------------------------------------------------------------------------------------


def language(page, lang: str) -> None:
    """Choose the interface language with the switcher in the header (it is remembered for the user)."""
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.click(f"button[name=lang][value={lang}]")
    expect(page.locator("html")).to_have_attribute("lang", lang)


def person(new_page, email: str, lang: str = "vi", totp_secret: str | None = None):
    """A browser of one's own, logged in through the login page, in ``lang``; dialogs are confirmed."""
    page = new_page(lang)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, email, PASSWORD, totp_secret=totp_secret)
    language(page, lang)
    return page


def url_id(page) -> int:
    return int(URL_ID.search(page.url).group(1))


def digits(text: str) -> int:
    """An amount as the page shows it (``18.000.000 ₫``) as an integer."""
    return int(re.sub(r"\D", "", text))


def vnd(amount: int) -> str:
    """An integer VND amount as the Vietnamese pages write it."""
    return f"{amount:,}".replace(",", ".")


def poll(page, check, seconds: float, reload: bool = True, every_ms: int = 1000) -> bool:
    """Reload ``page`` until ``check()`` is true (background work the page does not refresh itself)."""
    deadline = datetime.now() + timedelta(seconds=seconds)
    while datetime.now() < deadline:
        if check():
            return True
        page.wait_for_timeout(every_ms)
        if reload:
            page.reload()
    return check()


def sign_up(page, name: str, email: str, org: str, kind: str) -> None:
    page.goto("/account/signup")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=org_name]", org)
    page.check(f"input[name=kind][value={kind}]")
    submit(page, "form button[type=submit].primary")
    expect(page.locator("header .who")).to_contain_text(org)


def fill_rfq_builder(page, title: str, lines: list[tuple[str, str, str, str, str]], deadline: str) -> None:
    """The RFQ builder: title, lines (item, quantity, unit, HS code, target price), place, deadline, open."""
    page.goto("/buyer/rfqs/new")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", "Cho dây chuyền lắp ráp số 3, giao trong giờ hành chính")
    for i, (item, quantity, unit, hs_code, price) in enumerate(lines):
        page.fill(f"input[name='lines-{i}-description']", item)
        page.fill(f"input[name='lines-{i}-quantity']", quantity)
        page.fill(f"input[name='lines-{i}-unit']", unit)
        page.fill(f"input[name='lines-{i}-hs_code']", hs_code)
        page.fill(f"input[name='lines-{i}-target_unit_price']", price)
    page.fill("input[name=delivery_region]", "VN-SG")
    page.fill("input[name=named_place]", "Nhà máy Thủ Đức")
    page.fill("input[name=quote_deadline]", deadline)
    page.check("input[name=visibility][value=open]")


def quote_through_the_form(page, rfq_id: int, prices: list[str], freight: str, incoterm: str | None = None) -> int:
    """A vendor opens its invitation and quotes every line through the quote form; returns the quote id."""
    page.goto("/vendor/invitations")
    invitation = page.locator(f"section.invitation[data-rfq='{rfq_id}']")
    assert poll(page, lambda: invitation.count() == 1, 60), "the invitation never reached the vendor"
    assert page.locator(f"section.invitation[data-rfq='{rfq_id}'] h3").count() == 1  # why the vendor was matched
    invitation.locator("a.button").click()
    expect(page.locator("#quote-form")).to_be_visible()
    for i, price in enumerate(prices):
        page.fill(f"#lines-{i}-unit_price", price)
    page.fill("#lead_time_days", "12")
    page.fill("#freight", freight)
    if incoterm:
        page.select_option("#incoterm", incoterm)
    submit(page, "#quote-form button[type=submit]")
    assert re.search(r"/vendor/quotes/\d+$", page.url), page.url
    return url_id(page)


# --- 1. the vendor --------------------------------------------------------------------------------


def test_vendor_journey(new_page, api, db, worker_process):
    worker_process(PRODUCT_IMPORT_CHUNK_ROWS=50)  # a real worker: imports and matching run in the background
    admin = api.platform_admin()
    admin_secret = with_second_factor(db, admin.user_id)

    # sign up, choosing a vendor organisation
    vendor = new_page("vi")
    vendor.on("dialog", lambda dialog: dialog.accept())
    vendor.goto("/login")
    vendor.click("a[href='/account/signup']")
    expect(vendor.locator("h1")).to_have_text("Tạo tài khoản")
    sign_up(vendor, "Chị Lan", "lan@cokhibinhduong.vn", "Cơ khí Bình Dương", "vendor")

    # onboarding: profile with a valid tax code, a document, submit for verification
    vendor.goto("/vendor/")
    expect(vendor.locator("h1")).to_have_text("Hồ sơ gia nhập")
    assert vendor.locator(".checklist li.todo").count() >= 4
    screenshot(vendor, "vendor-onboarding")
    vendor.fill("#legal_name", "Công ty TNHH Cơ khí Bình Dương")
    vendor.fill("#tax_code", valid_tax_code(4242))
    vendor.fill("#regions", "VN-SG, VN-HN")
    vendor.fill("#monthly_capacity", "50000")
    vendor.fill("#certifications", "ISO 9001")
    submit(vendor, "#profile-form button[type=submit]")
    expect(vendor.locator(".checklist li[data-step=profile].done")).to_have_count(1)
    vendor.select_option("#kind", "business_registration")
    document = {"name": "dkkd.pdf", "mimeType": "application/pdf", "buffer": one_page_pdf()}
    vendor.set_input_files("#file", files=[document])
    submit(vendor, "#document-form button[type=submit]")
    expect(vendor.locator("table.documents a", has_text="dkkd.pdf")).to_have_count(1)
    submit(vendor, "form[action$='/vendor/verification'] button")
    expect(vendor.locator(".onboarding-status .badge")).to_have_text("Chờ xét duyệt")

    # the platform admin verifies the vendor in the verification queue
    desk = person(new_page, admin.email, "vi", totp_secret=admin_secret)
    desk.goto("/admin/verifications")
    review = desk.locator("section.vendor-review", has_text="Cơ khí Bình Dương")
    expect(review).to_have_count(1)
    assert "Công ty TNHH Cơ khí Bình Dương" in review.inner_text()
    viewer = review.locator("iframe.doc-view")
    expect(viewer).to_have_count(1)  # the document is shown in the page
    assert desk.request.get(viewer.get_attribute("src")).headers["content-type"] == "application/pdf"
    if os.environ.get("SCREENSHOTS") == "1":
        desk.wait_for_timeout(3000)  # let Chromium's PDF viewer draw the document before the README picture
    screenshot(desk, "admin-verifications")
    submit(desk, "section.vendor-review:has-text('Cơ khí Bình Dương') button[name=decision][value=verify]")
    expect(desk.locator(".flash")).to_contain_text("Đã xác minh")
    vendor.goto("/vendor/")
    expect(vendor.locator(".onboarding-status .badge")).to_have_text("Đã xác minh")
    assert vendor.locator(".checklist li.todo").count() == 0

    # a product with two price tiers
    vendor.click("nav.menu a[href='/vendor/products']")
    vendor.click("a[href='/vendor/products/new']")
    vendor.fill("#sku", "VB-6205")
    vendor.fill("#name", "Vòng bi cầu 6205-2RS")
    vendor.fill("#unit", "piece")
    vendor.fill("#moq", "100")
    vendor.fill("#pack_size", "10")
    vendor.fill("#stock_qty", "50000")
    vendor.fill("#lead_time_days", "7")
    vendor.fill("#hs_code", "848210")
    vendor.select_option("#status", "active")
    vendor.fill("#price_tiers-0-min_qty", "100")
    vendor.fill("#price_tiers-0-unit_price", "18.000")
    vendor.fill("#price_tiers-1-min_qty", "1000")
    vendor.fill("#price_tiers-1-unit_price", "16.500")
    submit(vendor, "#product-form button[type=submit]")
    assert re.search(r"/vendor/products/\d+\?saved=1$", vendor.url), vendor.url
    vendor.goto("/vendor/products")
    row = vendor.locator("tr[data-sku='VB-6205']")
    expect(row).to_contain_text("18.000")
    screenshot(vendor, "vendor-products")

    # a CSV of 1,000 rows: the progress bar moves to the end (a real worker process does the work)
    vendor.click("a[href='/vendor/products/import']")
    vendor.set_input_files("#file", files=[{"name": "bulong.csv", "mimeType": "text/csv", "buffer": catalog_csv(1000, prefix="BL", base_price=1500)}])
    submit(vendor, "#import-form button[type=submit]")
    assert re.search(r"/vendor/imports/\d+$", vendor.url), vendor.url
    seen: set[int] = set()
    bar = vendor.locator("#import-progress progress")
    deadline = datetime.now() + timedelta(seconds=300)
    while datetime.now() < deadline:  # htmx replaces the fragment every second; we only watch it
        seen.add(int(bar.get_attribute("value") or 0))
        if vendor.locator("#import-progress[data-status=done]").count():
            seen.add(int(bar.get_attribute("value") or 0))
            break
        vendor.wait_for_timeout(300)
    expect(vendor.locator("#import-progress")).to_have_attribute("data-status", "done")
    assert max(seen) == 100, seen
    assert vendor.inner_text("#import-progress .created") == "1.000"
    assert vendor.inner_text("#import-progress .errors-count") == "0"
    screenshot(vendor, "vendor-import")

    # a buyer signs up and publishes an open RFQ through the builder (no approval threshold: it opens at once)
    buyer = new_page("vi")
    buyer.on("dialog", lambda dialog: dialog.accept())
    sign_up(buyer, "Anh Minh", "minh@detthanhcong.vn", "Dệt Thành Công", "buyer")
    fill_rfq_builder(buyer, "Vòng bi cho máy dệt", [("Vòng bi cầu 6205-2RS", "2000", "piece", "848210", "18.000")],
                     local_input(5))
    submit(buyer, "button[name=action][value=publish]")
    rfq_id = url_id(buyer)
    expect(buyer.locator(".rfq-status")).to_contain_text("Đang mở")

    # the vendor quotes on the invitation (matching runs on the worker), then revises the quote
    quote_id = quote_through_the_form(vendor, rfq_id, ["17.500"], "500.000")
    expect(vendor.locator("main")).to_contain_text("35.500.000")  # 2.000 × 17.500 + 500.000
    assert vendor.locator(".next-action").count() == 1 and vendor.locator(".timeline li").count() >= 1
    vendor.click(f"a[href='/vendor/quotes/{quote_id}/revise']")
    assert vendor.input_value("#lines-0-unit_price") == "17.500"
    vendor.fill("#lines-0-unit_price", "16.900")
    submit(vendor, "#quote-form button[type=submit]")
    latest = vendor.locator("article.version[data-revision='2']")
    expect(latest.locator("ins.changed[data-field=unit_price]")).to_contain_text("16.900")
    assert latest.locator("del.diff-old").first.inner_text().startswith("17.500")
    screenshot(vendor, "vendor-quote")

    # the buyer sees the revised quote on the RFQ page
    buyer.goto(f"/buyer/rfqs/{rfq_id}")
    quote_row = buyer.locator("tr.quote", has_text="Cơ khí Bình Dương")
    expect(quote_row).to_contain_text("34.300.000")  # 2.000 × 16.900 + 500.000


# --- 2. the buyer ---------------------------------------------------------------------------------


def test_buyer_journey(new_page, api, db, world, run_jobs):
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer, json={"approval_threshold": "10000000"},
             expect=200)
    requester_who, approver_who = world.buyer_members["requester"], world.buyer_members["approver"]
    v1, v2 = world.vendors
    admin_secret = with_second_factor(db, world.admin.user_id)

    # the requester logs in and searches without accents
    requester = new_page("vi")
    requester.on("dialog", lambda dialog: dialog.accept())
    requester.goto("/login")
    screenshot(requester, "login")
    login(requester, requester_who.email, PASSWORD)
    requester.goto("/buyer/search")
    requester.fill("input[name=q]", "vong bi")
    requester.fill("input[name=quantity]", "500")
    submit(requester, "button.primary:has-text('Tìm kiếm')")
    names = requester.locator(".result .product-name").all_inner_texts()
    assert any("Vòng bi 6205-2RS" in n for n in names) and any("6206" in n for n in names), names
    screenshot(requester, "buyer-search")

    # builds an RFQ of 31.000.000 ₫ (above the 10.000.000 ₫ threshold) and submits it for approval
    fill_rfq_builder(requester, "Vòng bi cho dây chuyền 3",
                     [("Vòng bi 6205-2RS", "1000", "piece", "848210", "20.000"),
                      ("Vòng bi 6206", "500", "piece", "848210", "22.000")], local_input(5))
    submit(requester, "button[name=action][value=publish]")
    rfq_id = url_id(requester)
    expect(requester.locator(".rfq-status")).to_contain_text("Chờ phê duyệt")
    assert "phê duyệt" in requester.inner_text(".flash").lower()

    # the approver approves it in the approvals queue; both are told
    approver = person(new_page, approver_who.email)
    approver.click("nav.menu a:has-text('Phê duyệt')")
    card = approver.locator(f"article.approval[data-rfq='{rfq_id}']")
    expect(card).to_contain_text("31.000.000")
    submit(approver, f"article.approval[data-rfq='{rfq_id}'] button.approve")
    expect(approver.locator(".flash")).to_contain_text("đã được phê duyệt")
    expect(approver.locator("article.approval")).to_have_count(0)

    # matching runs in the background (drained here); the RFQ page shows who was invited and why
    run_jobs()
    requester.goto(f"/buyer/rfqs/{rfq_id}")
    expect(requester.locator(".rfq-status")).to_contain_text("Đang mở")
    expect(requester.locator("tr.invitation")).to_have_count(2)
    assert "Đã phê duyệt" in requester.inner_text("section.timeline")

    # two vendors quote through their pages: each is cheaper on one line
    seller1 = person(new_page, v1.email)
    q1 = quote_through_the_form(seller1, rfq_id, ["17.500", "23.000"], "300.000")
    seller2 = person(new_page, v2.email)
    q2 = quote_through_the_form(seller2, rfq_id, ["19.000", "20.500"], "0", incoterm="FCA")

    # the buyer compares the quotes side by side and splits the award by lines
    requester.goto(f"/buyer/rfqs/{rfq_id}")
    expect(requester.locator("tr.quote")).to_have_count(2)
    requester.click("a.compare")
    expect(requester.locator("th.quote-col")).to_have_count(2)
    assert "Chi phí về kho" in requester.inner_text("table.side-by-side")
    assert "FCA" in requester.inner_text("tr.gaps")  # the flagged gap: main freight not included
    screenshot(requester, "buyer-compare")
    lines = requester.locator("tr.line-row")
    lines.nth(0).locator(f"input[type=radio][value='{q1}']").check()
    lines.nth(1).locator(f"input[type=radio][value='{q2}']").check()
    submit(requester, "button.review")
    previews = requester.locator("section.deal-preview")
    expect(previews).to_have_count(2)
    submit(requester, "button.confirm-award")
    expect(requester.locator("li.deal")).to_have_count(2)
    deal_link = requester.locator("li.deal", has_text="Cơ khí Sài Gòn").locator("a")
    deal_url = deal_link.get_attribute("href")
    deal_id = int(deal_url.rstrip("/").rsplit("/", 1)[1])
    assert "Đã trao thầu" in requester.inner_text("section.timeline")
    screenshot(requester, "buyer-rfq")

    # above the threshold the deal waits for the approver, who approves it on the deal page
    approver.goto(deal_url)
    submit(approver, "button[name=do][value=approve]")
    expect(approver.locator(".deal-head")).to_contain_text("Chờ thanh toán")

    # the requester pays by bank transfer: the reference, the bank details and the VietQR code
    requester.goto(deal_url)
    expect(requester.locator(".deal-head")).to_contain_text("Chờ thanh toán")
    submit(requester, "button[name=do][value=pay]")
    reference = requester.inner_text("code.reference").strip()
    assert re.fullmatch(r"MKP\w+", reference), reference
    qr = requester.locator("img.vietqr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    payload = qr.get_attribute("data-payload")
    assert vietqr.is_valid(payload) and reference in payload and "A000000727" in payload  # NAPAS VietQR
    assert "0000000000" in requester.inner_text(".transfer .account-number")
    total = digits(requester.inner_text(".deal-head dd.total"))
    assert requester.locator(".timeline li").count() >= 1 and requester.locator(".next-action").count() == 1
    screenshot(requester, "buyer-deal")

    # the admin confirms the transfer in the admin pages
    admin = person(new_page, world.admin.email, "vi", totp_secret=admin_secret)
    admin.goto("/admin/payments")
    transfer = admin.locator(f"tr[data-reference='{reference}']")
    expect(transfer).to_contain_text(f"#{deal_id}")
    submit(admin, f"tr[data-reference='{reference}'] button[type=submit]")
    expect(admin.locator(".flash")).to_contain_text(reference)

    # the vendor sees the deal funded and ships it through the deal page
    seller1.goto(deal_url)
    expect(seller1.locator(".deal-head")).to_contain_text("Đã ký quỹ")
    seller1.fill(".ship-form input[name=tracking_number]", "VNP-2026-0777")
    submit(seller1, ".ship-form button[type=submit]")
    expect(seller1.locator(".shipments")).to_contain_text("VNP-2026-0777")

    # the buyer confirms delivery and opens a dispute; the vendor answers in it
    requester.goto(deal_url)
    submit(requester, "button[name=do][value=confirm_delivery]")
    expect(requester.locator(".deal-head")).to_contain_text("Đã giao hàng")
    requester.select_option(".dispute-form select[name=reason]", "damaged")
    requester.fill(".dispute-form textarea[name=description]", "Một phần vòng bi bị gỉ sét khi mở thùng.")
    submit(requester, ".dispute-form button[type=submit]")
    expect(requester.locator(".deal-head")).to_contain_text("Đang tranh chấp")
    seller1.goto(deal_url)
    seller1.fill(".message-form textarea[name=body]", "Chúng tôi đề nghị chia theo số hàng hỏng.")
    submit(seller1, ".message-form button[type=submit]")
    expect(seller1.locator("ol.messages")).to_contain_text("chia theo số hàng hỏng")

    # the admin decides a split on the dispute desk, seeing the exact allocation before confirming
    admin.goto("/admin/disputes")
    case = admin.locator("tr[data-dispute]", has_text=f"#{deal_id}")
    expect(case).to_have_count(1)
    screenshot(admin, "admin-disputes")
    case.locator("a").click()
    expect(admin.locator(".messages")).to_contain_text("chia theo số hàng hỏng")
    assert "Một phần vòng bi bị gỉ sét" in admin.inner_text("main")
    to_vendor_share = 10_000_000
    admin.check("input[name=outcome][value=split]")
    admin.fill("input[name=vendor_amount]", vnd(to_vendor_share))
    admin.fill("textarea[name=note]", "Chia theo số hàng bị hỏng.")
    submit(admin, ".decision-form button[type=submit]")
    deal = api.get(f"/deals/{deal_id}", world.buyer)
    assert int(deal["total"]) == total
    commission = commission_for(to_vendor_share, deal["commission_bps"])
    table = admin.locator(".allocation-table")
    refund = total - to_vendor_share
    expect(table.locator("tr.to-buyer")).to_contain_text(vnd(refund))
    expect(table.locator("tr.total")).to_contain_text(vnd(total))
    shown_commission = digits(table.locator("tr.commission td").inner_text())
    assert shown_commission == commission
    assert digits(table.locator("tr.to-vendor td").inner_text()) == to_vendor_share - commission
    screenshot(admin, "admin-dispute-decision")
    submit(admin, ".allocation button[type=submit]")
    expect(admin.locator(".flash")).to_have_count(1)
    run_jobs()  # the worker moves the money

    # both parties see the outcome and where the money went
    for page in (requester, seller1):
        page.goto(deal_url)
        expect(page.locator(".deal-head")).to_contain_text("Đã giải quyết")
        decision = page.inner_text(".decision")
        assert "Chia" in decision and vnd(to_vendor_share) in decision and vnd(refund) in decision, decision
        money = page.locator("section.money")
        expect(money.locator("tr.money-refunded")).to_contain_text(vnd(refund))
        released = digits(money.locator("tr.money-released td").inner_text())
        assert released + digits(money.locator("tr.money-commission td").inner_text()) == to_vendor_share
        assert "Đã thực hiện quyết định tranh chấp" in page.inner_text(".timeline")
    final = api.get(f"/deals/{deal_id}", world.buyer)
    assert final["status"] == "resolved"
    assert sum(int(m["refunded"]) for m in final["milestones"]) == refund

    admin.goto("/admin/money")
    expect(admin.locator(".trial-balance tr[data-currency=VND]")).to_have_count(1)
    expect(admin.locator(".chart-box[data-currency=VND] svg.chart")).to_have_count(1)
    screenshot(admin, "admin-money")


# --- 3. the languages -----------------------------------------------------------------------------

#: the key pages of the buyer journey, with their English heading (``{rfq}``, ``{deal}``, ``{dispute}``: ids)
BUYER_PAGES = [
    ("search", "/buyer/search?q=vong+bi&quantity=500", "Catalog search"),
    ("builder", "/buyer/rfqs/new", "New RFQ"),
    ("rfq", "/buyer/rfqs/{rfq}", "RFQ #{rfq}"),
    ("compare", "/buyer/rfqs/{rfq}/compare", "Compare quotes"),
]
DEAL_PAGES = [("deal", "/deals/{deal}", "Deal #{deal}")]
ADMIN_PAGES = [
    ("dispute desk", "/admin/disputes", "Dispute desk"),
    ("dispute", "/admin/disputes/{dispute}", "Dispute #{dispute}"),
    ("money", "/admin/money", "Money"),
]


def _visit(page, lang: str, pages, ids: dict, found: dict) -> None:
    for name, path, heading in pages:
        response = page.goto(path.format(**ids))
        assert response.status == 200, (name, response.status)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        h1 = page.locator("h1").first.inner_text()
        if lang == "vi":
            problems = untranslated(page)
            if problems:
                found[name] = problems
        else:
            assert h1.startswith(heading.format(**ids)), (name, h1)
            assert untranslated(page), name  # the check is not vacuous: it does see English on the en page


def test_key_pages_in_vietnamese_and_english(new_page, api, db, world):
    buyer_who, (v1, v2) = world.buyer, world.vendors
    admin_secret = with_second_factor(db, world.admin.user_id)
    deadline = (datetime.now(HCM) + timedelta(days=5)).isoformat()
    rfq = api.post("/rfqs", buyer_who, {
        "title": "Vòng bi cho dây chuyền may", "description": "Giao tại kho Thủ Đức", "delivery_region": "VN-SG",
        "visibility": "invite_only", "quote_deadline": deadline,
        "lines": [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece"},
                  {"description": "Vòng bi 6206", "quantity": 500, "unit": "piece"}]}, expect=201)
    for v in (v1, v2):
        api.post(f"/rfqs/{rfq['id']}/matches", buyer_who, {"vendor_id": v.org_id}, expect=201)
    rfq = api.post(f"/rfqs/{rfq['id']}/publish", buyer_who)
    q1 = api.quote(v1, rfq)
    api.quote(v2, rfq, unit_price="18000", freight="0")
    ids = {"rfq": rfq["id"]}
    found: dict[str, list[str]] = {}

    # before the award: search, builder, RFQ page and the comparison, in vi then in en
    for lang in ("vi", "en"):
        buyer = person(new_page, buyer_who.email, lang)
        _visit(buyer, lang, BUYER_PAGES, ids, found)
        if lang == "en":
            buyer.goto(f"/buyer/rfqs/{rfq['id']}/compare")
            assert "Landed cost" in buyer.inner_text("table.side-by-side")

    # the deal, in dispute: the deal page, the dispute desk, the decision's allocation and the money
    deal = api.post(f"/rfqs/{rfq['id']}/award", buyer_who, {"quote_ids": [q1["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", buyer_who, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        ins = m["instructions"]
        api.post("/admin/bank-transfers", world.admin,
                 {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})
    api.post(f"/deals/{deal['id']}/shipments", v1, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer_who)
    dispute = api.post(f"/deals/{deal['id']}/disputes", buyer_who,
                       {"reason": "damaged", "description": "Một nửa số vòng bi bị móp."}, expect=201)
    api.post(f"/disputes/{dispute['id']}/messages", v1, {"body": "Chúng tôi đề nghị chia đôi."}, expect=201)
    ids.update(deal=deal["id"], dispute=dispute["id"])
    for lang in ("vi", "en"):
        buyer = person(new_page, buyer_who.email, lang)
        _visit(buyer, lang, DEAL_PAGES, ids, found)
        admin = person(new_page, world.admin.email, lang, totp_secret=admin_secret)
        _visit(admin, lang, ADMIN_PAGES, ids, found)
        # the decision form's confirmation page (the exact allocation), not confirmed
        admin.goto(f"/admin/disputes/{dispute['id']}")
        admin.check("input[name=outcome][value=split]")
        admin.fill("input[name=vendor_amount]", "9.000.000" if lang == "vi" else "9,000,000")
        admin.fill("textarea[name=note]", "Chia theo thiệt hại." if lang == "vi" else "Split by the damage.")
        submit(admin, ".decision-form button[type=submit]")
        expect(admin.locator(".allocation-table")).to_have_count(1)
        if lang == "vi":
            problems = untranslated(admin)
            if problems:
                found["decision"] = problems
        else:
            assert "Platform commission" in admin.inner_text(".allocation-table")
    assert not found, found
