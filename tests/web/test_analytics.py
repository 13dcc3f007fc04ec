"""The analytics pages in a real browser, over the hand-computed history of tests/analytics/history.py: the
buyer's page in Vietnamese (period form, figures in vi number format, SVG charts with a table under each,
the CSV download) and the vendor's page in English (sales, win rate, response time, scorecard over time)."""

from __future__ import annotations

from pathlib import Path

from tests.analytics.history import build_history
from tests.factories import PASSWORD

from .conftest import login, screenshot, untranslated


def _plain(value):
    """Text as read, with Babel's no-break spaces (``4.550.000\xa0₫``) as plain spaces."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.replace("\xa0", " ").replace("\u202f", " ")


def test_buyer_analytics_page_in_vietnamese(new_page, api, world, run_jobs):
    build_history(api, world, run_jobs)
    page = new_page("vi")
    login(page, world.buyer.email, PASSWORD)
    page.click("nav >> text=Phân tích")  # the menu item
    assert page.inner_text("h1") == "Phân tích"
    page.fill("input[name=from]", "2026-01-01")
    page.fill("input[name=to]", "2026-06-30")
    page.click("button.primary:has-text('Xem')")
    page.wait_for_load_state("networkidle")

    vnd = page.locator(".analytics-currency[data-currency=VND]")
    assert _plain(vnd.locator("[data-figure=spend]").inner_text()) == "4.550.000 ₫"
    assert _plain(vnd.locator("[data-figure=savings]").inner_text()) == "150.000 ₫"
    # a chart and a table of the same figures for each view: month, savings, vendor, category
    assert vnd.locator("svg.chart").count() == 4
    assert "Chi tiêu theo tháng (VND)" in vnd.locator("svg.chart").first.text_content()
    march = vnd.locator("table.spend-by-month tbody tr", has_text="03/2026")
    assert _plain(march.locator("td").all_inner_texts()) == ["03/2026", "1", "2.800.000 ₫", "0 ₫"]
    may_savings = _plain(vnd.locator("table.savings-by-month tbody tr", has_text="05/2026").locator("td").all_inner_texts())
    assert may_savings == ["05/2026", "1", "1.500.000 ₫", "1.550.000 ₫", "-50.000 ₫"]
    assert vnd.locator("table.spend-by-vendor tbody tr").count() == 2
    assert _plain(vnd.locator("table.spend-by-category tbody tr").first.locator("td").all_inner_texts()) == [
        "Vòng bi", "1", "1.800.000 ₫"]
    cycle = page.locator("table.cycle-by-month tfoot tr th").all_inner_texts()
    assert cycle == ["Tổng cộng", "3", "30,0", "46,0"]
    assert "Không có hợp đồng khung" in page.inner_text(".contract-utilisation")  # none ran in that period
    assert untranslated(page) == []
    screenshot(page, "analytics-buyer")

    with page.expect_download() as download:
        page.click("a.csv-download")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("section,currency,period,") and "total,VND,2026-01-01..2026-06-30" in text


def test_vendor_analytics_page_in_english(new_page, api, world, run_jobs):
    build_history(api, world, run_jobs)
    page = new_page("en")
    login(page, world.vendors[0].email, PASSWORD)
    page.click("button[name=lang][value=en]")  # the account says Vietnamese: switch to English
    page.wait_for_load_state("networkidle")
    page.goto("/analytics/?from=2026-01-01&to=2026-06-30")
    vnd = page.locator(".analytics-currency[data-currency=VND]")
    assert _plain(vnd.locator("[data-figure=sales]").inner_text()) == "₫2,800,000"
    assert _plain(vnd.locator("[data-figure=released]").inner_text()) == "₫2,800,000"
    march = _plain(vnd.locator("table.sales-by-month tbody tr", has_text="Mar 2026").locator("td").all_inner_texts())
    assert march == ["Mar 2026", "1", "₫2,800,000", "₫2,800,000", "₫140,000", "₫2,660,000"]
    assert page.locator("table.win-by-month tfoot tr th").all_inner_texts() == ["Total", "3", "2", "66.7%"]
    assert page.locator("table.response-by-month tfoot tr th").all_inner_texts() == ["Total", "3", "3", "6.0"]
    assert page.locator(".win-rate svg.chart").count() == 1 and page.locator(".response-time svg.chart").count() == 1
    card = _plain(page.locator("table.scorecard-by-month tbody tr", has_text="Mar 2026").locator("td").all_inner_texts())
    assert "100% (n=1)" in card and "6.0 (n=1)" in card
    screenshot(page, "analytics-vendor")

    page.fill("input[name=from]", "2026-07-01")  # after "to": the page says so and shows the last 12 months
    page.click("button.primary:has-text('Show')")
    assert "not valid" in page.inner_text(".errors")
