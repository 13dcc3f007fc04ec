"""The admins' shipments page in a real browser, in Vietnamese and English: shipments in trouble with their carrier,
the carrier's raw code (unknown codes flagged), the last event and a link to the deal; filtered by status; reached
from the admin menu and from the alert of an unknown code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.database import utcnow
from marketplace.jobs import OutboxCommand, sweep
from marketplace.web.views import admin_shipments  # noqa: F401 (its routes join the admin blueprint)
from tests.factories import PASSWORD
from tests.shipping.test_polling import _polled_ghn_peer, book_ghn, polled_ghn, row  # noqa: F401 (fixtures)

from .conftest import login, screenshot
from .helpers import with_second_factor


@pytest.fixture
def admin(api, db):
    who = api.platform_admin()
    return who, with_second_factor(db, who.user_id)


def troubled_world(api, world, db, run_jobs, ghn) -> dict:
    """A GHN shipment whose carrier sent an unknown code, a manual one whose delivery failed, one in transit."""
    _deal, ghn_shipment = book_ghn(api, world)
    ghn.advance(ghn_shipment["tracking_number"], "teleported", utcnow() - timedelta(minutes=5))
    sweep(row(db, ghn_shipment["id"]).next_poll_at)
    run_jobs()
    _deal, failed = api.shipped_deal(world)
    for status in ("out_for_delivery", "delivery_failed"):
        api.post(f"/shipments/{failed['id']}/events", world.vendors[0],
                 {"status": status, "description": "Người nhận vắng nhà"}, expect=201)
    _deal, moving = api.shipped_deal(world)
    api.post(f"/shipments/{moving['id']}/events", world.vendors[0], {"status": "in_transit"}, expect=201)
    return {"unknown": ghn_shipment, "failed": failed, "moving": moving}


def test_the_admin_sees_shipments_in_trouble_in_both_languages(page, api, world, db, run_jobs, admin,
                                                               polled_ghn):  # noqa: F811
    shipments = troubled_world(api, world, db, run_jobs, polled_ghn)
    unknown, failed = shipments["unknown"], shipments["failed"]
    who, secret = admin
    login(page, who.email, PASSWORD, totp_secret=secret)
    page.click("button[name=lang][value=vi]")
    page.wait_for_load_state("networkidle")

    page.click(".menu a[href='/admin/shipments']")
    page.wait_for_url("**/admin/shipments")
    assert page.locator("h1").inner_text() == "Vận chuyển"
    assert page.locator(".menu a[aria-current=page]").inner_text() == "Vận chuyển"
    rows = page.locator("table.shipments tbody tr")
    assert rows.count() == 2  # the shipment in transit is not in trouble
    flagged = page.locator(f"tr[data-shipment='{unknown['id']}']")
    assert flagged.get_attribute("class") == "unknown-code"
    assert "teleported" in flagged.locator(".raw-code").inner_text()
    assert "Mã không xác định" in flagged.inner_text() and "GHN (Giao Hàng Nhanh)" in flagged.inner_text()
    assert "Bị tạm giữ" in flagged.inner_text()
    assert flagged.locator("a").get_attribute("href") == f"/deals/{unknown['deal_id']}"
    other = page.locator(f"tr[data-shipment='{failed['id']}']")
    assert "Giao không thành công" in other.inner_text() and "Người nhận vắng nhà" in other.inner_text()
    assert other.locator(".unknown-code, .badge.warning").count() == 0
    screenshot(page, "admin-shipments")

    # the filter: only the unknown carrier codes
    page.select_option("select[name=status]", "unknown_code")
    page.click(".shipment-filters button[type=submit]")
    page.wait_for_url("**/admin/shipments?status=unknown_code")
    assert [r.get_attribute("data-shipment") for r in page.locator("table.shipments tbody tr").all()] == [
        str(unknown["id"])]
    page.select_option("select[name=status]", "delivery_failed")
    page.click(".shipment-filters button[type=submit]")
    assert [r.get_attribute("data-shipment") for r in page.locator("table.shipments tbody tr").all()] == [
        str(failed["id"])]
    page.select_option("select[name=status]", "lost")
    page.click(".shipment-filters button[type=submit]")
    assert "Không có lô hàng nào cần xử lý." in page.inner_text("main")

    # in English
    page.goto("/admin/shipments")
    page.click("button[name=lang][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Shipments"
    flagged = page.locator(f"tr[data-shipment='{unknown['id']}']")
    assert "Unknown code" in flagged.inner_text() and "Held up" in flagged.inner_text()
    assert "Delivery failed" in page.locator(f"tr[data-shipment='{failed['id']}']").inner_text()
    assert "Carrier's code" in page.locator("table.shipments thead").inner_text()


def test_the_alert_of_an_unknown_code_links_to_the_page_that_only_the_platform_opens(api, world, db, run_jobs,
                                                                                    new_page, polled_ghn):  # noqa: F811
    shipments = troubled_world(api, world, db, run_jobs, polled_ghn)
    db.session.expire_all()
    alert = next(c.payload for c in db.session.execute(select(OutboxCommand).where(
        OutboxCommand.kind == "email.send")).scalars()
        if c.payload["to"] == world.admin.email and "teleported" in c.payload["subject"])
    assert "/admin/shipments" in alert["body"]
    assert shipments["unknown"]["tracking_number"] in alert["body"]
    buyer = new_page("vi")
    login(buyer, world.buyer.email, PASSWORD)
    response = buyer.goto("/admin/shipments")
    assert response.status == 403
    assert buyer.locator(".menu a[href='/admin/shipments']").count() == 0
