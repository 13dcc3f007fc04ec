"""Catalog ownership and publishing rules."""


def test_a_vendor_cannot_touch_another_vendors_products(api):
    admin = api.platform_admin()
    owner, other = api.verified_vendor(admin), api.verified_vendor(admin)
    draft = api.product(owner, "D-1", "Draft thing", status="draft")
    listed = api.product(owner, "A-1", "Listed thing")
    api.call("PATCH", f"/products/{listed['id']}", other, json={"name": "mine now"}, expect=404)
    api.call("PATCH", f"/products/{draft['id']}", other, json={"status": "archived"}, expect=404)
    api.get(f"/products/{draft['id']}", other, expect=404)
    assert api.get(f"/products/{listed['id']}", other)["name"] == "Listed thing"
    assert api.get(f"/products/{draft['id']}", owner)["status"] == "draft"


def test_an_unverified_vendor_drafts_but_cannot_publish(api):
    vendor = api.register("vendor")
    body = {"sku": "U-1", "name": "Thing", "unit": "piece", "price_tiers": [{"min_qty": 1, "unit_price": "1000"}]}
    refused = api.post("/products", vendor, {**body, "status": "active"}, expect=409)
    assert refused["error"]["code"] == "vendor_not_verified"
    draft = api.post("/products", vendor, body, expect=201)
    api.call("PATCH", f"/products/{draft['id']}", vendor, json={"status": "active"}, expect=409)
    assert api.get("/products")["items"] == []


def test_sku_is_unique_per_vendor_only(api):
    admin = api.platform_admin()
    a, b = api.verified_vendor(admin), api.verified_vendor(admin)
    api.product(a, "SAME", "A's")
    api.product(b, "SAME", "B's")
    assert api.post("/products", a, {"sku": "SAME", "name": "again", "unit": "piece",
                                     "price_tiers": [{"min_qty": 1, "unit_price": "1"}]}, expect=409)["error"]["code"] == "duplicate_sku"


def test_patching_usd_prices_reads_them_in_usd(api, world):
    vendor = world.vendors[0]
    product = api.post("/products", vendor, {"sku": "USD-1", "name": "Imported bearing", "unit": "piece",
                                              "currency": "USD", "status": "active",
                                              "price_tiers": [{"min_qty": 1, "unit_price": "2.50"}]}, expect=201)
    patched = api.call("PATCH", f"/products/{product['id']}", vendor,
                       json={"price_tiers": [{"min_qty": 1, "unit_price": "2.75"}]}, expect=200).get_json()
    assert patched["price_tiers"] == [{"min_qty": 1, "unit_price": "2.75"}]
    api.call("PATCH", f"/products/{product['id']}", vendor,
             json={"price_tiers": [{"min_qty": 1, "unit_price": "2.755"}]}, expect=422)
    api.call("PATCH", f"/products/{product['id']}", vendor, json={"currency": "VND"}, expect=422)
    assert api.get(f"/products/{product['id']}")["price_tiers"] == [{"min_qty": 1, "unit_price": "2.75"}]


def test_patch_with_an_empty_price_tier_is_a_422(api, world):
    product = api.get("/products?q=vong bi")["items"][0]
    vendor = next(v for v in world.vendors if v.org_id == product["vendor_id"])
    resp = api.call("PATCH", f"/products/{product['id']}", vendor, json={"price_tiers": [{}]}, expect=422)
    assert resp.get_json()["error"]["fields"]["price_tiers"]
    assert api.get(f"/products/{product['id']}")["price_tiers"] == product["price_tiers"]
