"""Analytics over HTTP from a history built explicitly (tests/analytics/history.py): two vendors, deals in March and May 2026 (one
released, one funded, one never paid), RFQ lines with and without target prices and categories. Every
figure below is computed by hand from that history."""

from __future__ import annotations

import csv
import io

import pytest

from .history import PERIOD, build_history


@pytest.fixture
def history(api, world, run_jobs) -> dict:
    return build_history(api, world, run_jobs)


def _month(report_rows: list[dict], month: str) -> dict:
    return next(r for r in report_rows if r["month"] == month)


def test_buyer_figures_match_the_history(api, world, history):
    report = api.get(f"/analytics/buyer?{PERIOD}", world.buyer)
    assert report["from"] == "2026-01-01" and report["to"] == "2026-06-30"
    assert report["months"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    [vnd] = report["currencies"]
    assert vnd["currency"] == "VND"
    # deal 1: 100 x 18 000 + 10 x 50 000 + 500 000 freight; deal 2: 50 x 31 000 + 200 000 freight
    assert _month(vnd["by_month"], "2026-03") | {} == {
        "month": "2026-03", "currency": "VND", "deals": 1, "spend": "2800000", "refunded": "0",
        "lines_with_target": 1, "target_value": "2000000", "awarded_value": "1800000", "savings": "200000"}
    may = _month(vnd["by_month"], "2026-05")
    assert (may["deals"], may["spend"]) == (1, "1750000")  # deal 3 was never paid: no spend
    assert (may["target_value"], may["awarded_value"], may["savings"]) == ("1500000", "1550000", "-50000")
    assert _month(vnd["by_month"], "2026-04")["spend"] == "0"
    assert vnd["totals"] | {} == {"currency": "VND", "deals": 2, "spend": "4550000", "refunded": "0",
                                  "lines_with_target": 2, "target_value": "3500000", "awarded_value": "3350000",
                                  "savings": "150000"}
    v1, v2 = world.vendors
    assert [(r["vendor_id"], r["deals"], r["spend"]) for r in vnd["by_vendor"]] == [
        (v1.org_id, 1, "2800000"), (v2.org_id, 1, "1750000")]
    assert [(r["category_id"], r["category_name"], r["goods"]) for r in vnd["by_category"]] == [
        (history["bearings"], "Bearings", "1800000"), (history["steel"], "Steel", "1550000"), (None, None, "500000")]
    # publication -> first award: March 30 h; May 50 h and 4 h
    cycle = report["cycle_time"]
    assert _month(cycle["by_month"], "2026-03") == {"month": "2026-03", "rfqs": 1, "median_hours": 30.0,
                                                   "p90_hours": 30.0}
    assert _month(cycle["by_month"], "2026-05") == {"month": "2026-05", "rfqs": 2, "median_hours": 27.0,
                                                   "p90_hours": 45.4}
    assert cycle["totals"] == {"rfqs": 3, "median_hours": 30.0, "p90_hours": 46.0}
    assert report["contract_utilisation"] == {"available": True, "contracts": []}  # no contract in this history


def test_vendor_figures_match_the_history(api, world, history):
    v1, v2 = world.vendors
    report = api.get(f"/analytics/vendor?{PERIOD}", v1)
    [vnd] = report["currencies"]
    march = _month(vnd["by_month"], "2026-03")
    # released gross 2 800 000, 5 % commission 140 000
    assert march | {} == {"month": "2026-03", "currency": "VND", "deals": 1, "sales": "2800000",
                          "released": "2800000", "commission": "140000", "net_released": "2660000"}
    assert _month(vnd["by_month"], "2026-05")["sales"] == "0"  # its May award was never paid
    win = report["win_rate"]
    assert _month(win["by_month"], "2026-03") == {"month": "2026-03", "quoted": 1, "awarded": 1, "win_rate": 1.0}
    assert _month(win["by_month"], "2026-05") == {"month": "2026-05", "quoted": 2, "awarded": 1, "win_rate": 0.5}
    assert win["totals"] == {"quoted": 3, "awarded": 2, "win_rate": 0.6667}
    resp = report["response_time"]
    assert _month(resp["by_month"], "2026-03") == {"month": "2026-03", "invited": 1, "responded": 1,
                                                  "response_rate": 1.0, "median_hours": 6.0}
    assert _month(resp["by_month"], "2026-05")["median_hours"] == 5.5  # 10 h and 1 h
    assert resp["totals"] == {"invited": 3, "responded": 3, "response_rate": 1.0, "median_hours": 6.0}
    card = report["scorecard"]  # the rfq scorecard's own figures, month by month over the same months
    assert card["available"] is True and [r["month"] for r in card["by_month"]] == report["months"]
    march_card = _month(card["by_month"], "2026-03")
    assert march_card["win_rate"] == {"value": 1.0, "count": 1}
    assert march_card["median_response_hours"] == {"value": 6.0, "count": 1}
    assert _month(card["by_month"], "2026-04")["win_rate"] == {"value": None, "count": 0}

    other = api.get(f"/analytics/vendor?{PERIOD}", v2)
    [vnd2] = other["currencies"]
    assert vnd2["totals"]["sales"] == "1750000" and vnd2["totals"]["released"] == "0"
    assert other["win_rate"]["totals"] == {"quoted": 1, "awarded": 1, "win_rate": 1.0}
    assert other["response_time"]["totals"]["median_hours"] == 2.0


def test_reports_are_scoped_and_filtered(api, world, history):
    assert api.get(f"/analytics/buyer?{PERIOD}", world.other_buyer)["currencies"] == []
    assert api.get(f"/analytics/buyer?{PERIOD}&currency=USD", world.buyer)["currencies"] == []
    march_only = api.get("/analytics/buyer?from=2026-03-01&to=2026-03-31", world.buyer)
    assert march_only["months"] == ["2026-03"] and march_only["currencies"][0]["totals"]["spend"] == "2800000"
    api.get("/analytics/buyer?from=2026-05-01&to=2026-03-01", world.buyer, expect=422)
    api.get("/analytics/buyer?from=1990-01-01&to=2026-03-01", world.buyer, expect=422)
    api.get("/analytics/vendor?to=0001-01-01", world.vendors[0], expect=422)  # no default "from" before year 1
    api.get("/analytics/buyer?from=2020-01-01&to=2026-03-01", world.buyer, expect=422)  # over 60 months
    api.get("/analytics/vendor", world.buyer, expect=403)
    api.get("/analytics/buyer", world.vendors[0], expect=403)
    assert len(api.get("/analytics/buyer", world.buyer)["months"]) == 12  # default: the last 12 months


def _csv(api, path, who) -> list[dict]:
    resp = api.call("GET", path, who, expect=200)
    assert resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_buyer_csv_has_its_columns_and_totals(api, world, history):
    rows = _csv(api, f"/analytics/buyer.csv?{PERIOD}", world.buyer)
    assert list(rows[0]) == ["section", "currency", "period", "id", "name", "deals", "spend", "refunded",
                             "target_value", "awarded_value", "savings", "rfqs", "median_cycle_hours",
                             "p90_cycle_hours", "committed_value", "max_value"]
    months = [r for r in rows if r["section"] == "month"]
    assert len(months) == 6 and sum(int(r["spend"]) for r in months) == 4550000
    [total] = [r for r in rows if r["section"] == "total"]
    assert (total["period"], total["spend"], total["savings"]) == ("2026-01-01..2026-06-30", "4550000", "150000")
    assert [r["savings"] for r in months if r["period"] == "2026-05"] == ["-50000"]  # a number, not escaped
    assert sorted(int(r["spend"]) for r in rows if r["section"] == "vendor") == [1750000, 2800000]
    assert sum(int(r["spend"]) for r in rows if r["section"] == "category") == 4550000 - 700000  # goods only
    [cycle] = [r for r in rows if r["section"] == "cycle_time_total"]
    assert (cycle["rfqs"], cycle["median_cycle_hours"], cycle["p90_cycle_hours"]) == ("3", "30.0", "46.0")


def test_vendor_csv_has_its_columns_and_totals(api, world, history):
    rows = _csv(api, f"/analytics/vendor.csv?{PERIOD}", world.vendors[0])
    assert list(rows[0]) == ["section", "currency", "period", "deals", "sales", "released", "commission",
                             "net_released", "quoted", "awarded", "win_rate", "invited", "responded",
                             "median_response_hours"]
    [total] = [r for r in rows if r["section"] == "total"]
    assert (total["sales"], total["released"], total["commission"], total["net_released"]) == (
        "2800000", "2800000", "140000", "2660000")
    assert sum(int(r["sales"]) for r in rows if r["section"] == "month") == 2800000
    [quotes] = [r for r in rows if r["section"] == "quotes_total"]
    assert (quotes["quoted"], quotes["awarded"], quotes["win_rate"]) == ("3", "2", "0.6667")
    [resp] = [r for r in rows if r["section"] == "response_total"]
    assert resp["median_response_hours"] == "6.0"
