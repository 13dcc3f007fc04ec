"""HS code suggestions on the vendor's pages (issue 14, part 2): offered on the product form while the vendor
types, used with one click, and accepted from the catalog list for listings saved without a code."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from marketplace.vendors.models import Product
from marketplace.vendors.services.hs_classifier import train
from tests.factories import PASSWORD
from tests.vendors.test_hs_classifier import CODED

from .conftest import login, screenshot, untranslated
from .test_contract_pages import in_english


def _learnt(api, db, world):
    """Coded listings of the second vendor, and a trained model (what the sweeper's job does)."""
    teacher = world.vendors[1]
    for code, names in CODED.items():
        for i, name in enumerate(names):
            api.product(teacher, f"T-{code}-{i}", name, "100000", hs_code=code)
    model = train()
    db.session.commit()
    db.session.remove()
    return model


def test_the_product_form_suggests_a_code_while_the_vendor_types_and_fills_it_in(new_page, api, db, world):
    _learnt(api, db, world)
    vendor = world.vendors[0]
    page = new_page("vi")
    login(page, vendor.email, PASSWORD)
    page.goto("/vendor/products/new")
    page.fill("#sku", "VB-6310")
    page.fill("#name", "Vòng bi cầu 6310 ZZ")
    page.fill("#unit", "cái")
    page.locator("#name").blur()  # the name's change asks for suggestions
    first = page.locator("#hs-suggestions li").first
    first.wait_for()
    assert first.get_attribute("data-hs") == "848210"
    assert "Mã HS gợi ý" in page.inner_text("#hs-suggestions")
    assert "%" in first.locator(".confidence").inner_text()
    assert untranslated(page) == []
    screenshot(page, "vendor-hs-suggestion")

    first.locator("button.use-hs").click()
    expect(page.locator("#hs_code")).to_have_value("848210")
    page.fill("#price_tiers-0-min_qty", "1")
    page.fill("#price_tiers-0-unit_price", "45.000")
    page.click("#product-form button[type=submit]")
    assert "Đã lưu sản phẩm" in page.inner_text(".flash") or page.url.endswith("saved=1")
    saved = db.session.query(Product).filter_by(sku="VB-6310").one()
    assert saved.hs_code == "848210"


def test_a_listing_saved_without_a_code_is_offered_one_in_the_catalog_and_accepted(new_page, api, db, world):
    _learnt(api, db, world)
    vendor = world.vendors[0]
    listed = api.product(vendor, "XM-50", "Xi măng PCB40 bao 50kg", "90000")
    page = new_page("en")
    login(page, vendor.email, PASSWORD)
    in_english(page)
    page.goto("/vendor/products?hs=missing")
    row = page.locator("tr[data-sku='XM-50']")
    assert re.search(r"suggested 252329 · \d+%", row.locator("td.hs").inner_text())
    assert page.locator("tr[data-sku]").count() == page.locator("tr[data-sku] td.hs .suggested").count() + \
        page.locator("tr[data-sku] td.hs:text-is('—')").count()
    screenshot(page, "vendor-hs-missing")
    row.locator("button.accept-hs").click()
    assert "HS code 252329 saved for Xi măng PCB40 bao 50kg." in page.inner_text("body")
    db.session.remove()
    assert db.session.get(Product, listed["id"]).hs_code == "252329"
    page.goto("/vendor/products?hs=missing")
    assert page.locator("tr[data-sku='XM-50']").count() == 0
