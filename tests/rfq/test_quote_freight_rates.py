"""Carrier rates on quotes: a vendor prices its lane and attaches a rate to its freight; the comparison estimates
the carriage a quote on E/F terms leaves to the buyer, marked as an estimate, so every incoterm compares fairly.

Prices come from the built-in rate card (the ``manual`` carrier, always enabled): Hà Nội (north) or Đà Nẵng
(central) to Hồ Chí Minh City (south) is ``other_region``: 48,000 for a parcel up to 1 kg, 2,500,000 a pallet,
plus 10 % fuel."""

from __future__ import annotations

PARCEL = {"weight_grams": 800, "length_cm": 20, "width_cm": 15, "height_cm": 10}
ONE_PARCEL_HN_SG = 48_000 + 4_800
TWO_PALLETS_DN_SG = 2 * 2_500_000 + 500_000


def _warehouse(api, vendor, region: str) -> None:
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, expect=200, json={"addresses": [
        {"kind": "registered", "line1": "1 Tràng Tiền", "region": "VN-HN"} if region != "VN-HN" else
        {"kind": "billing", "line1": "9 Lê Lợi", "region": "VN-SG"},
        {"kind": "warehouse", "line1": "KCN Hòa Khánh", "region": region}]})


def _body(rfq, price: str, incoterm: str, **extra) -> dict:
    return {"lead_time_days": 10, "incoterm": incoterm, **extra,
            "lines": [{"rfq_line_id": line["id"], "unit_price": price, "quantity": line["quantity"]}
                      for line in rfq["lines"]]}


def _error(resp) -> dict:
    return resp.get_json()["error"]


def test_vendor_attaches_a_carrier_rate_and_the_quote_freight_is_its_price(api, world):
    vendor = world.vendors[0]
    _warehouse(api, vendor, "VN-HN")
    rfq = api.open_rfq(world.buyer, [vendor], quantity=100)  # delivered to VN-SG
    offer = api.post(f"/rfqs/{rfq['id']}/quotes/freight-rates", vendor, {"parcels": [PARCEL]})
    assert (offer["origin"], offer["destination"], offer["currency"]) == ("VN-HN", "VN-SG", "VND")
    [rate] = offer["rates"]
    assert (rate["carrier"], rate["service"], rate["amount"], rate["transit_days"], rate["estimate"]) == (
        "manual", "standard", str(ONE_PARCEL_HN_SG), 4, True)

    quote = api.post(f"/rfqs/{rfq['id']}/quotes", vendor, _body(
        rfq, "17500", "DAP", shipment={"parcels": [PARCEL]},
        freight_rate={"carrier": "manual", "service": "standard", "amount": rate["amount"]}), expect=201)
    assert quote["freight"] == rate["amount"]
    assert quote["total"] == str(17500 * 100 + ONE_PARCEL_HN_SG)
    assert {k: quote["freight_rate"][k] for k in ("carrier", "service", "amount", "transit_days", "estimate",
                                                  "origin", "destination")} == {
        "carrier": "manual", "service": "standard", "amount": str(ONE_PARCEL_HN_SG), "transit_days": 4,
        "estimate": True, "origin": "VN-HN", "destination": "VN-SG"}
    assert quote["shipment"] == {"parcels": [PARCEL], "pallets": 0}
    [version] = api.get(f"/quotes/{quote['id']}/versions", vendor)["items"]
    assert version["snapshot"]["freight_rate"]["amount"] == str(ONE_PARCEL_HN_SG)

    # a revision without a rate keeps working as before: freight typed by hand, nothing attached
    revised = api.post(f"/quotes/{quote['id']}/revise", vendor, _body(rfq, "17000", "DAP", freight="60000"))
    assert (revised["freight"], revised["freight_rate"], revised["shipment"]) == ("60000", None, None)

    # a D-term quote gets no estimate in the comparison: the vendor's freight is the carriage
    [row] = api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)["quotes"]
    assert row["estimated_freight"] is None and row["estimated_freight_missing"] is None
    assert row["landed_total"] == row["landed_cost"] == str(17000 * 100 + 60000)
    assert row["landed_total_estimated"] is False


def test_an_ef_quote_gets_an_estimated_freight_and_compares_at_landed_total(api, world):
    d_vendor, f_vendor = world.vendors
    _warehouse(api, d_vendor, "VN-HN")
    _warehouse(api, f_vendor, "VN-DN")
    rfq = api.open_rfq(world.buyer, [d_vendor, f_vendor], quantity=100)
    dap = api.post(f"/rfqs/{rfq['id']}/quotes", d_vendor, _body(rfq, "17500", "DAP", freight="400000"), expect=201)
    # cheaper goods, but the buyer still has to carry two pallets from Đà Nẵng
    exw = api.post(f"/rfqs/{rfq['id']}/quotes", f_vendor, _body(rfq, "1000", "EXW", shipment={"pallets": 2}),
                   expect=201)
    assert exw["freight"] == "0" and exw["freight_rate"] is None

    cmp = api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)
    rows = {r["quote_id"]: r for r in cmp["quotes"]}
    estimated = rows[exw["id"]]["estimated_freight"]
    assert estimated["estimate"] is True
    assert (estimated["amount"], estimated["carrier"], estimated["origin"], estimated["destination"]) == (
        str(TWO_PALLETS_DN_SG), "manual", "VN-DN", "VN-SG")
    assert rows[exw["id"]]["landed_cost"] == str(1000 * 100)
    assert rows[exw["id"]]["landed_total"] == str(1000 * 100 + TWO_PALLETS_DN_SG)
    assert rows[exw["id"]]["landed_total_estimated"] is True
    assert any("EXW" in f for f in rows[exw["id"]]["flags"])  # still flagged: nobody offered that carriage
    assert rows[dap["id"]]["estimated_freight"] is None
    assert rows[dap["id"]]["landed_total"] == str(17500 * 100 + 400000)
    assert cmp["cheapest_quote_id"] == dap["id"]  # at the delivery place the DAP quote is cheaper


def test_an_ef_quote_without_a_lane_or_load_has_no_estimate_and_says_why(api, world, db):
    with_address, without = world.vendors
    _warehouse(api, with_address, "VN-HN")
    rfq = api.open_rfq(world.buyer, [with_address, without], quantity=10)
    loose = api.post(f"/rfqs/{rfq['id']}/quotes", with_address, _body(rfq, "1000", "FCA"), expect=201)
    nowhere = api.post(f"/rfqs/{rfq['id']}/quotes", without, _body(rfq, "1000", "FOB", shipment={"pallets": 1}),
                       expect=201)
    rows = {r["quote_id"]: r for r in api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)["quotes"]}
    assert (rows[loose["id"]]["estimated_freight"], rows[loose["id"]]["estimated_freight_missing"]) == (
        None, "no_shipment")
    assert rows[nowhere["id"]]["estimated_freight_missing"] == "no_origin_province"
    assert rows[nowhere["id"]]["landed_total"] == rows[nowhere["id"]]["landed_cost"]

    country_wide = api.post("/rfqs", world.buyer, {"title": "Cả nước", "delivery_region": "VN",
                                                   "lines": [{"description": "a", "quantity": 1, "unit": "kg"}]},
                            expect=201)
    api.post(f"/rfqs/{country_wide['id']}/matches", world.buyer, {"vendor_id": with_address.org_id}, expect=201)
    api.post(f"/rfqs/{country_wide['id']}/publish", world.buyer)
    api.post(f"/rfqs/{country_wide['id']}/quotes", with_address,
             _body(country_wide, "1000", "EXW", shipment={"pallets": 1}), expect=201)
    [row] = api.get(f"/rfqs/{country_wide['id']}/comparison", world.buyer)["quotes"]
    assert row["estimated_freight_missing"] == "no_destination_province"
    err = api.call("POST", f"/rfqs/{country_wide['id']}/quotes/freight-rates", with_address,
                   json={"pallets": 1}, expect=409)
    assert _error(err)["code"] == "no_destination_province"


def test_bad_freight_input_is_refused_in_the_error_envelope(api, world):
    vendor, other = world.vendors
    _warehouse(api, vendor, "VN-HN")
    rfq = api.open_rfq(world.buyer, [vendor, other], quantity=10)
    path = f"/rfqs/{rfq['id']}/quotes"
    rate = {"carrier": "manual", "service": "standard"}

    err = api.call("POST", f"{path}/freight-rates", vendor, json={}, expect=422)
    assert "parcels" in _error(err)["fields"]
    err = api.call("POST", f"{path}/freight-rates", vendor, expect=422,
                   json={"parcels": [{**PARCEL, "weight_grams": 0}]})
    assert "weight_grams" in _error(err)["fields"]["parcels"]["0"]
    err = api.call("POST", f"{path}/freight-rates", other, json={"pallets": 1}, expect=409)
    assert _error(err)["code"] == "no_origin_province"
    api.call("POST", f"{path}/freight-rates", world.buyer, json={"pallets": 1}, expect=403)

    err = api.call("POST", path, vendor, json=_body(rfq, "1000", "DAP", freight_rate=rate), expect=422)
    assert "shipment" in _error(err)["fields"]
    err = api.call("POST", path, vendor, expect=422,
                   json=_body(rfq, "1000", "EXW", shipment={"pallets": 1}, freight_rate=rate))
    assert "freight_rate" in _error(err)["fields"]
    err = api.call("POST", path, vendor, expect=422,
                   json=_body(rfq, "1000", "DAP", shipment={"pallets": 1}, freight_rate={**rate, "carrier": "ghn"}))
    assert "freight_rate" in _error(err)["fields"]
    err = api.call("POST", path, vendor, expect=422,
                   json=_body(rfq, "1000", "DAP", shipment={"pallets": 1}, freight_rate=rate, freight="1"))
    assert "freight" in _error(err)["fields"]
    err = api.call("POST", path, vendor, expect=409,
                   json=_body(rfq, "1000", "DAP", shipment={"pallets": 1}, freight_rate={**rate, "amount": "1"}))
    assert _error(err)["code"] == "rate_changed"
    assert api.get(path, world.buyer)["items"] == []  # nothing was stored


def test_the_comparison_reads_as_much_for_three_ef_quotes_as_for_one(api, world, db):
    """The estimate is worked out once per comparison: more E/F quotes do not mean more reads."""
    import sqlalchemy as sa

    third = api.verified_vendor(world.admin, ("VN",), "Bao bì Đà Nẵng")
    vendors = [*world.vendors, third]
    for vendor, region in zip(vendors, ("VN-HN", "VN-DN", "VN-HP")):
        _warehouse(api, vendor, region)
    rfq = api.open_rfq(world.buyer, vendors, quantity=10)

    def reads() -> tuple[int, dict]:
        seen = []
        listener = lambda *args, **kwargs: seen.append(1)
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = api.get(f"/rfqs/{rfq['id']}/comparison", world.buyer)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), body

    api.post(f"/rfqs/{rfq['id']}/quotes", vendors[0], _body(rfq, "1000", "FOB", shipment={"pallets": 1}), expect=201)
    one, _ = reads()
    for vendor in vendors[1:]:
        api.post(f"/rfqs/{rfq['id']}/quotes", vendor, _body(rfq, "1000", "EXW", shipment={"pallets": 1}), expect=201)
    three, body = reads()
    assert all(r["estimated_freight"]["estimate"] for r in body["quotes"])
    assert three == one
