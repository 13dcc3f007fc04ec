"""Catalog search over the narrow ``product_search`` table: ranking, the index-walk plan, and the triggers
that keep the table in step with products, tiers, vendors and the bulk import."""

import io
import threading
import time

import pytest
from sqlalchemy import text

from marketplace.cli import search_rebuild_command
from marketplace.extensions import db
from marketplace.vendors.services import search as search_module


def _ids(page):
    return [p["sku"] for p in page["items"]]


def _row(product_id):
    return db.session.execute(text("SELECT moq, price, tier_qty, tier_price, stock_qty, currency FROM product_search "
                                   "WHERE product_id = :id"), {"id": product_id}).first()


def _rebuilt_equals_live():
    """The trigger-kept table holds exactly what a rebuild would write."""
    columns = "product_id, vendor_id, search_vector, currency, price, tier_qty, tier_price, moq, stock_qty, " \
              "category_id, hs_code, created_at"
    live = db.session.execute(text(f"SELECT {columns} FROM product_search ORDER BY product_id")).all()
    db.session.execute(text("SELECT product_search_rebuild()"))
    rebuilt = db.session.execute(text(f"SELECT {columns} FROM product_search ORDER BY product_id")).all()
    db.session.rollback()
    return live == rebuilt


@pytest.fixture(params=["gin", "walk"])
def plan(request, monkeypatch):
    """Run a test under both plans of a text condition: the GIN index (rare words) and the index walk (broad)."""
    monkeypatch.setattr(search_module, "is_broad", lambda words: request.param == "walk")
    return request.param


def test_exact_phrase_in_the_name_ranks_first_then_words_in_the_name_then_elsewhere(api, plan):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "DESC", "Dao công nghiệp", description="thay cho vòng bi cũ")
    api.product(vendor, "SCATTER", "Bi thép cho vòng quay")
    api.product(vendor, "PHRASE", "Vòng bi cầu SKF 6205")
    api.product(vendor, "EXACT", "Vòng bi")
    assert _ids(api.get("/products?q=vong bi")) == ["EXACT", "PHRASE", "SCATTER", "DESC"]


def test_accent_folded_and_english_names_rank_by_their_own_words(api, plan):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "EN", "Ball bearing 6205", name_vi="Vòng bi cầu 6205")
    api.product(vendor, "OTHER", "Steel pipe", description="for ball valves and bearing housings")
    assert _ids(api.get("/products?q=VÒNG BI")) == ["EN"]
    assert _ids(api.get("/products?q=ball bearing")) == ["EN", "OTHER"]
    assert _ids(api.get("/products?q=Đường")) == []


def test_broad_query_pages_through_every_match_with_the_relevant_ones_first(api, monkeypatch, plan):
    monkeypatch.setattr(search_module, "CANDIDATES", 4)  # a "broad" query: more matches than ranked candidates
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    for i in range(6):
        api.product(vendor, f"D{i}", f"Phụ kiện {i}", description="dùng với máy bơm")
    api.product(vendor, "PUMP", "Máy bơm nước 1HP")  # newest: among the ranked candidates
    seen, cursor = [], None
    while True:
        page = api.get("/products?q=may bom&limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += _ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen[0] == "PUMP"
    assert sorted(seen) == sorted(["PUMP"] + [f"D{i}" for i in range(6)]) and len(seen) == 7
    # candidates newest first by rank, then the older matches newest first
    assert seen[1:] == ["D5", "D4", "D3", "D2", "D1", "D0"]


def test_relevance_cursor_of_another_shape_is_refused(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    for i in range(3):
        api.product(vendor, f"V{i}", f"Vòng bi {i}")
    page = api.get("/products?q=vong bi&limit=1")
    assert page["next_cursor"]
    newest = api.get("/products?sort=newest&limit=1")
    api.get(f"/products?q=vong bi&cursor={newest['next_cursor']}", expect=422)


def test_price_sort_and_filters_under_both_plans(api, plan):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.post("/products", vendor, {"sku": "TIERED", "name": "Vòng bi tiered", "unit": "piece", "moq": 10,
                                   "status": "active", "price_tiers": [{"min_qty": 10, "unit_price": "20000"},
                                                                       {"min_qty": 100, "unit_price": "12000"}]},
             expect=201)
    api.product(vendor, "FLAT", "Vòng bi flat", "15000")
    assert _ids(api.get("/products?q=vong bi&sort=price")) == ["FLAT", "TIERED"]
    assert _ids(api.get("/products?q=vong bi&sort=price&quantity=100")) == ["TIERED", "FLAT"]
    assert _ids(api.get("/products?q=vong bi&price_max=13000&quantity=500")) == ["TIERED"]
    assert _ids(api.get("/products?q=vong bi&price_max=13000")) == []


def test_the_table_follows_products_tiers_vendors_and_imports(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin, regions=("VN-SG",))
    created = api.post("/products", vendor, {"sku": "SYNC", "name": "Ống đồng", "unit": "m", "moq": 5,
                                             "status": "active", "stock_qty": 40,
                                             "price_tiers": [{"min_qty": 5, "unit_price": "9000"},
                                                             {"min_qty": 50, "unit_price": "8000"}]}, expect=201)
    assert tuple(_row(created["id"])[:4]) == (5, 9000, [5, 50], [9000, 8000])
    api.call("PATCH", f"/products/{created['id']}", vendor, json={
        "moq": 60, "stock_qty": 70, "price_tiers": [{"min_qty": 10, "unit_price": "9500"},
                                                    {"min_qty": 50, "unit_price": "7000"}]}, expect=200)
    assert tuple(_row(created["id"])[:5]) == (60, 7000, [10, 50], [9500, 7000], 70)
    assert _ids(api.get("/products?q=ong dong&region=VN-SG")) == ["SYNC"]
    assert _ids(api.get("/products?q=ong dong&region=VN-HN")) == []
    api.call("PATCH", f"/products/{created['id']}", vendor, json={"status": "draft"}, expect=200)
    assert _row(created["id"]) is None
    api.call("PATCH", f"/products/{created['id']}", vendor, json={"status": "active"}, expect=200)
    assert _row(created["id"]) is not None
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "suspend", "reason": "audit"})
    assert _row(created["id"]) is None and api.get("/products?q=ong dong")["items"] == []
    db.session.execute(text("UPDATE vendor_profiles SET status = 'verified' WHERE id = :id"), {"id": vendor.org_id})
    db.session.commit()
    assert _ids(api.get("/products?q=ong dong")) == ["SYNC"]
    # the bulk import's set-based statements go through the same triggers
    csv = ("sku,name,unit,unit_price,moq,tier_prices,status\n"
           "SYNC,Ống đồng mới,m,8800,5,100:7500,active\nNEW-1,Van đồng,piece,30000,1,,active\n")
    imp = api.call("POST", "/products/import", vendor, data={"file": (io.BytesIO(csv.encode()), "c.csv")},
                   content_type="multipart/form-data", expect=202).get_json()
    run_jobs()
    assert api.get(f"/products/imports/{imp['id']}", vendor)["status"] == "done"
    assert tuple(_row(created["id"])[:4]) == (5, 8800, [5, 100], [8800, 7500])
    assert _ids(api.get("/products?q=dong&sort=price")) == ["SYNC", "NEW-1"]
    assert _rebuilt_equals_live()
    db.session.execute(text("DELETE FROM products WHERE id = :id"), {"id": created["id"]})
    assert _row(created["id"]) is None
    db.session.rollback()


def test_rebuild_command_repairs_the_table(api, app):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    made = api.product(vendor, "REPAIR", "Van bướm inox")
    db.session.execute(text("DELETE FROM product_search"))
    db.session.commit()
    assert api.get("/products?q=van buom")["items"] == []
    result = app.test_cli_runner().invoke(search_rebuild_command)
    assert result.exit_code == 0 and "listed products" in result.output
    assert _ids(api.get("/products?q=van buom")) == ["REPAIR"] and _row(made["id"]) is not None


def _search_row(conn, product_id):
    return conn.execute(text("SELECT moq, price, tier_qty FROM product_search WHERE product_id = :id"),
                        {"id": product_id}).first()


def test_a_tier_written_while_another_session_edits_the_product_waits_and_sees_its_edit(api, db):
    """Two sessions race: one raises the MOQ (uncommitted), the other adds a tier at the new MOQ. The tier's
    trigger waits for the product's row, then prices the row at the MOQ the first one committed."""
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    made = api.product(vendor, "RACE", "Ống nhựa PPR", "5000", moq=10)
    adding, engine = threading.Event(), db.engine

    def add_tier():
        with engine.connect() as other:
            adding.set()
            other.execute(text("INSERT INTO price_tiers (product_id, min_qty, unit_price) VALUES (:id, 100, 4000)"),
                          {"id": made["id"]})
            other.commit()

    with db.engine.connect() as editor:
        editor.execute(text("UPDATE products SET moq = 100 WHERE id = :id"), {"id": made["id"]})
        worker = threading.Thread(target=add_tier)
        worker.start()
        assert adding.wait(timeout=30)
        time.sleep(0.5)
        assert worker.is_alive()  # blocked on the product's row until the edit commits
        editor.commit()
    worker.join(timeout=30)
    with db.engine.connect() as conn:
        assert tuple(_search_row(conn, made["id"])) == (100, 4000, [10, 100])
    assert _rebuilt_equals_live()


def test_a_product_edited_while_its_vendor_is_suspended_stays_out(api, db):
    """The vendor's suspension and a product edit race; whichever commits last, the product is not listed."""
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    made = api.product(vendor, "RACE2", "Ống nhựa HDPE", "5000")
    editing, engine = threading.Event(), db.engine

    def edit():
        with engine.connect() as other:
            editing.set()
            other.execute(text("UPDATE products SET stock_qty = 7 WHERE id = :id"), {"id": made["id"]})
            other.commit()

    with db.engine.connect() as suspender:
        suspender.execute(text("UPDATE vendor_profiles SET status = 'suspended' WHERE id = :id"), {"id": vendor.org_id})
        worker = threading.Thread(target=edit)
        worker.start()
        assert editing.wait(timeout=30)
        time.sleep(0.5)
        assert worker.is_alive()  # the edit's trigger waits for the vendor's row
        suspender.commit()
    worker.join(timeout=30)
    with db.engine.connect() as conn:
        assert _search_row(conn, made["id"]) is None


def test_stock_and_moq_bounds_under_both_plans(api, plan):
    """The walk index tests implied bounds (stock at least the quantity, the lowest tier price) before reading a
    row; the exact conditions still decide."""
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "STOCKED", "Vòng bi stocked", moq=10, stock_qty=50)
    api.product(vendor, "BIGMOQ", "Vòng bi big moq", moq=100, stock_qty=50)  # stock below its own MOQ
    api.product(vendor, "NOSTOCK", "Vòng bi none", moq=1)
    assert _ids(api.get("/products?q=vong bi&in_stock=true")) == ["STOCKED"]
    assert _ids(api.get("/products?q=vong bi&in_stock=true&quantity=40")) == ["STOCKED"]
    assert _ids(api.get("/products?q=vong bi&in_stock=true&quantity=60")) == []
    assert _ids(api.get("/products?q=vong bi&in_stock=true&max_moq=50")) == ["STOCKED"]
    assert set(_ids(api.get("/products?q=vong bi&max_moq=100"))) == {"STOCKED", "BIGMOQ", "NOSTOCK"}


def test_broad_words_that_never_meet_go_through_the_gin_index(api, monkeypatch):
    monkeypatch.setattr(search_module, "_stats", {})  # no plan hints kept from another test
    monkeypatch.setattr(search_module, "is_broad", lambda words: True)
    probed = []
    real = search_module._dense_in_newest
    monkeypatch.setattr(search_module, "_dense_in_newest", lambda query: probed.append(real(query)) or probed[-1])
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    api.product(vendor, "BEAR", "Vòng bi 6205")
    api.product(vendor, "LASER", "Máy cắt laser")
    assert api.get("/products?q=vong laser")["items"] == [] and probed == [False]
    assert _ids(api.get("/products?q=vong bi")) == ["BEAR"] and probed == [False, True]
    assert _ids(api.get("/products?q=laser")) == ["LASER"] and len(probed) == 2  # one word: no probe
