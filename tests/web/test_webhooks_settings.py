"""Webhook settings in a real browser: add an endpoint (the secret shown once), send a test event that a real
receiver verifies, read the delivery log, replay, rotate the secret, disable and delete; in both languages."""

from __future__ import annotations

import re

from ..factories import PASSWORD
from ..webhooks.conftest import _receiver_server, receiver, webhook_settings  # noqa: F401 - fixtures
from .conftest import login, screenshot, untranslated


def _accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_an_owner_manages_a_webhook_endpoint_and_its_deliveries(page, api, db, run_jobs, receiver):  # noqa: F811
    receiver.fail_first = 0
    owner = api.register("vendor", "Công ty Cơ khí Tân Bình")
    login(page, owner.email, PASSWORD)
    _accept_dialogs(page)

    page.goto("/account/webhooks/")
    assert page.locator("h1").inner_text() == "Webhook"
    assert untranslated(page) == []
    page.fill("input[name=url]", receiver.endpoint("/erp"))
    page.fill("input[name=description]", "Hệ thống ERP kho Tân Bình")
    page.check("input[name=event_types][value=rfq_invitation]")
    page.check("input[name=event_types][value=deal_funded]")
    page.click("#add button[type=submit].primary")
    secret = page.locator("code.secret").inner_text().strip()
    assert secret.startswith("whsec_")
    assert untranslated(page) == []
    screenshot(page, "webhooks-secret")
    receiver.secrets["/erp"] = [secret]

    page.click("a.button")
    page.wait_for_url(re.compile(r"/account/webhooks/\d+$"))
    assert page.is_checked("input[name=event_types][value=deal_funded]")
    assert not page.is_checked("input[name=event_types][value=deal_awarded]")
    assert "whsec_" not in page.inner_text("body")  # shown once only
    page.click("button:has-text('Gửi sự kiện thử')")
    page.wait_for_load_state("networkidle")
    run_jobs()
    page.reload()
    row = page.locator("table.deliveries tbody tr").first
    assert row.get_attribute("data-status") == "succeeded"
    (got,) = receiver.accepted("/erp")
    assert got.event["type"] == "ping" and got.verified_with == [secret]
    row.locator("summary").click()
    assert "HTTP 200" in row.inner_text()
    assert untranslated(page) == []
    screenshot(page, "webhooks-endpoint")

    row.locator("button:has-text('Gửi lại')").click()
    page.wait_for_load_state("networkidle")
    run_jobs()
    page.reload()
    assert page.locator("table.deliveries tbody tr").count() == 2
    event_id = got.headers["Marketplace-Event-Id"]
    assert [d.headers["Marketplace-Event-Id"] for d in receiver.accepted("/erp")] == [event_id, event_id]

    page.click("button:has-text('Đổi khóa bí mật')")
    rotated = page.locator("code.secret").inner_text().strip()
    assert rotated.startswith("whsec_") and rotated != secret
    page.click("a.button")
    page.wait_for_url(re.compile(r"/account/webhooks/\d+$"))

    page.uncheck("input[name=enabled]")
    page.click("#edit button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "Đã tắt" in page.inner_text("dl.facts")

    page.goto("/account/webhooks/")
    assert "Hệ thống ERP kho Tân Bình" in page.inner_text("table.webhooks")
    assert untranslated(page) == []
    screenshot(page, "webhooks-list")
    page.click("table.webhooks a")
    page.click("button:has-text('Xóa endpoint')")
    page.wait_for_url(re.compile(r"/account/webhooks/$"))
    assert page.locator("table.webhooks").count() == 0


def test_bad_input_is_shown_on_the_form_in_english(new_page, api, receiver, webhook_settings):  # noqa: F811
    webhook_settings["WEBHOOK_ALLOW_HTTP"] = False
    owner = api.register("buyer")
    page = new_page("en")
    login(page, owner.email, PASSWORD)
    page.goto("/account/webhooks/")
    page.click("button[name=lang][value=en]")  # the user's own language is Vietnamese
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Webhooks"
    assert "Invited to quote on an RFQ" in page.inner_text("fieldset.event-types")
    page.fill("input[name=url]", receiver.endpoint("/plain-http"))
    page.check("input[name=all_events]")
    page.click("#add button[type=submit].primary")
    assert "The URL must start with https://." in page.inner_text("#add form")
    page.fill("input[name=url]", "https://erp.example.vn/hooks")
    page.uncheck("input[name=all_events]")
    page.click("#add button[type=submit].primary")
    assert "Choose at least one event type." in page.inner_text("#add form")


def test_members_who_do_not_manage_the_organisation_cannot_open_webhooks(new_page, api):
    owner = api.register("buyer")
    finance = api.add_member(owner, "finance")
    page = new_page("en")
    login(page, finance.email, PASSWORD)
    response = page.goto("/account/webhooks/")
    assert response.status == 403
