"""A verified vendor that changes its legal name and payout account sees, on its onboarding page, what waits
for re-verification and that payouts are on hold, in Vietnamese."""

from __future__ import annotations

from tests.factories import PASSWORD

from .conftest import login, untranslated

ACCOUNT = {"method": "bank_transfer", "bank_name": "Techcombank", "account_number": "1903123456789",
           "account_holder": "Cong ty Moi"}


def test_the_vendor_sees_its_changes_awaiting_re_verification(new_page, api, world):
    vendor = world.vendors[0]
    before = api.get(f"/vendors/{vendor.org_id}", vendor)
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, expect=200,
             json={"legal_name": "Công ty Cơ khí Mới", "payout_account": ACCOUNT})

    page = new_page("vi")
    login(page, vendor.email, PASSWORD)
    page.goto("/vendor/")
    review = page.locator(".pending-review")
    assert "Thay đổi chờ xác minh lại" in review.inner_text()
    name = review.locator("tr[data-field=legal_name]")
    assert name.locator(".old").inner_text() == before["legal_name"]
    assert name.locator(".new").inner_text() == "Công ty Cơ khí Mới"
    assert "1903123456789" in review.locator("tr[data-field=payout_account] .new").inner_text()
    assert untranslated(page) == []
