"""What a buyer pays: negotiated price lists over public tiers, validity periods, MOQ."""

from datetime import datetime, timedelta, timezone


def _iso(delta_days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=delta_days)).isoformat()


def _setup(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    product = api.post("/products", vendor, {
        "sku": "BEAR-6205", "name": "Vòng bi 6205", "unit": "piece", "moq": 100, "status": "active",
        "price_tiers": [{"min_qty": 100, "unit_price": "18000"}, {"min_qty": 1000, "unit_price": "17000"}]}, expect=201)
    buyer, other = api.register("buyer"), api.register("buyer")
    return vendor, product, buyer, other


def test_public_tiers_apply_without_a_price_list(api):
    vendor, product, buyer, _ = _setup(api)
    quote = api.get(f"/products/{product['id']}/price?quantity=1500", buyer)
    assert (quote["source"], quote["unit_price"], quote["total"]) == ("public", "17000", "25500000")
    assert api.get(f"/products/{product['id']}/price?quantity=200")["unit_price"] == "18000"


def test_below_moq_is_not_orderable_and_priced_at_the_moq(api):
    vendor, product, buyer, _ = _setup(api)
    quote = api.get(f"/products/{product['id']}/price?quantity=10", buyer)
    assert quote["below_moq"] is True and quote["orderable"] is False
    assert (quote["moq"], quote["priced_quantity"], quote["total"]) == (100, 100, "1800000")


def test_negotiated_price_overrides_public_tiers_for_that_buyer_only(api):
    vendor, product, buyer, other = _setup(api)
    price_list = api.post("/price-lists", vendor, {
        "buyer_org_id": buyer.org_id, "name": "Hợp đồng khung 2026", "valid_from": _iso(-1), "valid_until": _iso(30),
        "items": [{"product_id": product["id"], "min_qty": 100, "unit_price": "16500"},
                  {"product_id": product["id"], "min_qty": 5000, "unit_price": "15000"}]}, expect=201)
    quote = api.get(f"/products/{product['id']}/price?quantity=200", buyer)
    assert (quote["source"], quote["unit_price"], quote["price_list_id"]) == ("negotiated", "16500", price_list["id"])
    assert api.get(f"/products/{product['id']}/price?quantity=6000", buyer)["unit_price"] == "15000"
    assert api.get(f"/products/{product['id']}/price?quantity=200", other)["source"] == "public"
    assert api.get(f"/products/{product['id']}/price?quantity=200")["source"] == "public"
    assert [p["id"] for p in api.get("/price-lists", buyer)["items"]] == [price_list["id"]]
    assert api.get("/price-lists", other)["items"] == []
    api.get(f"/price-lists/{price_list['id']}", other, expect=404)


def test_expired_or_future_price_lists_do_not_apply(api):
    vendor, product, buyer, _ = _setup(api)
    for start, end in ((-30, -1), (2, 30)):
        api.post("/price-lists", vendor, {"buyer_org_id": buyer.org_id, "name": "old/new", "valid_from": _iso(start),
                                          "valid_until": _iso(end),
                                          "items": [{"product_id": product["id"], "min_qty": 100, "unit_price": "1"}]},
                 expect=201)
    assert api.get(f"/products/{product['id']}/price?quantity=200", buyer)["unit_price"] == "18000"


def test_ending_a_price_list_restores_public_prices(api):
    vendor, product, buyer, _ = _setup(api)
    price_list = api.post("/price-lists", vendor, {"buyer_org_id": buyer.org_id, "name": "x",
                                                   "items": [{"product_id": product["id"], "min_qty": 100,
                                                              "unit_price": "10000"}]}, expect=201)
    assert api.get(f"/products/{product['id']}/price?quantity=100", buyer)["unit_price"] == "10000"
    api.post(f"/price-lists/{price_list['id']}/end", vendor)
    assert api.get(f"/products/{product['id']}/price?quantity=100", buyer)["unit_price"] == "18000"


def test_price_list_rules(api):
    vendor, product, buyer, _ = _setup(api)
    stranger = api.verified_vendor(api.platform_admin())
    foreign = api.product(stranger, "S-1", "Not yours")
    body = api.post("/price-lists", vendor, {"buyer_org_id": buyer.org_id, "name": "x",
                                             "items": [{"product_id": foreign["id"], "unit_price": "1"}]}, expect=422)
    assert "items" in body["error"]["fields"]
    body = api.post("/price-lists", vendor, {"buyer_org_id": vendor.org_id, "name": "x",
                                             "items": [{"product_id": product["id"], "unit_price": "1"}]}, expect=422)
    assert "buyer_org_id" in body["error"]["fields"]
    body = api.post("/price-lists", vendor, {"buyer_org_id": buyer.org_id, "name": "x", "valid_from": _iso(5),
                                             "valid_until": _iso(1),
                                             "items": [{"product_id": product["id"], "unit_price": "1"}]}, expect=422)
    assert "valid_until" in body["error"]["fields"]
    api.post("/price-lists", buyer, {"buyer_org_id": buyer.org_id, "name": "x",
                                     "items": [{"product_id": product["id"], "unit_price": "1"}]}, expect=403)
