"""The analytics history: built explicitly through the HTTP API, on fixed dates (time-machine), so that
the reports' figures can be computed by hand (see ``build_history``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from tests.factories import World

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=ICT)
MAY = datetime(2026, 5, 20, 9, 0, tzinfo=ICT)
LATE_MAY = datetime(2026, 5, 25, 9, 0, tzinfo=ICT)
PERIOD = "from=2026-01-01&to=2026-06-30"


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _rfq(api, world: World, vendors, lines) -> dict:
    rfq = api.post("/rfqs", world.buyer, {
        "title": "Analytics history", "delivery_region": "VN-SG",
        "quote_deadline": (datetime.now(ICT) + timedelta(days=5)).isoformat(), "lines": lines}, expect=201)
    for v in vendors:
        api.post(f"/rfqs/{rfq['id']}/matches", world.buyer, {"vendor_id": v.org_id}, expect=201)
    return api.post(f"/rfqs/{rfq['id']}/publish", world.buyer)


def _quote(api, vendor, rfq, prices: list[str], freight: str) -> dict:
    return api.post(f"/rfqs/{rfq['id']}/quotes", vendor, {
        "lead_time_days": 7, "freight": freight,
        "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": line["quantity"]}
                  for line, price in zip(rfq["lines"], prices)]}, expect=201)


def _award(api, world, rfq, quote) -> dict:
    return api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]


def _fund(api, world, deal) -> None:
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        ins = m["instructions"]
        api.post("/admin/bank-transfers", world.admin,
                 {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})


def build_history(api, world: World, run_jobs) -> dict:
    """March: RFQ 1 (two lines, one with a target) quoted by vendor 1 after 6 h, awarded after 30 h, paid,
    shipped, accepted and released. May: RFQ 2 quoted by vendor 2 (2 h) and vendor 1 (10 h), awarded to
    vendor 2 after 50 h and paid; RFQ 3 quoted by vendor 1 after 1 h, awarded after 4 h, never paid."""
    v1, v2 = world.vendors
    bearings = api.post("/admin/categories", world.admin, {"code": "AN-BEAR", "name_en": "Bearings",
                                                           "name_vi": "Vòng bi"}, expect=201)
    steel = api.post("/admin/categories", world.admin, {"code": "AN-STEEL", "name_en": "Steel", "name_vi": "Thép"},
                     expect=201)
    with _at(MARCH):
        rfq1 = _rfq(api, world, [v1], [
            {"description": "Vòng bi 6205", "quantity": 100, "unit": "piece", "target_unit_price": "20000",
             "category_id": bearings["id"]},
            {"description": "Lắp đặt", "quantity": 10, "unit": "set"}])
    with _at(MARCH + timedelta(hours=6)):
        q1 = _quote(api, v1, rfq1, ["18000", "50000"], "500000")
    with _at(MARCH + timedelta(hours=30)):
        d1 = _award(api, world, rfq1, q1)
        _fund(api, world, d1)
        api.post(f"/deals/{d1['id']}/shipments", v1, {"carrier": "manual"}, expect=201)
        api.post(f"/deals/{d1['id']}/confirm-delivery", world.buyer)
        api.post(f"/deals/{d1['id']}/accept", world.buyer)
        run_jobs()
    assert api.get(f"/deals/{d1['id']}", world.buyer)["status"] == "released"

    with _at(MAY):
        rfq2 = _rfq(api, world, [v1, v2], [
            {"description": "Thép thanh D16", "quantity": 50, "unit": "piece", "target_unit_price": "30000",
             "category_id": steel["id"]}])
    with _at(MAY + timedelta(hours=2)):
        q2 = _quote(api, v2, rfq2, ["31000"], "200000")
    with _at(MAY + timedelta(hours=10)):
        _quote(api, v1, rfq2, ["32000"], "100000")
    with _at(MAY + timedelta(hours=50)):
        d2 = _award(api, world, rfq2, q2)
        _fund(api, world, d2)
    with _at(LATE_MAY):
        rfq3 = _rfq(api, world, [v1], [{"description": "Phớt", "quantity": 10, "unit": "piece",
                                        "target_unit_price": "1000"}])
    with _at(LATE_MAY + timedelta(hours=1)):
        q3 = _quote(api, v1, rfq3, ["900"], "0")
    with _at(LATE_MAY + timedelta(hours=4)):
        _award(api, world, rfq3, q3)  # awaiting payment: an award (cycle time, win) but no spend
    return {"bearings": bearings["id"], "steel": steel["id"], "deals": (d1, d2)}
