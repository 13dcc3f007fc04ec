"""The catalog list's fast path (Core rows built into JSON objects) answers exactly what the schema dump did."""

import urllib.parse

import pytest

from marketplace.extensions import db
from marketplace.vendors.schemas import (
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
)
from marketplace.vendors.services import search_listing, search_products
from marketplace.vendors.services.listing import ITEM_FIELDS, product_items

#: filters and sorts of GET /products, each compared with the schema's dump of the ORM page
QUERIES = [
    {},
    {"q": "vong bi"},
    {"q": "bearing", "sort": "newest"},
    {"q": "vong bi", "sort": "price"},
    {"sort": "-price"},
    {"sort": "price", "currency": "USD"},
    {"currency": "KWD"},
    {"quantity": 1000, "price_max": "20000"},
    {"q": "bearing", "quantity": 500, "price_min": "1", "sort": "price"},
    {"region": "VN-SG", "max_moq": 100},
    {"in_stock": "true"},
    {"in_stock": "true", "quantity": 300},
    {"hs_code": "8482"},
    {"limit": 2},
    {"q": "bearing", "limit": 2},
    {"sort": "price", "limit": 3},
]


@pytest.fixture
def catalog(api):
    admin = api.platform_admin()
    south = api.verified_vendor(admin, ("VN-SG",), "Cơ khí Sài Gòn \"Nam\"")
    north = api.verified_vendor(admin, ("VN-HN",), "Thép Hà Nội")
    category = api.post("/admin/categories", admin, {"code": "BEARINGS", "name_en": "Bearings", "name_vi": "Vòng bi",
                                                     "hs_code": "8482"}, expect=201)
    # every optional field set, several tiers
    api.post("/products", south, {
        "sku": "FULL-1", "name": "Ball bearing 6205 <sealed> & \"quiet\"", "name_vi": "Vòng bi 6205 chịu nhiệt",
        "description": "Thép không gỉ\nline two \u2013 ✓", "hs_code": "848210", "category_id": category["id"],
        "unit": "piece", "pack_size": 12, "moq": 10, "stock_qty": 500, "lead_time_days": 14, "currency": "VND",
        "status": "active", "price_tiers": [{"min_qty": 1000, "unit_price": "15000"}, {"min_qty": 10, "unit_price": "20000"},
                                            {"min_qty": 100, "unit_price": "18000"}]}, expect=201)
    # decimals: USD and a three-decimal currency
    api.post("/products", north, {
        "sku": "USD-1", "name": "Bearing export grade", "unit": "set", "moq": 5, "currency": "USD", "status": "active",
        "stock_qty": 0, "lead_time_days": 0,
        "price_tiers": [{"min_qty": 5, "unit_price": "12.5"}, {"min_qty": 50, "unit_price": "0.07"}]}, expect=201)
    api.post("/products", north, {
        "sku": "KWD-1", "name": "Vòng bi KWD", "unit": "box", "moq": 1, "currency": "KWD", "status": "active",
        "price_tiers": [{"min_qty": 1, "unit_price": "1.005"}]}, expect=201)
    # every optional field empty
    api.product(south, "BARE-1", "Vòng bi bare", "18000", moq=1)
    for i in range(4):
        api.product(north, f"MORE-{i}", f"Ball bearing vòng bi {i}", str(17000 + 1000 * i), moq=50 * (i + 1),
                    stock_qty=100 * i)
    api.product(north, "DRAFT-1", "Vòng bi draft", status="draft")  # never listed
    return {"category": category, "south": south, "north": north}


def _path(query: dict) -> str:
    return "/products?" + urllib.parse.urlencode(query)


def _schema_page(app, query: dict) -> bytes:
    """The response body as the endpoint made it before: the ORM page dumped by ProductPageSchema."""
    params = ProductQuerySchema().load(query)
    page = search_products(params)
    body = app.json.response(ProductPageSchema().dump(page)).get_data()
    db.session.rollback()
    return body


def test_item_fields_are_the_schemas():
    assert ITEM_FIELDS == tuple(ProductSchema().fields)


@pytest.mark.parametrize("query", QUERIES, ids=[_path(q) for q in QUERIES])
def test_fast_page_equals_schema_dump(api, app, catalog, query):
    resp = api.call("GET", _path(query), expect=200)
    expected = _schema_page(app, query)
    assert resp.get_data() == expected  # the same bytes: fields, types, order of items, envelope
    body = resp.get_json()
    assert body["items"], query  # each variant lists something to compare
    assert set(body) == {"items", "next_cursor"}
    # the service alone, as Python values (ints stay ints, money stays a string)
    params = ProductQuerySchema().load(query)
    assert search_listing(params)["items"] == ProductSchema(many=True).dump(search_products(params)["items"])


def test_every_page_of_a_walk_equals_schema_dump(api, app, catalog):
    for query in ({"limit": 2}, {"q": "vong bi", "limit": 2}, {"sort": "price", "limit": 2},
                  {"sort": "-price", "limit": 3, "quantity": 100}):
        seen, cursor = [], None
        while True:
            page_query = {**query, **({"cursor": cursor} if cursor else {})}
            resp = api.call("GET", _path(page_query), expect=200)
            assert resp.get_data() == _schema_page(app, page_query)
            body = resp.get_json()
            seen += [item["sku"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        whole = api.get(_path({**query, "limit": 100}))
        assert whole["next_cursor"] is None
        assert seen == [item["sku"] for item in whole["items"]], query


def test_every_optional_field_is_carried(api, catalog):
    items = {item["sku"]: item for item in api.get("/products?limit=100")["items"]}
    full = items["FULL-1"]
    assert full["vendor_name"] == "Cơ khí Sài Gòn \"Nam\""
    assert full["category_id"] == catalog["category"]["id"]
    assert (full["pack_size"], full["stock_qty"], full["lead_time_days"], full["hs_code"]) == (12, 500, 14, "848210")
    assert full["price_tiers"] == [{"min_qty": 10, "unit_price": "20000"}, {"min_qty": 100, "unit_price": "18000"},
                                   {"min_qty": 1000, "unit_price": "15000"}]
    assert items["USD-1"]["price_tiers"] == [{"min_qty": 5, "unit_price": "12.50"}, {"min_qty": 50, "unit_price": "0.07"}]
    assert items["KWD-1"]["price_tiers"] == [{"min_qty": 1, "unit_price": "1.005"}]
    bare = items["BARE-1"]
    assert (bare["name_vi"], bare["hs_code"], bare["category_id"], bare["stock_qty"], bare["lead_time_days"]) == (
        None, None, None, None, None)
    assert "DRAFT-1" not in items


def test_unknown_ids_are_left_out_and_order_kept(api, catalog):
    ids = [item["id"] for item in api.get("/products?limit=100")["items"]]
    assert [item["id"] for item in product_items([ids[2], 10**9, ids[0]])] == [ids[2], ids[0]]
    assert product_items([]) == []


def test_openapi_still_declares_the_page_schema(api):
    spec = api.get("/openapi.json")
    ok = spec["paths"]["/api/v1/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/ProductPage")
