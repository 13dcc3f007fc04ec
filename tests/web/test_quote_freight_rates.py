"""Carrier rates in the browser: the vendor gets the carriers' prices on the quote form and picks one as its freight;
the buyer's comparison shows the freight an EXW quote leaves to the buyer, with an "estimate" badge."""

from __future__ import annotations

from .conftest import login, screenshot, untranslated

PASSWORD = "correct-horse-battery"
ONE_PARCEL_HN_SG = 48_000 + 4_800  # built-in card, north -> south, one parcel up to 1 kg, 10 % fuel
TWO_PALLETS_DN_SG = 2 * 2_500_000 + 500_000


def _warehouse(api, vendor, region: str) -> None:
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, expect=200,
             json={"addresses": [{"kind": "warehouse", "line1": "Kho số 2", "region": region}]})


def test_vendor_picks_a_carrier_price_as_the_freight_of_its_quote(page, api, world):
    vendor = world.vendors[0]
    _warehouse(api, vendor, "VN-HN")
    rfq = api.open_rfq(world.buyer, [vendor], quantity=100)  # delivered to VN-SG
    login(page, vendor.email, PASSWORD)
    page.goto(f"/vendor/rfqs/{rfq['id']}")
    page.fill("#lines-0-unit_price", "17.500")
    page.fill("#lead_time_days", "10")
    page.select_option("#incoterm", "DAP")
    page.fill("#parcel_count", "1")
    page.fill("#parcel_weight_grams", "800")
    page.fill("#parcel_length_cm", "20")
    page.fill("#parcel_width_cm", "15")
    page.fill("#parcel_height_cm", "10")
    page.click("input.get-rates")
    option = page.locator("label.rate-option:has(input[value^='manual|standard|'])")
    assert "52.800" in option.inner_text() and "4 ngày làm việc" in option.inner_text()
    assert "Hà Nội" in page.inner_text("p.lane")
    assert page.input_value("#lines-0-unit_price").replace(".", "") == "17500"  # what was typed is kept
    assert untranslated(page) == []
    screenshot(page, "vendor-quote-carrier-rates")
    option.locator("input").check()
    # under EXW the buyer books the carriage: a rate is refused on the form and nothing is sent
    page.select_option("#incoterm", "EXW")
    page.click("#quote-form button[type=submit]")
    assert "bên mua tự thuê vận chuyển chặng chính" in page.inner_text("section.freight-rates")
    assert api.get(f"/rfqs/{rfq['id']}/quotes", world.buyer)["items"] == []
    assert page.locator("label.rate-option input[value^='manual|standard|']").is_checked()  # the choice is kept
    page.select_option("#incoterm", "DAP")
    page.click("#quote-form button[type=submit]")
    assert page.url.rsplit("/", 2)[1] == "quotes"
    quote_id = int(page.url.rsplit("/", 1)[1])
    quote = api.get(f"/quotes/{quote_id}", world.buyer)
    assert quote["freight"] == str(ONE_PARCEL_HN_SG) and quote["freight_rate"]["carrier"] == "manual"

    # the revision form keeps the attached rate chosen; sending it again keeps the same freight
    page.goto(f"/vendor/quotes/{quote_id}/revise")
    assert page.locator("label.rate-option input[value^='manual|standard|']").is_checked()
    page.fill("#lines-0-unit_price", "17.000")
    page.click("#quote-form button[type=submit]")
    quote = api.get(f"/quotes/{quote_id}", world.buyer)
    assert (quote["revision"], quote["freight"]) == (2, str(ONE_PARCEL_HN_SG))


def test_comparison_shows_the_estimated_freight_of_an_exw_quote_with_a_badge(page, api, world):
    d_vendor, f_vendor = world.vendors
    _warehouse(api, f_vendor, "VN-DN")
    rfq = api.open_rfq(world.buyer, [d_vendor, f_vendor], quantity=100)
    body = lambda price, incoterm, **extra: {
        "lead_time_days": 10, "incoterm": incoterm, **extra,
        "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": 100} for line in rfq["lines"]]}
    dap = api.post(f"/rfqs/{rfq['id']}/quotes", d_vendor, body("17500", "DAP", freight="400000"), expect=201)
    exw = api.post(f"/rfqs/{rfq['id']}/quotes", f_vendor, body("1000", "EXW", shipment={"pallets": 2}), expect=201)

    login(page, world.buyer.email, PASSWORD)
    page.goto(f"/buyer/rfqs/{rfq['id']}/compare")
    estimated = page.locator(f"tr.estimated-freight td[data-quote='{exw['id']}']")
    assert "5.500.000" in estimated.inner_text()
    assert estimated.locator(".badge.estimate").inner_text() == "ước tính"
    assert "nhà cung cấp đã tính" in page.inner_text(f"tr.estimated-freight td[data-quote='{dap['id']}']")
    total = page.locator(f"tr.landed-total td[data-quote='{exw['id']}']")
    assert "1.100.000" not in total.inner_text() and "5.600.000" in total.inner_text()
    assert total.locator(".badge.estimate").count() == 1
    cheapest = page.locator(f"tr.landed-total td[data-quote='{dap['id']}']")
    assert "best" in cheapest.get_attribute("class")  # DAP is cheaper once the carriage is counted
    assert untranslated(page) == []
    screenshot(page, "buyer-compare-estimated-freight")
