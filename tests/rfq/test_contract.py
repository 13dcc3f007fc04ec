"""The RFQ API contract: paged sub-lists, money as decimal strings, nested field errors, roles on quoting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest


def _all_pages(api, path, who, limit=1):
    """Every item of a paged list, following ``next_cursor``; checks no page repeats an item."""
    items, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        page = api.get(f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""), who)
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 50, "the cursor does not advance"


def _usd_rfq(api, buyer, vendors, lines=None):
    rfq = api.post("/rfqs", buyer, {
        "title": "Bearings in dollars", "currency": "USD", "delivery_region": "VN-SG",
        "quote_deadline": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat(),
        "lines": lines or [{"description": "6205", "quantity": 100, "unit": "piece", "target_unit_price": "0.50"},
                           {"description": "6206", "quantity": 10, "unit": "piece"}]}, expect=201)
    for v in vendors:
        api.post(f"/rfqs/{rfq['id']}/matches", buyer, {"vendor_id": v.org_id}, expect=201)
    return api.post(f"/rfqs/{rfq['id']}/publish", buyer)


def test_quotes_matches_and_versions_page_with_cursors(api, world):
    third = api.verified_vendor(world.admin)
    vendors = [*world.vendors, third]
    rfq = api.open_rfq(world.buyer, vendors)
    quotes = [api.quote(v, rfq, unit_price=str(17000 + i)) for i, v in enumerate(vendors)]

    listed, pages = _all_pages(api, f"/rfqs/{rfq['id']}/quotes", world.buyer)
    assert [q["id"] for q in listed] == sorted(q["id"] for q in quotes) and pages == 3
    own, _ = _all_pages(api, f"/rfqs/{rfq['id']}/quotes", third)
    assert [q["id"] for q in own] == [quotes[2]["id"]]  # a vendor sees only its own quote
    assert _all_pages(api, f"/rfqs/{rfq['id']}/quotes?status=withdrawn", world.buyer)[0] == []

    invited, pages = _all_pages(api, f"/rfqs/{rfq['id']}/matches", world.buyer)
    assert sorted(m["vendor_id"] for m in invited) == sorted(v.org_id for v in vendors) and pages == 3
    assert all(m["source"] == "manual" and m["rank"] is None and m["vendor_name"] for m in invited)

    for n in range(2):
        api.post(f"/quotes/{quotes[0]['id']}/revise", world.vendors[0], {
            "lead_time_days": 10 + n, "freight": "500000",
            "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": str(16000 - n), "quantity": 1000}]})
    versions, pages = _all_pages(api, f"/quotes/{quotes[0]['id']}/versions", world.vendors[0])
    assert [v["revision"] for v in versions] == [1, 2, 3] and pages == 3
    assert versions[0]["changes"] == []
    assert {"field": "lead_time_days", "from": 10, "to": 11} in versions[2]["changes"]


@pytest.mark.parametrize("query", ["status=bogus", "cursor=not-a-cursor", "limit=0", "limit=101"])
def test_bad_list_parameters_are_422(api, world, query):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    for path in (f"/rfqs/{rfq['id']}/quotes", f"/rfqs/{rfq['id']}/matches", f"/quotes/{quote['id']}/versions"):
        if query.startswith("status") and not path.endswith("/quotes"):
            continue
        resp = api.call("GET", f"{path}?{query}", world.buyer, expect=422)
        assert resp.get_json()["error"]["fields"]


def test_a_cursor_from_another_list_is_refused(api, world):
    rfq = api.open_rfq(world.buyer, world.vendors)
    for v in world.vendors:
        api.quote(v, rfq)
    cursor = api.get(f"/rfqs/{rfq['id']}/matches?limit=1", world.buyer)["next_cursor"]
    quote_id = api.get(f"/rfqs/{rfq['id']}/quotes", world.buyer)["items"][0]["id"]
    api.call("GET", f"/quotes/{quote_id}/versions?cursor={cursor}", world.buyer, expect=422)
    api.call("GET", f"/rfqs/{rfq['id']}/quotes?cursor={cursor}", world.buyer, expect=422)


def test_money_goes_out_as_decimal_strings_in_the_rfqs_currency(api, world):
    rfq = _usd_rfq(api, world.buyer, [world.vendors[0]])
    assert rfq["lines"][0]["target_unit_price"] == "0.50" and rfq["lines"][1]["target_unit_price"] is None
    quote = api.post(f"/rfqs/{rfq['id']}/quotes", world.vendors[0], {
        "lead_time_days": 7, "freight": "3.25",
        "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": "0.45", "quantity": 100},
                  {"rfq_line_id": rfq["lines"][1]["id"], "unit_price": "12.5", "quantity": 10}]}, expect=201)
    assert (quote["currency"], quote["freight"], quote["subtotal"], quote["total"]) == ("USD", "3.25", "170.00", "173.25")
    assert [l["unit_price"] for l in quote["lines"]] == ["0.45", "12.50"]
    assert quote["payment_terms"] == [{"name": "full", "percent": 100, "due": "before_shipment"}]

    api.post(f"/quotes/{quote['id']}/revise", world.vendors[0], {
        "lead_time_days": 7, "freight": "1",
        "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": "0.45", "quantity": 100}]})
    first, second = api.get(f"/quotes/{quote['id']}/versions", world.buyer)["items"]
    assert first["snapshot"]["freight"] == "3.25" and first["snapshot"]["lines"][1]["unit_price"] == "12.50"
    assert {"field": "freight", "from": "3.25", "to": "1.00"} in second["changes"]
    assert {"rfq_line_id": rfq["lines"][1]["id"], "change": "removed"} in second["changes"]

    cmp = api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)
    [row] = cmp["quotes"]
    assert (cmp["currency"], row["goods"], row["freight"], row["landed_cost"]) == ("USD", "45.00", "1.00", "46.00")
    assert row["lines"][0]["unit_price"] == "0.45" and row["lines"][1]["unit_price"] is None
    assert row["coverage"] == "1/2" and row["complete"] is False and cmp["cheapest_quote_id"] == quote["id"]
    assert cmp["best_quote_per_line"] == [{"rfq_line_id": rfq["lines"][0]["id"], "quote_id": quote["id"]},
                                          {"rfq_line_id": rfq["lines"][1]["id"], "quote_id": None}]


def test_field_errors_are_nested_like_the_body(api, world):
    lines = [{"description": "a", "quantity": 1, "unit": "kg"},
             {"description": "b", "quantity": 1, "unit": "kg", "target_unit_price": "12.5"}]
    err = api.call("POST", "/rfqs", world.buyer, json={"title": "VND decimals", "lines": lines}, expect=422)
    assert set(err.get_json()["error"]["fields"]) == {"lines"}
    assert list(err.get_json()["error"]["fields"]["lines"]["1"]) == ["target_unit_price"]
    err = api.call("POST", "/rfqs", world.buyer, expect=422, json={
        "title": "Unknown category", "lines": [{"description": "a", "quantity": 1, "unit": "kg", "category_id": 999999}]})
    assert "category_id" in err.get_json()["error"]["fields"]["lines"]["0"]

    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    line = rfq["lines"][0]
    for price in ("-1", "1.5", 1000):
        err = api.call("POST", f"/rfqs/{rfq['id']}/quotes", world.vendors[0], expect=422, json={
            "lead_time_days": 3, "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": 1}]})
        assert list(err.get_json()["error"]["fields"]["lines"]["0"]) == ["unit_price"], price
    err = api.call("POST", f"/rfqs/{rfq['id']}/quotes", world.vendors[0], expect=422, json={
        "lead_time_days": 3, "lines": [{"rfq_line_id": line["id"] + 10**6, "unit_price": "1", "quantity": 1}]})
    assert list(err.get_json()["error"]["fields"]["lines"]["0"]) == ["rfq_line_id"]

    err = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [10**9]}, expect=422)
    assert err.get_json()["error"]["fields"] == {"quote_ids": {"0": ["unknown quote"]}}
    quote = api.quote(world.vendors[0], rfq)
    err = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, expect=422,
                   json={"lines": [{"rfq_line_id": line["id"], "quote_id": quote["id"]},
                                   {"rfq_line_id": line["id"] + 10**6, "quote_id": quote["id"]}]})
    assert list(err.get_json()["error"]["fields"]["lines"]["1"]) == ["rfq_line_id"]


def test_only_vendor_sales_members_quote(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    fulfilment = api.add_member(world.vendors[0], "fulfilment")
    body = {"lead_time_days": 3, "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": "1", "quantity": 1}]}
    for who in (world.buyer, fulfilment):
        assert api.call("POST", f"/rfqs/{rfq['id']}/quotes", who, json=body, expect=403).get_json()["error"]["code"] \
            == "forbidden"
    sales = api.add_member(world.vendors[0], "sales")
    api.post(f"/rfqs/{rfq['id']}/quotes", sales, body, expect=201)
    assert len(api.get(f"/rfqs/{rfq['id']}/quotes", fulfilment)["items"]) == 1  # reading needs no sales role


def test_award_answers_with_the_deals(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, unit_price="17500", freight="500000")
    award = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)
    assert award["rfq_id"] == rfq["id"]
    [deal] = award["deals"]
    assert (deal["quote_id"], deal["vendor_id"], deal["total"]) == (quote["id"], world.vendors[0].org_id,
                                                                    str(17500 * 1000 + 500000))
    assert api.get(f"/quotes/{quote['id']}", world.buyer)["status"] == "accepted"
