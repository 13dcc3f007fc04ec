"""Framework contracts in a real browser: the buyer proposes a contract on its page (Vietnamese), the vendor signs
it (English), the buyer calls goods off and sees the utilisation change, a call-off beyond the maximum value is
refused with what is left (in both languages), the deal says it is a call-off; an amendment shows what it changes
and applies once accepted; an RFQ awarded as a contract leads to the contract."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import login, screenshot, untranslated
from .helpers import accept_dialogs, submit, with_second_factor

PASSWORD = "correct-horse-battery"


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def in_english(page) -> None:
    """Switch the logged-in page to English (the accounts' own language is Vietnamese)."""
    submit(page, "button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"


def test_propose_sign_call_off_and_refusal_beyond_the_maximum(new_page, api, world):
    buyer, vendor = world.buyer, world.vendors[0]
    page = accept_dialogs(new_page("vi"))
    login(page, buyer.email, PASSWORD)

    # the buyer proposes a contract from the menu, items written in (Vietnamese numbers)
    page.click("nav.menu a[href='/contracts']")
    assert "Hợp đồng" in page.inner_text("h1")
    submit(page, "a.propose-contract")
    page.select_option("#counterparty", str(vendor.org_id))
    page.fill("#title", "Vòng bi 2027")
    page.fill("#ends_on", _day(180))
    page.fill("#max_value", "10.000.000")
    page.fill("#committed_value", "8.000.000")
    for i, (what, price, qty) in enumerate([("Vòng bi 6205-2RS", "17.500", "400"), ("Gối đỡ UCP205", "90.000", "50")]):
        page.fill(f"#items-{i}-description", what)
        page.fill(f"#items-{i}-unit", "piece")
        page.fill(f"#items-{i}-unit_price", price)
        page.fill(f"#items-{i}-committed_qty", qty)
    assert not untranslated(page), untranslated(page)
    submit(page, "button.propose")
    cid = api.get("/contracts", buyer)["items"][0]["id"]
    assert page.url.endswith(f"/contracts/{cid}")
    assert "Chờ ký" in page.inner_text("h1")
    assert "Đã ký" in page.inner_text(".buyer-signature") and "Chưa ký" in page.inner_text(".vendor-signature")
    assert page.locator("button.sign").count() == 0  # the buyer's owner signed when proposing
    assert not untranslated(page), untranslated(page)

    # the vendor signs it, in English
    seller = accept_dialogs(new_page("en"))
    login(seller, vendor.email, PASSWORD)
    in_english(seller)
    seller.goto("/contracts")
    assert seller.locator(f"tr[data-contract='{cid}']").count() == 1
    seller.click(f"tr[data-contract='{cid}'] a")
    assert "Not signed yet" in seller.inner_text(".vendor-signature")
    screenshot(seller, "contract-to-sign")
    submit(seller, "button.sign")
    assert "Active" in seller.inner_text("h1")
    assert api.get(f"/contracts/{cid}", buyer)["status"] == "active"
    assert seller.locator("form.call-off-form").count() == 0  # only the buyer calls off

    # the buyer calls off 200 bearings: the price that applies, then the deal; utilisation moves
    page.reload()
    assert page.inner_text(".ordered-value").startswith("0")
    row = page.locator(".call-off-lines tr[data-item='1']")
    row.locator("input[name$='-quantity']").fill("200")
    submit(page, "button.preview-call-off")
    assert "3.500.000" in page.inner_text(".call-off-total")
    assert "6.500.000" in page.inner_text(".call-off-preview .value-left")
    submit(page, "button.place-call-off")
    assert "Đã đặt lệnh gọi hàng" in page.inner_text(".flash")
    assert "3.500.000" in page.inner_text(".ordered-value")
    assert "6.500.000" in page.inner_text(".remaining-value")
    assert "200 cái" in page.inner_text(".usage-items tr[data-item='1'] .ordered-qty")
    assert page.locator(".call-off-list tr[data-call-off]").count() == 1
    assert not untranslated(page), untranslated(page)
    screenshot(page, "contract-page")

    # beyond the maximum: 100 housings (9.000.000 ₫) with 6.500.000 ₫ left is refused, nothing created
    page.locator(".call-off-lines tr[data-item='2'] input[name$='-quantity']").fill("100")
    submit(page, "button.place-call-off")
    errors = page.inner_text(".call-off .errors")
    assert "vượt" in errors and "6.500.000" in errors and "9.000.000" in errors, errors
    assert page.locator(".call-off-list tr[data-call-off]").count() == 1
    assert api.get(f"/contracts/{cid}", buyer)["utilisation"]["call_offs"] == 1
    assert not untranslated(page), untranslated(page)
    screenshot(page, "contract-call-off-refused")

    # the same refusal in English, for a requester of the buyer
    requester = accept_dialogs(new_page("en"))
    login(requester, world.buyer_members["requester"].email, PASSWORD)
    in_english(requester)
    requester.goto(f"/contracts/{cid}")
    requester.locator(".call-off-lines tr[data-item='2'] input[name$='-quantity']").fill("100")
    submit(requester, "button.place-call-off")
    errors = requester.inner_text(".call-off .errors")
    assert "exceed the contract's maximum value" in errors and "6,500,000" in errors, errors

    # the deal says what it is, and leads back to the contract
    deal_id = api.get(f"/contracts/{cid}/call-offs", buyer)["items"][0]["deal_id"]
    page.goto(f"/deals/{deal_id}")
    link = page.locator(".contract-link a")
    assert f"#{cid}" in link.inner_text()
    submit(page, ".contract-link a")
    assert page.url.endswith(f"/contracts/{cid}")

    page.goto("/contracts")
    assert "Đang hiệu lực" in page.inner_text(f"tr[data-contract='{cid}']")
    assert page.locator(f"tr[data-contract='{cid}'] svg.usage-bar").count() == 1
    assert not untranslated(page), untranslated(page)
    screenshot(page, "contracts-list")


def test_an_amendment_shows_its_changes_and_applies_once_accepted(new_page, api, world):
    buyer, vendor = world.buyer, world.vendors[0]
    contract = api.post("/contracts", buyer, {
        "vendor_id": vendor.org_id, "title": "Bulông 2027", "ends_on": _day(90), "max_value": "50000000",
        "items": [{"description": "Bulông M10", "unit": "piece", "unit_price": "3000", "committed_qty": 5000,
                   "tiers": [{"min_qty": 1000, "unit_price": "2800"}]}]}, expect=201)
    cid = contract["id"]
    api.post(f"/contracts/{cid}/versions/1/sign", vendor)

    # the vendor proposes a lower price and a later end date (English)
    seller = accept_dialogs(new_page("en"))
    login(seller, vendor.email, PASSWORD)
    in_english(seller)
    seller.goto(f"/contracts/{cid}")
    submit(seller, "a.amend")
    seller.fill("#summary", "Price down to 2,900 from next month")
    seller.fill("#items-0-unit_price", "2,900")
    seller.fill("#ends_on", _day(120))
    submit(seller, "button.propose-amendment")
    assert "Amendment (version 2)" in seller.inner_text(".signatures h2")

    # the buyer reads what changes (Vietnamese) and accepts it; the new price is in force
    page = accept_dialogs(new_page("vi"))
    login(page, buyer.email, PASSWORD)
    page.goto(f"/contracts/{cid}")
    price = page.locator(".item-changes tr[data-item='1'] .price")
    assert "3.000" in price.locator("del").inner_text() and "2.900" in price.locator("ins").inner_text()
    assert page.locator("table.changes tr.changed").count() == 1  # the end date
    # the volume price stays: 1 000 bolts cost 2 800 each
    # typed, the call-off is priced live (htmx), the volume price marked
    page.locator(".call-off-lines tr[data-item='1'] input[name$='-quantity']").type("1000")
    page.locator(".call-off-total").wait_for()
    assert "2.800.000" in page.inner_text(".call-off-total")
    assert page.locator(".call-off-priced .tag").count() == 1
    assert not untranslated(page), untranslated(page)
    screenshot(page, "contract-amendment")
    submit(page, "button.sign")
    assert api.get(f"/contracts/{cid}", buyer)["current_version"] == 2
    assert "2.900" in page.inner_text(".contract-items tr[data-item='1'] .unit-price")
    assert page.locator(".signatures").count() == 0

    # a bad renewal date is refused beside the field, nothing created
    page.fill("form.renew input[name=ends_on]", _day(-5))
    submit(page, "button.renew")
    assert page.locator("form.renew .error").count() + page.locator("form.renew .errors").count() >= 1
    assert len(api.get("/contracts", buyer)["items"]) == 1
    # termination with a reason
    page.fill("form.terminate input[name=reason]", "Ngừng dây chuyền")
    submit(page, "button.terminate")
    assert api.get(f"/contracts/{cid}", buyer)["status"] == "terminated"
    assert not untranslated(page), untranslated(page)


def test_an_rfq_awarded_as_a_contract_leads_to_the_contract(new_page, api, world):
    buyer, vendor = world.buyer, world.vendors[0]
    rfq = api.open_rfq(buyer, [vendor])
    quote = api.quote(vendor, rfq)
    page = accept_dialogs(new_page("vi"))
    login(page, buyer.email, PASSWORD)
    page.goto(f"/buyer/rfqs/{rfq['id']}/compare")
    submit(page, f"button.award-whole[value='{quote['id']}']")
    assert page.locator("form.award-contract-form").count() == 1
    screenshot(page, "contract-award")
    submit(page, "button.award-as-contract")  # no end date: refused beside the field
    assert page.locator("form.award-contract-form .error").count() == 1
    page.fill("form.award-contract-form input[name=ends_on]", _day(365))
    submit(page, "button.award-as-contract")
    contract = api.get("/contracts", buyer)["items"][0]
    assert page.url.endswith(f"/contracts/{contract['id']}")
    assert (contract["source"], contract["rfq_id"], contract["status"]) == ("award", rfq["id"], "proposed")
    assert api.get("/deals", buyer)["items"] == []
    assert not untranslated(page), untranslated(page)


def test_a_vendor_proposes_a_contract_from_a_price_list_and_an_admin_reads_it(new_page, api, world, db):
    buyer, vendor = world.buyer, world.vendors[1]
    product = api.product(vendor, "PIPE-21", "Ống thép mạ kẽm phi 21", "50000", moq=10)
    api.post("/price-lists", vendor, {
        "buyer_org_id": buyer.org_id, "name": "Giá 2027", "valid_from": f"{_day(-1)}T00:00:00+00:00",
        "items": [{"product_id": product["id"], "min_qty": 10, "unit_price": "45000"},
                  {"product_id": product["id"], "min_qty": 500, "unit_price": "42000"}]}, expect=201)
    seller = accept_dialogs(new_page("en"))
    login(seller, vendor.email, PASSWORD)
    in_english(seller)
    seller.goto("/contracts/new")
    # nothing filled in: the form comes back with the messages beside the fields, nothing created
    submit(seller, "button.propose")
    assert seller.locator(".field.invalid").count() >= 3
    screenshot(seller, "contract-new")
    assert api.get("/contracts", vendor)["items"] == []
    # from the price list: the buyer is the list's, its products and volume prices become the items
    seller.select_option("#price_list_id", label="Giá 2027 · Nhà máy May Việt Tiến · VND")
    seller.fill("#title", "Ống thép 2027")
    seller.fill("#ends_on", _day(200))
    seller.fill("#max_value", "90,000,000")
    submit(seller, "button.propose")
    contract = api.get("/contracts", vendor)["items"][0]
    assert (contract["buyer_id"], contract["source"]) == (buyer.org_id, "price_list")
    assert "45,000" in seller.inner_text(".contract-items tr[data-item='1'] .unit-price")
    assert "from 500 pieces" in seller.inner_text(".contract-items tr[data-item='1']")

    # a platform admin sees it in the list with both parties, and its page
    secret = with_second_factor(db, world.admin.user_id)
    admin = accept_dialogs(new_page("en"))
    login(admin, world.admin.email, PASSWORD, secret)
    admin.goto("/contracts")
    row = admin.inner_text(f"tr[data-contract='{contract['id']}']")
    assert "Nhà máy May Việt Tiến" in row and "Thép Hà Nội" in row
    admin.click(f"tr[data-contract='{contract['id']}'] a")
    assert "Waiting for both signatures" in admin.inner_text(".signatures h2")
    assert admin.locator("button.sign").count() == 0

    # the buyer declines it: a reason is needed, then the vendor reads it
    page = accept_dialogs(new_page("vi"))
    login(page, buyer.email, PASSWORD)
    page.goto(f"/contracts/{contract['id']}")
    submit(page, "button.decline")
    assert page.locator("form.decline .error").count() == 1
    assert api.get(f"/contracts/{contract['id']}", buyer)["status"] == "proposed"
    page.fill("form.decline input[name=reason]", "Giá ống thép cao hơn thị trường")
    submit(page, "button.decline")
    assert "Bị từ chối" in page.inner_text("h1")
    assert not untranslated(page), untranslated(page)
    seller.goto(f"/contracts/{contract['id']}")
    assert "Giá ống thép cao hơn thị trường" in seller.inner_text(".contract-head .reason")
