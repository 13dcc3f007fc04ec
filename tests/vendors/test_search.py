"""Catalog search: accent-insensitive full text, filters, sorting and keyset pagination; vendor directory."""

from marketplace.extensions import db
from marketplace.vendors.services import seed_hs_categories


def _ids(page):
    return [p["sku"] for p in page["items"]]


def test_unaccented_query_finds_vietnamese_text(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "LASER-1", "Máy cắt laser fiber 1530")
    api.product(vendor, "PLASMA-1", "Máy cắt plasma CNC")
    api.product(vendor, "ROAD-1", "Đường ống thép")
    assert _ids(api.get("/products?q=may cat laser")) == ["LASER-1"]
    assert _ids(api.get("/products?q=MÁY CẮT LASER")) == ["LASER-1"]
    assert set(_ids(api.get("/products?q=may cat"))) == {"LASER-1", "PLASMA-1"}
    assert _ids(api.get("/products?q=duong ong")) == ["ROAD-1"]


def test_only_active_products_of_verified_vendors_are_listed(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "A", "Vòng bi A")
    api.product(vendor, "B", "Vòng bi B", status="draft")
    assert _ids(api.get("/products?q=vong bi")) == ["A"]
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "suspend", "reason": "audit"})
    assert api.get("/products?q=vong bi")["items"] == []
    api.get("/products?verified_only=false", expect=422)


def test_filters_category_subtree_moq_region_stock_and_price_at_quantity(api, app):
    seed_hs_categories()
    db.session.commit()
    admin = api.platform_admin()
    south = api.verified_vendor(admin, regions=("VN-SG",))
    north = api.verified_vendor(admin, regions=("VN-HN",))
    heading = api.get("/categories?hs_code=8482")["items"][0]
    ch72 = api.get("/categories?hs_code=72")["items"][0]
    steel = api.get(f"/categories?parent_id={ch72['id']}")["items"][0]
    api.post("/products", south, {"sku": "BEAR", "name": "Bearing", "unit": "piece", "moq": 10, "status": "active",
                                  "stock_qty": 500, "category_id": heading["id"],
                                  "price_tiers": [{"min_qty": 10, "unit_price": "20000"},
                                                  {"min_qty": 1000, "unit_price": "15000"}]}, expect=201)
    api.post("/products", north, {"sku": "COIL", "name": "Steel coil", "unit": "tonne", "moq": 5, "status": "active",
                                  "category_id": steel["id"], "price_tiers": [{"min_qty": 5, "unit_price": "15500000"}]},
             expect=201)
    api.post("/products", north, {"sku": "BIG", "name": "Bearing big", "unit": "piece", "moq": 5000, "status": "active",
                                  "stock_qty": 0, "category_id": heading["id"],
                                  "price_tiers": [{"min_qty": 5000, "unit_price": "9000"}]}, expect=201)
    section = api.get("/categories?limit=100")["items"]
    machinery = next(c for c in section if c["code"] == "HS-S-XVI")
    assert set(_ids(api.get(f"/products?category_id={machinery['id']}"))) == {"BEAR", "BIG"}
    assert _ids(api.get(f"/products?category_id={ch72['id']}")) == ["COIL"]
    assert set(_ids(api.get("/products?max_moq=10"))) == {"BEAR", "COIL"}
    assert _ids(api.get("/products?region=VN-SG")) == ["BEAR"]
    assert _ids(api.get("/products?in_stock=true")) == ["BEAR"]
    assert _ids(api.get("/products?in_stock=true&quantity=600")) == []
    # at 1000 units the bearing costs 15000 (20000 at its MOQ); BIG is priced at its MOQ of 5000
    assert set(_ids(api.get("/products?price_max=16000&quantity=1000"))) == {"BEAR", "BIG"}
    assert _ids(api.get("/products?price_max=16000&quantity=1000&max_moq=1000")) == ["BEAR"]
    assert set(_ids(api.get("/products?price_max=16000"))) == {"BIG"}
    assert _ids(api.get("/products?price_min=1000000")) == ["COIL"]
    body = api.get("/products?price_max=12.5", expect=422)
    assert "price_max" in body["error"]["fields"]
    api.get("/products?category_id=999999", expect=422)


def test_sorting_by_price_and_newest_with_keyset_pages(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    prices = [5000, 1000, 3000, 1000, 4000, 2000, 1000]
    for i, price in enumerate(prices):
        api.product(vendor, f"P{i}", f"Vòng bi loại {i}", str(price))

    def walk(query):
        seen, cursor = [], None
        while True:
            page = api.get(f"/products?{query}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
            seen += _ids(page)
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    by_price = walk("sort=price")
    assert [prices[int(s[1:])] for s in by_price] == sorted(prices)
    assert by_price[:3] == ["P1", "P3", "P6"]  # ties broken by id
    by_price_desc = walk("sort=-price")
    assert by_price_desc == list(reversed(by_price))
    assert walk("sort=newest") == [f"P{i}" for i in reversed(range(7))]
    relevance = walk("q=vong bi&sort=relevance")
    assert sorted(relevance) == sorted(f"P{i}" for i in range(7)) and len(relevance) == 7
    first = api.get("/products?sort=price&limit=2")
    api.get(f"/products?sort=newest&cursor={first['next_cursor']}", expect=422)
    api.get("/products?cursor=garbage", expect=422)


def test_price_filters_without_a_currency_use_the_configured_default(api, app):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "DONG-1", "Ống đồng", "1000")
    assert _ids(api.get("/products?sort=price")) == ["DONG-1"]
    app.config["DEFAULT_CURRENCY"] = "USD"
    try:
        assert _ids(api.get("/products?sort=price")) == []
        assert _ids(api.get("/products?sort=price&currency=VND")) == ["DONG-1"]
    finally:
        app.config["DEFAULT_CURRENCY"] = "VND"


def test_relevance_ranks_better_matches_first(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "WEAK", "Thép tấm", description="dùng cho máy cắt")
    api.product(vendor, "STRONG", "Máy cắt laser", description="máy cắt laser fiber, máy cắt kim loại")
    assert _ids(api.get("/products?q=may cat")) == ["STRONG", "WEAK"]


def test_vendor_directory_filters(api):
    admin = api.platform_admin()
    cat = api.post("/admin/categories", admin, {"code": "STEEL", "name_en": "Steel", "name_vi": "Thép"}, expect=201)
    sub = api.post("/admin/categories", admin, {"code": "REBAR", "name_en": "Rebar", "parent_id": cat["id"]}, expect=201)
    a = api.verified_vendor(admin, regions=("VN-SG",))
    b = api.verified_vendor(admin, regions=("VN-HN",))
    pending = api.register("vendor")
    api.call("PATCH", f"/vendors/{a.org_id}", a, json={"category_ids": [sub["id"]], "certifications": ["ISO 9001"]},
             expect=200)
    api.call("PATCH", f"/vendors/{b.org_id}", b, json={"certifications": ["CE"]}, expect=200)
    ids = lambda q: [v["id"] for v in api.get(f"/vendors{q}")["items"]]  # noqa: E731
    assert ids("") == [a.org_id, b.org_id]
    assert ids("?region=VN-SG") == [a.org_id]
    assert ids(f"?category_id={cat['id']}") == [a.org_id]
    assert ids("?certification=iso 9001") == [a.org_id]
    assert ids("?status=unverified") == [pending.org_id]
    page = api.get("/vendors?limit=1")
    assert [v["id"] for v in api.get(f"/vendors?limit=1&cursor={page['next_cursor']}")["items"]] == [b.org_id]
    profile = api.get(f"/vendors/{a.org_id}")
    assert profile["verification_status"] == "verified" and profile["certifications"] == ["ISO 9001"]
