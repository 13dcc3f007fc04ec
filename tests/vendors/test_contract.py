"""The vendors API contract: page envelopes with cursors, validated filters, money as decimal strings, nested
field errors, safe upload names and one multipart request body for document uploads."""

import io

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_a_document_named_with_a_path_is_stored_and_served_under_its_base_name(api):
    vendor = api.register("vendor")
    doc = api.upload_document(vendor, content=PDF, filename="../../../../tmp/x.pdf")
    assert doc["filename"] == "x.pdf"
    download = api.call("GET", f"/vendors/{vendor.org_id}/documents/{doc['id']}/file", vendor, expect=200)
    disposition = download.headers["Content-Disposition"]
    assert "x.pdf" in disposition and ".." not in disposition and "/" not in disposition


def test_a_document_with_a_vietnamese_name_is_served_with_an_rfc_6266_filename(api):
    vendor = api.register("vendor")
    doc = api.upload_document(vendor, content=PDF, filename="Giấy phép kinh doanh.pdf")
    download = api.call("GET", f"/vendors/{vendor.org_id}/documents/{doc['id']}/file", vendor, expect=200)
    assert download.get_data() == PDF and download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Gi%E1%BA%A5y%20ph%C3%A9p%20kinh%20doanh.pdf" in disposition
    disposition.encode("latin-1")  # a header a WSGI server can send


def test_csv_downloads_are_named_attachments(api):
    vendor = api.register("vendor")
    imp = api.call("POST", "/products/import", vendor, expect=202, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(b"sku,name,unit,unit_price\nA-1,Thing,piece,100\n"), "c.csv")}).get_json()
    errors = api.call("GET", f"/products/imports/{imp['id']}/errors.csv", vendor, expect=200)
    assert errors.headers["Content-Disposition"] == f"attachment; filename=import-{imp['id']}-errors.csv"
    export = api.call("GET", "/products/export.csv", vendor, expect=200)
    assert export.headers["Content-Disposition"] == "attachment; filename=products.csv"
    assert export.mimetype == "text/csv" and export.get_data().startswith("\ufeffsku,".encode())


def test_an_import_named_with_a_path_keeps_only_its_base_name(api):
    vendor = api.register("vendor")
    imp = api.call("POST", "/products/import", vendor, expect=202, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(b"sku,name,unit,unit_price\nA-1,Thing,piece,100\n"),
                                  "..\\..\\windows\\catalog.csv")}).get_json()
    assert imp["filename"] == "catalog.csv"


def test_document_list_pages_with_a_cursor(api):
    vendor = api.register("vendor")
    ids = [api.upload_document(vendor, content=PDF + bytes([i]), filename=f"d{i}.pdf")["id"] for i in range(3)]
    first = api.get(f"/vendors/{vendor.org_id}/documents?limit=2", vendor)
    assert [d["id"] for d in first["items"]] == ids[:2] and first["next_cursor"]
    second = api.get(f"/vendors/{vendor.org_id}/documents?limit=2&cursor={first['next_cursor']}", vendor)
    assert [d["id"] for d in second["items"]] == ids[2:] and second["next_cursor"] is None


def test_queue_filters_are_validated_and_its_cursor_is_the_shared_kind(api):
    admin = api.platform_admin()
    api.register("vendor")
    api.get("/admin/vendors/verification-queue?status=bogus", admin, expect=422)
    api.get("/admin/vendors/verification-queue?colour=red", admin, expect=422)
    api.get("/admin/vendors/verification-queue?cursor=garbage", admin, expect=422)
    products = api.get("/products?limit=1")
    assert products == {"items": [], "next_cursor": None}
    api.get("/vendors?status=bogus", expect=422)


def test_a_cursor_of_one_list_is_refused_by_another(api):
    admin = api.platform_admin()
    for _ in range(2):
        api.register("vendor")
    queue = api.get("/admin/vendors/verification-queue?limit=1", admin)
    assert queue["next_cursor"]
    body = api.get(f"/vendors?status=unverified&cursor={queue['next_cursor']}", expect=422)
    assert "cursor" in body["error"]["fields"]


def test_price_lists_page_newest_first_with_prices_as_strings(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    product = api.post("/products", vendor, {"sku": "USD-1", "name": "Bearing", "unit": "piece", "currency": "USD",
                                             "status": "active", "price_tiers": [{"min_qty": 1, "unit_price": "2.50"}]},
                       expect=201)
    buyer = api.register("buyer")
    made = [api.post("/price-lists", vendor, {"buyer_org_id": buyer.org_id, "name": f"L{i}", "currency": "USD",
                                              "items": [{"product_id": product["id"], "unit_price": "2.25"}]},
                     expect=201)["id"] for i in range(3)]
    first = api.get("/price-lists?limit=2", buyer)
    assert [p["id"] for p in first["items"]] == made[:0:-1]
    assert first["items"][0]["items"] == [{"product_id": product["id"], "min_qty": 1, "unit_price": "2.25"}]
    rest = api.get(f"/price-lists?limit=2&cursor={first['next_cursor']}", buyer)
    assert [p["id"] for p in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    quote = api.get(f"/products/{product['id']}/price?quantity=4", buyer)
    assert (quote["unit_price"], quote["total"], quote["currency"]) == ("2.25", "9.00", "USD")


def test_money_errors_are_nested_like_the_body(api):
    admin = api.platform_admin()
    vendor = api.verified_vendor(admin)
    body = api.post("/products", vendor, {"sku": "N-1", "name": "x", "unit": "piece",
                                          "price_tiers": [{"min_qty": 1, "unit_price": "1"},
                                                          {"min_qty": 5, "unit_price": "0.5"}]}, expect=422)
    assert set(body["error"]["fields"]) == {"price_tiers"}
    assert "unit_price" in body["error"]["fields"]["price_tiers"]["1"]
    product = api.product(vendor, "N-2", "y")
    body = api.post("/price-lists", vendor, {"buyer_org_id": api.register("buyer").org_id, "name": "x",
                                             "items": [{"product_id": product["id"], "unit_price": "-1"}]}, expect=422)
    assert "unit_price" in body["error"]["fields"]["items"]["0"]
    body = api.get("/products?price_min=1.5", expect=422)
    assert "price_min" in body["error"]["fields"]


def test_public_profile_leaves_out_private_fields_and_the_owner_sees_them(api):
    vendor = api.register("vendor")
    other = api.register("vendor")
    public = api.get(f"/vendors/{vendor.org_id}", other)
    assert "payout_account" not in public and "submitted_at" not in public
    own = api.get(f"/vendors/{vendor.org_id}", vendor)
    assert own["payout_account"] is None and "submitted_at" in own


def test_categories_page_by_code(api):
    admin = api.platform_admin()
    for code in ("C-A", "C-B", "C-C"):
        api.post("/admin/categories", admin, {"code": code, "name_en": code}, expect=201)
    first = api.get("/categories?limit=2")
    assert [c["code"] for c in first["items"]] == ["C-A", "C-B"]
    rest = api.get(f"/categories?limit=2&cursor={first['next_cursor']}")
    assert [c["code"] for c in rest["items"]] == ["C-C"] and rest["next_cursor"] is None


def test_the_document_upload_is_one_multipart_request_body(api):
    spec = api.client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/vendors/{vendor_id}/documents"]["post"]
    assert all(p.get("in") != "formData" for p in post.get("parameters", []))
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert {"kind", "file"} <= set(schema["properties"])
    for path in ("/api/v1/products/export.csv", "/api/v1/products/imports/{import_id}/errors.csv"):
        assert "text/csv" in spec["paths"][path]["get"]["responses"]["200"]["content"]
