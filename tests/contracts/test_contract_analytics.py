"""Contract utilisation in the buyer's analytics: figures from the contract's live call-offs, in the API and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta


def test_the_buyer_report_lists_each_signed_contract_with_its_utilisation(api, world):
    buyer, vendor = world.buyer, world.vendors[0]
    made = api.post("/contracts", buyer, {
        "vendor_id": vendor.org_id, "title": "Bulông 2027", "ends_on": (date.today() + timedelta(days=200)).isoformat(),
        "max_value": "10000000", "committed_value": "8000000",
        "items": [{"description": "Bulông M10", "unit": "piece", "unit_price": "4000"}]}, expect=201)
    unsigned = api.post("/contracts", buyer, {"vendor_id": vendor.org_id, "title": "Chưa ký",
                                              "ends_on": (date.today() + timedelta(days=20)).isoformat(),
                                              "max_value": "1000000",
                                              "items": [{"description": "x", "unit": "piece", "unit_price": "1"}]},
                        expect=201)
    api.post(f"/contracts/{made['id']}/versions/1/sign", vendor)
    kept = api.post(f"/contracts/{made['id']}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 500}]},
                    expect=201)
    dropped = api.post(f"/contracts/{made['id']}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 100}]},
                       expect=201)
    api.post(f"/deals/{dropped['deal_id']}/cancel", buyer, {"reason": "trùng đơn"})
    assert kept["subtotal"] == "2000000"

    report = api.get("/analytics/buyer", buyer)
    [row] = report["contract_utilisation"]["contracts"]  # the unsigned one is not listed
    assert row["contract_id"] == made["id"] != unsigned["id"]
    assert (row["call_offs"], row["ordered_value"], row["committed_value"], row["max_value"]) == (
        1, "2000000", "8000000", "10000000")
    assert (row["remaining_value"], row["percent_of_committed"], row["percent_of_max"]) == ("8000000", 25.0, 20.0)
    assert api.get("/analytics/buyer", world.other_buyer)["contract_utilisation"]["contracts"] == []

    resp = api.client.get("/api/v1/analytics/buyer.csv", headers=buyer.headers)
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    [line] = [r for r in rows if r["section"] == "contract"]
    assert (line["id"], line["deals"], line["spend"], line["committed_value"], line["max_value"]) == (
        str(made["id"]), "1", "2000000", "8000000", "10000000")
