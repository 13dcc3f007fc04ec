"""The set-based import: the schema-free validator agrees with the schema, mixed chunks, updates by SKU, resume."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from marketplace.errors import InvalidInputError
from marketplace.vendors import jobs
from marketplace.vendors.jobs import run_product_import
from marketplace.vendors.models import Category
from marketplace.vendors.schemas import ProductCreateSchema
from marketplace.vendors.services.catalog import tier_prices
from marketplace.vendors.services.imports import fast_load, plain_tier_prices

from .test_import import HEADER, _errors, _own_products, _upload

# --- the validator without the schema -------------------------------------------------------------

_text = st.one_of(st.text(max_size=5), st.sampled_from(["", "x" * 16, "x" * 17, "y" * 300, "y" * 301, "SKU-1", "a b",
                                                        "12", "1234567890", "12345678901", "٣٤", "draft", "active",
                                                        "Draft", "VND", "USD", "KWD", "XXX", "vnd"]))
_int_cell = st.one_of(st.integers(min_value=0, max_value=10**13), st.sampled_from(["-5", "+5", "=5", "1.5"]))
_price = st.one_of(st.sampled_from(["0", "100", "12.5", "12.505", "12.5055", "999999999999", "1000000000000",
                                    "999999999999.999", "-1", "1e3", "", " 5", "１２", "=1+1", "9" * 16]),
                   st.from_regex(r"\A[0-9]{1,13}(\.[0-9]{1,4})?\Z"))
_tier = st.fixed_dictionaries({"min_qty": st.integers(min_value=0, max_value=10**12 + 1), "unit_price": _price})


@st.composite
def file_rows(draw):
    """Rows shaped as the import hands them to the schema: strings, digits read as ints, tiers."""
    data = {"sku": draw(_text), "name": draw(_text), "unit": draw(_text),
            "price_tiers": draw(st.lists(_tier, min_size=1, max_size=22))}
    for name in ("name_vi", "description", "hs_code", "currency", "status"):
        if draw(st.booleans()):
            data[name] = draw(_text.filter(bool))
    for name in ("pack_size", "moq", "stock_qty", "lead_time_days"):
        if draw(st.booleans()):
            data[name] = draw(_int_cell)
    if draw(st.booleans()):
        data["category_id"] = draw(st.integers(min_value=1, max_value=10**6))
    return data


@settings(max_examples=600, deadline=None)
@given(file_rows())
def test_rows_the_fast_validator_takes_are_loaded_as_the_schema_loads_them(data):
    fast = fast_load(data)
    try:
        loaded = ProductCreateSchema().load(data)
    except ValidationError:
        assert fast is None, data
        return
    if fast is not None:
        assert fast == loaded
        try:
            minor = tier_prices(loaded["price_tiers"], loaded["currency"])
        except InvalidInputError:
            assert plain_tier_prices(fast["price_tiers"], fast["currency"]) is None
        else:
            assert plain_tier_prices(fast["price_tiers"], fast["currency"]) in (None, minor)


def test_the_plain_rows_of_a_catalog_take_the_fast_path():
    row = {"sku": "IMP-0000001", "name": "ball bearing premium 12", "unit": "piece", "name_vi": "Vòng bi cao cấp 12",
           "hs_code": "848210", "moq": 5, "stock_qty": 100, "status": "active",
           "price_tiers": [{"min_qty": 5, "unit_price": "120000"}, {"min_qty": 50, "unit_price": "108000.50"}]}
    assert fast_load(row) == ProductCreateSchema().load(row)
    assert plain_tier_prices(row["price_tiers"], "VND") is None  # 108000.50 VND: the schema path says why
    assert plain_tier_prices(row["price_tiers"], "USD") == [(5, 12000000), (50, 10800050)]


# --- chunks against the database ------------------------------------------------------------------


def test_a_chunk_with_good_and_bad_rows_writes_the_good_ones_and_reports_the_rest(api, app, run_jobs, monkeypatch):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    monkeypatch.setitem(app.config, "PRODUCT_IMPORT_CHUNK_ROWS", 100)  # one chunk
    content = (HEADER + "M-1,Good,piece,100,1,10:90,Bạc đạn Quýtzy,active\n"
               "M-2," + "n" * 301 + ",piece,100,1,,,draft\n"
               "M-3,Bad tiers,piece,100,1,10-90,,draft\n"
               "M-4,Good too,box,250,5,50:200;100:180,,draft\n"
               "M-1,Again,piece,100,1,,,draft\n"
               "M-6,Bad status,piece,100,1,,,Active\n"
               "M-7,Same break,piece,100,10,10:90,,draft\n"
               "M-8,Too big,piece,1000000000000000,1,,,draft\n"
               "\n"
               "M-10,Last good,kg,7,1,,,draft\n").encode()
    imp = _upload(api, vendor, content)
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["status"], result["total_rows"], result["rows_done"]) == ("done", 9, 9)
    assert (result["created_count"], result["updated_count"], result["error_count"]) == (3, 0, 6)
    errors = _errors(api, vendor, imp)
    assert [(e["row"], e["sku"], e["reason"]) for e in errors] == [
        ("3", "M-2", "name: Length must be between 1 and 300."),
        ("4", "M-3", "tier_prices: '10-90': use quantity:price;quantity:price"),
        ("6", "M-1", "sku: duplicate SKU in this file (first on row 2)"),
        ("7", "M-6", "status: Must be one of: draft, active, archived."),
        ("8", "M-7", "tier_prices.1.min_qty: duplicate quantity break"),
        ("9", "M-8", errors[5]["reason"]),
    ]
    assert errors[5]["reason"].startswith("unit_price:")
    products = _own_products(api, vendor)
    assert set(products) == {"M-1", "M-4", "M-10"}
    assert products["M-4"]["unit_price"] == "250" and products["M-4"]["tier_prices"] == "50:200;100:180"
    assert products["M-1"]["name_vi"] == "Bạc đạn Quýtzy" and products["M-1"]["tier_prices"] == "10:90"
    found = api.get("/products?q=quytzy")["items"]
    assert [p["sku"] for p in found] == ["M-1"]


def test_reimport_updates_by_sku_keeps_what_the_file_leaves_empty_and_counts_only_changes(api, app, db, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    code = f"IMP-{uuid.uuid4().hex[:8]}"
    db.session.add(Category(code=code, name_en="Import test", level=0))
    db.session.commit()
    header = "sku,name,unit,unit_price,tier_prices,name_vi,hs_code,stock_qty,category_code,description,status\n"
    first = (header + f"U-1,Bearing,piece,100,10:90,Vòng bi,848210,50,{code},Steel,active\n"
             "U-2,Pump,piece,500,,Máy bơm Ổzyq,841370,5,,,active\n"
             "U-3,Cable,m,20,100:15,,,,,,draft\n").encode()
    _upload(api, vendor, first)
    run_jobs()
    before = _own_products(api, vendor)
    # U-1: only the tiers change; U-2: the name changes, its optional cells left empty; U-3 unchanged; U-4 new
    second = (header + f"U-1,Bearing,piece,100,10:85,Vòng bi,848210,50,{code},Steel,active\n"
              "U-2,Zorblax pump,piece,500,,,,,,,active\n"
              "U-3,Cable,m,20,100:15,,,,,,draft\n"
              "U-4,Bolt,piece,3,,,,,,,draft\n").encode()
    imp = _upload(api, vendor, second)
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["created_count"], result["updated_count"], result["error_count"]) == (1, 2, 0)
    after = _own_products(api, vendor)
    assert after["U-1"]["tier_prices"] == "10:85" and after["U-1"]["category_code"] == code
    assert {k: v for k, v in after["U-1"].items() if k != "tier_prices"} == \
        {k: v for k, v in before["U-1"].items() if k != "tier_prices"}
    assert after["U-2"]["name"] == "Zorblax pump"
    assert (after["U-2"]["name_vi"], after["U-2"]["hs_code"], after["U-2"]["stock_qty"]) == ("Máy bơm Ổzyq", "841370", "5")
    assert after["U-3"] == before["U-3"] and after["U-4"]["unit_price"] == "3"
    # the search text follows the new name and keeps the kept Vietnamese name
    assert {p["sku"] for p in api.get("/products?q=zorblax")["items"]} == {"U-2"}
    assert {p["sku"] for p in api.get("/products?q=ozyq")["items"]} == {"U-2"}
    again = _upload(api, vendor, second)
    run_jobs()
    assert api.get(f"/products/imports/{again['id']}", vendor)["updated_count"] == 0
    assert _own_products(api, vendor) == after


def test_a_crash_in_a_chunk_loses_only_that_chunk_and_the_next_run_resumes(api, app, run_jobs, monkeypatch):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    monkeypatch.setitem(app.config, "PRODUCT_IMPORT_CHUNK_ROWS", 3)
    rows = "".join(f"R-{i},Row {i},piece,{100 + i},1,,,draft\n" if i % 4 else f"R-{i},,piece,100,1,,,draft\n"
                   for i in range(1, 11))
    imp = _upload(api, vendor, (HEADER + rows).encode())
    real_chunk, calls = jobs.import_chunk, []

    def crash_in_the_second_chunk(*args):
        calls.append(1)
        real_chunk(*args)  # the chunk's statements run, then the worker dies before the commit
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(jobs, "import_chunk", crash_in_the_second_chunk)
    with pytest.raises(RuntimeError):
        run_product_import(imp["id"])
    partial = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (partial["status"], partial["rows_done"], partial["created_count"]) == ("running", 3, 3)
    assert set(_own_products(api, vendor)) == {"R-1", "R-2", "R-3"}
    monkeypatch.setattr(jobs, "import_chunk", real_chunk)
    assert run_product_import(imp["id"]) == "done"  # the lease was handed back: this run takes it over
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["rows_done"], result["created_count"], result["error_count"]) == (10, 8, 2)
    assert [(e["row"], e["sku"]) for e in _errors(api, vendor, imp)] == [("5", "R-4"), ("9", "R-8")]
    assert len(_own_products(api, vendor)) == 8
