"""Notification settings in a real browser, in Vietnamese: a member turns the e-mails of a topic off, sees the
choice saved, and reads which e-mails cannot be turned off; the feed keeps everything."""

from __future__ import annotations

from ..factories import PASSWORD
from .conftest import login, screenshot, untranslated


def test_a_member_turns_off_deal_emails_and_sees_it_saved(page, api, world):
    finance = world.buyer_members["finance"]
    login(page, finance.email, PASSWORD)
    page.goto("/account/notifications")
    page.click("a[href$='/account/notifications/settings']")
    assert page.locator("h1").inner_text() == "Cài đặt thông báo"
    assert untranslated(page) == []
    deals = page.locator("fieldset[data-topic=deals]")
    assert "Giao dịch và tiền" in deals.inner_text()
    # what asks for an action is always e-mailed, and the page says so
    assert "Luôn được gửi qua e-mail" in deals.inner_text()
    assert "một giao dịch đang chờ thanh toán" in deals.inner_text()
    assert page.is_checked("input[name=deals]") and page.is_checked("input[name=rfqs]")

    page.uncheck("input[name=deals]")
    page.click("form.notification-settings button[type=submit]")
    assert "Đã lưu cài đặt thông báo" in page.inner_text(".flash")
    assert not page.is_checked("input[name=deals]") and page.is_checked("input[name=rfqs]")
    screenshot(page, "account-notification-settings")
    page.reload()
    assert not page.is_checked("input[name=deals]")
    prefs = api.get("/account/notification-preferences", finance)
    assert prefs["email"] == {"deals": False, "rfqs": True, "disputes": True, "account": True}

    page.check("input[name=deals]")
    page.click("form.notification-settings button[type=submit]")
    assert page.is_checked("input[name=deals]")
    assert api.get("/account/notification-preferences", finance)["email"]["deals"] is True
