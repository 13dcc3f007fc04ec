"""Bulk catalog import (background job on the bulk queue) and formula-safe export."""

import csv
import io

from openpyxl import Workbook

from marketplace.vendors.jobs import run_product_import

HEADER = "sku,name,unit,unit_price,moq,tier_prices,name_vi,status\n"


def _upload(api, vendor, content: bytes, filename="catalog.csv", expect=202):
    return api.call("POST", "/products/import", vendor, expect=expect, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), filename)}).get_json()


def _errors(api, vendor, imp) -> list[dict]:
    resp = api.call("GET", f"/products/imports/{imp['id']}/errors.csv", vendor, expect=200)
    assert resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def _own_products(api, vendor) -> dict[str, dict]:
    resp = api.call("GET", "/products/export.csv", vendor, expect=200)
    return {r["sku"]: r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff")))}


def _rows(n, start=0, status="active"):
    return "".join(f"SKU-{i:05d},Máy cắt laser {i},set,{1000 + i},1,10:{900 + i},Máy {i},{status}\n"
                   for i in range(start, start + n))


def test_csv_import_runs_on_the_bulk_queue_and_reports_progress(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    imp = _upload(api, vendor, (HEADER + _rows(30)).encode())
    assert imp["status"] == "queued" and imp["rows_done"] == 0
    run_jobs()
    done = api.get(f"/products/imports/{imp['id']}", vendor)
    assert done["status"] == "done"
    assert (done["total_rows"], done["rows_done"], done["created_count"], done["error_count"]) == (30, 30, 30, 0)
    assert done["progress"] == 1.0
    found = api.get("/products?q=may cat laser 7")["items"]
    assert "SKU-00007" in {p["sku"] for p in found}
    product = next(p for p in found if p["sku"] == "SKU-00007")
    assert product["price_tiers"] == [{"min_qty": 1, "unit_price": "1007"}, {"min_qty": 10, "unit_price": "907"}]


def test_reimport_is_idempotent_upsert_by_sku(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    content = (HEADER + _rows(10)).encode()
    _upload(api, vendor, content)
    run_jobs()
    before = _own_products(api, vendor)
    again = _upload(api, vendor, content)
    run_jobs()
    result = api.get(f"/products/imports/{again['id']}", vendor)
    assert (result["created_count"], result["updated_count"], result["error_count"]) == (0, 0, 0)
    assert _own_products(api, vendor) == before
    changed = (HEADER + "SKU-00003,Renamed,set,5000,1,,,active\n").encode()
    third = _upload(api, vendor, changed)
    run_jobs()
    third = api.get(f"/products/imports/{third['id']}", vendor)
    assert third['updated_count'] == 1, [(k, v) for k, v in third.items() if k in ('status', 'rows_done', 'total_rows')]
    after = _own_products(api, vendor)
    assert len(after) == 10 and after["SKU-00003"]["name"] == "Renamed" and after["SKU-00003"]["unit_price"] == "5000"


def test_invalid_rows_are_reported_with_row_number_and_reason(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    content = (HEADER + "OK-1,Good,piece,100,1,,,draft\n"
               "BAD 2,Bad sku,piece,100,1,,,draft\n"
               "OK-3,,piece,100,1,,,draft\n"
               "OK-4,Bad price,piece,12.5,1,,,draft\n"
               "OK-5,Bad moq,piece,100,0,,,draft\n").encode()
    imp = _upload(api, vendor, content)
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["created_count"], result["error_count"]) == (1, 4)
    errors = _errors(api, vendor, imp)
    assert [(e["row"], e["sku"]) for e in errors] == [("3", "BAD 2"), ("4", "OK-3"), ("5", "OK-4"), ("6", "OK-5")]
    assert errors[0]["reason"].startswith("sku:")
    assert errors[1]["reason"].startswith("name:")
    assert "unit_price" in errors[2]["reason"] and "decimals" in errors[2]["reason"]
    assert errors[3]["reason"].startswith("moq:")
    assert set(_own_products(api, vendor)) == {"OK-1"}


def test_unverified_vendor_rows_cannot_publish(api, run_jobs):
    vendor = api.register("vendor")
    imp = _upload(api, vendor, (HEADER + "A-1,Thing,piece,100,1,,,active\nA-2,Thing,piece,100,1,,,draft\n").encode())
    run_jobs()
    errors = _errors(api, vendor, imp)
    assert [e["row"] for e in errors] == ["2"] and "verified" in errors[0]["reason"]
    assert set(_own_products(api, vendor)) == {"A-2"}


def test_wrong_encoding_refuses_the_whole_file(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    content = (HEADER + "OK-1,Good,piece,100,1,,,draft\n").encode() + "OK-2,Máy,piece,100,1,,,draft\n".encode("cp1258")
    imp = _upload(api, vendor, content)
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert result["status"] == "failed" and "UTF-8" in result["failure"]
    assert _errors(api, vendor, imp)[0]["row"] == "3"
    assert _own_products(api, vendor) == {}


def test_utf16_text_is_refused_at_upload(api, run_jobs):
    vendor = api.register("vendor")
    body = _upload(api, vendor, (HEADER + "OK-1,Good,piece,100,1,,,draft\n").encode("utf-16"), expect=422)
    assert body["error"]["code"] == "bad_encoding" and "UTF-8" in body["error"]["message"]
    run_jobs()
    assert _own_products(api, vendor) == {}


def test_missing_columns_refuse_the_whole_file(api, run_jobs):
    vendor = api.register("vendor")
    imp = _upload(api, vendor, b"sku,name,price\nA-1,Thing,100\n")
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert result["status"] == "failed"
    assert "missing columns: unit, unit_price" in result["failure"]
    assert _errors(api, vendor, imp)[0]["row"] == "1"
    assert _own_products(api, vendor) == {}


def test_a_file_over_50_megabytes_is_refused_at_upload(api):
    vendor = api.register("vendor")
    line = b"SKU-X,Filler row that makes the file big,piece,100,1,,,draft\n"
    content = HEADER.encode() + line * (50 * 1024 * 1024 // len(line) + 10)
    assert len(content) > 50 * 1024 * 1024
    body = _upload(api, vendor, content, expect=413)
    assert body["error"]["code"] == "too_large" and "50 MB" in body["error"]["message"]


def test_not_a_spreadsheet_is_refused_at_upload(api):
    vendor = api.register("vendor")
    body = _upload(api, vendor, b"%PDF-1.4 nope", filename="catalog.pdf", expect=422)
    assert body["error"]["code"] == "unsupported_file_type"


def test_formulas_are_text_never_evaluated_and_export_escapes_them(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    content = (HEADER + 'F-1,"=HYPERLINK(""http://evil.test"",""click"")",piece,100,1,,,draft\n'
               "F-2,@SUM(1+1),piece,=1+1,1,,,draft\n"
               "F-3,Normal,piece,100,-5,,,draft\n").encode()
    imp = _upload(api, vendor, content)
    run_jobs()
    errors = {e["sku"]: e["reason"] for e in _errors(api, vendor, imp)}
    assert set(errors) == {"F-2", "F-3"}
    assert "unit_price" in errors["F-2"] and "moq" in errors["F-3"]
    raw = api.call("GET", "/products/export.csv", vendor, expect=200).get_data(as_text=True)
    assert "'=HYPERLINK" in raw
    exported = _own_products(api, vendor)
    assert exported["F-1"]["name"] == "'=HYPERLINK(\"http://evil.test\",\"click\")"
    # the escaped export re-imports to the same literal text
    again = _upload(api, vendor, raw.encode())
    run_jobs()
    assert api.get(f"/products/imports/{again['id']}", vendor)["updated_count"] == 0


def test_error_report_escapes_formulas_too(api, run_jobs):
    vendor = api.register("vendor")
    imp = _upload(api, vendor, (HEADER + "=cmd|' /C calc'!A0,x,piece,1,1,,,draft\n").encode())
    run_jobs()
    raw = api.call("GET", f"/products/imports/{imp['id']}/errors.csv", vendor, expect=200).get_data(as_text=True)
    assert "'=cmd" in raw


def test_duplicate_sku_in_one_file_keeps_the_first_and_reports_the_rest(api, app, run_jobs, monkeypatch):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    monkeypatch.setitem(app.config, "PRODUCT_IMPORT_CHUNK_ROWS", 2)  # duplicates inside and across chunks
    content = (HEADER + "D-1,First,piece,100,1,,,draft\nD-1,Second,piece,200,1,,,draft\n"
               "D-2,Other,piece,100,1,,,draft\nD-1,Third,piece,300,1,,,draft\n").encode()
    imp = _upload(api, vendor, content)
    run_jobs()
    errors = _errors(api, vendor, imp)
    assert [(e["row"], e["sku"]) for e in errors] == [("3", "D-1"), ("5", "D-1")]
    assert all("first on row 2" in e["reason"] for e in errors)
    products = _own_products(api, vendor)
    assert products["D-1"]["name"] == "First" and len(products) == 2


def test_xlsx_import_reads_values_and_keeps_formulas_as_text(api, run_jobs):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    book = Workbook()
    sheet = book.active
    sheet.append(["SKU", "Name", "Unit", "Unit price", "MOQ", "Status"])
    sheet.append(["X-1", "Thép cuộn 3mm", "tonne", 15500000, 5, "active"])
    sheet.append(["X-2", "=1+2", "piece", 100, 1, "draft"])
    sheet.append(["X-3", "Bad", "piece", "=A1*2", 1, "draft"])
    buffer = io.BytesIO()
    book.save(buffer)
    imp = _upload(api, vendor, buffer.getvalue(), filename="catalog.xlsx")
    run_jobs()
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["file_format"], result["created_count"], result["error_count"]) == ("xlsx", 2, 1), result["failure"]
    products = _own_products(api, vendor)
    assert products["X-1"]["unit_price"] == "15500000" and products["X-1"]["moq"] == "5"
    assert products["X-2"]["name"] == "'=1+2"
    assert _errors(api, vendor, imp)[0]["row"] == "4"


def test_import_resumes_from_its_cursor_after_a_partial_run(api, app, run_jobs, monkeypatch):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    monkeypatch.setitem(app.config, "PRODUCT_IMPORT_CHUNK_ROWS", 4)
    imp = _upload(api, vendor, (HEADER + _rows(10)).encode())
    # one slice of one chunk, as if the worker had stopped after its first commit
    assert run_product_import(imp["id"], 1) == "continued"
    partial = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (partial["rows_done"], partial["total_rows"], partial["created_count"]) == (4, 10, 4)
    assert len(_own_products(api, vendor)) == 4
    run_jobs()  # the first job (skipped: already claimed/moved on) and the continuation
    result = api.get(f"/products/imports/{imp['id']}", vendor)
    assert (result["status"], result["rows_done"], result["created_count"], result["error_count"]) == ("done", 10, 10, 0)
    assert len(_own_products(api, vendor)) == 10


def test_another_vendor_cannot_see_an_import(api, run_jobs):
    owner, other = api.register("vendor"), api.register("vendor")
    imp = _upload(api, owner, (HEADER + "A-1,Thing,piece,100,1,,,draft\n").encode())
    api.get(f"/products/imports/{imp['id']}", other, expect=404)
    api.call("GET", f"/products/imports/{imp['id']}/errors.csv", other, expect=404)
    run_jobs()
    assert _own_products(api, other) == {}
