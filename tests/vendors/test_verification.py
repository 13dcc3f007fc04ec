"""Vendor onboarding: documents (sniffed type, size limit, hash on disk), profile rules, verification queue."""

import hashlib
from pathlib import Path

from marketplace.statemachine import events_for

from ..factories import valid_tax_code

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _profile(api, vendor, **extra):
    body = {"legal_name": "Công ty TNHH Thử Nghiệm", "tax_code": valid_tax_code(vendor.org_id), **extra}
    return api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json=body, expect=200).get_json()


def test_upload_stores_bytes_content_addressed_with_sha256(api, app):
    vendor = api.register("vendor")
    doc = api.upload_document(vendor, content=PDF, filename="giay-phep.pdf")
    assert doc["kind"] == "business_registration"
    assert doc["content_type"] == "application/pdf"
    assert doc["size_bytes"] == len(PDF)
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    stored = Path(app.config["INSTANCE_PATH"]) / "uploads" / doc["sha256"][:2] / doc["sha256"]
    assert stored.read_bytes() == PDF
    listed = api.get(f"/vendors/{vendor.org_id}/documents", vendor)
    assert [d["id"] for d in listed["items"]] == [doc["id"]] and listed["next_cursor"] is None
    download = api.call("GET", f"/vendors/{vendor.org_id}/documents/{doc['id']}/file", vendor, expect=200)
    assert download.data == PDF


def test_png_and_jpeg_are_accepted_by_their_bytes(api):
    vendor = api.register("vendor")
    assert api.upload_document(vendor, "certification", PNG, "iso9001.png")["content_type"] == "image/png"
    assert api.upload_document(vendor, "tax_certificate", JPEG, "mst.jpg")["content_type"] == "image/jpeg"


def test_an_executable_renamed_pdf_is_refused(api):
    vendor = api.register("vendor")
    body = api.upload_document(vendor, content=b"MZ\x90\x00 this is a windows program", filename="license.pdf", expect=422)
    assert body["error"]["code"] == "unsupported_file_type"
    assert api.get(f"/vendors/{vendor.org_id}/documents", vendor)["items"] == []


def test_content_contradicting_the_extension_is_refused(api):
    vendor = api.register("vendor")
    body = api.upload_document(vendor, content=PNG, filename="scan.pdf", expect=422)
    assert body["error"]["details"] == {"content_type": "image/png", "extension": ".pdf"}
    assert body["error"]["fields"] == {"file": ["the file's content does not match the extension of its name"]}
    assert api.get(f"/vendors/{vendor.org_id}/documents", vendor)["items"] == []


def test_unknown_document_kind_is_refused(api):
    vendor = api.register("vendor")
    body = api.upload_document(vendor, kind="passport", content=PDF, expect=422)
    assert "kind" in body["error"]["fields"]


def test_document_over_the_size_limit_is_refused(api, app, monkeypatch):
    vendor = api.register("vendor")
    monkeypatch.setitem(app.config, "VENDOR_DOCUMENT_MAX_BYTES", 1024)
    body = api.upload_document(vendor, content=PDF + b"0" * 2048, expect=413)
    assert body["error"]["code"] == "too_large"
    assert api.get(f"/vendors/{vendor.org_id}/documents", vendor)["items"] == []


def test_default_size_limit_is_ten_megabytes(api):
    vendor = api.register("vendor")
    api.upload_document(vendor, content=PDF + b"0" * (10 * 1024 * 1024), expect=413)
    api.upload_document(vendor, content=PDF + b"0" * (10 * 1024 * 1024 - len(PDF)), expect=201)


def test_another_vendor_cannot_upload_or_read_documents(api):
    owner, intruder = api.register("vendor"), api.register("vendor")
    doc = api.upload_document(owner)
    api.call("POST", f"/vendors/{owner.org_id}/documents", intruder, expect=404, content_type="multipart/form-data",
             data={"kind": "other", "file": (__import__("io").BytesIO(PDF), "x.pdf")})
    api.get(f"/vendors/{owner.org_id}/documents", intruder, expect=404)
    api.call("GET", f"/vendors/{owner.org_id}/documents/{doc['id']}/file", intruder, expect=404)


def test_submitting_needs_a_business_registration_document(api):
    vendor = api.register("vendor")
    _profile(api, vendor)
    api.upload_document(vendor, "certification", PNG, "iso.png")
    body = api.post(f"/vendors/{vendor.org_id}/verification", vendor, expect=409)
    assert body["error"]["code"] == "profile_incomplete"
    assert "documents" in body["error"]["fields"]
    api.upload_document(vendor, "business_registration", PDF, "dkkd.pdf")
    assert api.post(f"/vendors/{vendor.org_id}/verification", vendor)["verification_status"] == "pending"


def test_vietnamese_tax_code_is_checked_with_its_check_digit(api):
    vendor = api.register("vendor")
    good = valid_tax_code(vendor.org_id)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    body = api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"tax_code": bad}, expect=422).get_json()
    assert "tax_code" in body["error"]["fields"]
    assert _profile(api, vendor)["tax_code"] == good
    branch = api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"tax_code": good + "-001"}, expect=200)
    assert branch.get_json()["tax_code"] == good + "-001"


def test_profile_addresses_categories_and_payout_are_kept_and_payout_stays_private(api):
    admin = api.platform_admin()
    vendor = api.register("vendor")
    category = api.post("/admin/categories", admin, {"code": "PACKAGING", "name_en": "Packaging", "name_vi": "Bao bì"},
                        expect=201)
    body = _profile(api, vendor, addresses=[{"kind": "warehouse", "line1": "12 Đường số 3, KCN Sóng Thần",
                                             "province": "Bình Dương", "region": "VN-57"}],
                    category_ids=[category["id"]], certifications=["ISO 9001"],
                    payout_account={"method": "bank_transfer", "bank_name": "Vietcombank", "account_number": "0071001234567",
                                    "account_holder": "CONG TY TNHH THU NGHIEM"})
    assert body["addresses"][0]["province"] == "Bình Dương"
    assert body["category_ids"] == [category["id"]]
    assert body["payout_account"]["account_number"] == "0071001234567"
    assert "payout_account" not in api.get(f"/vendors/{vendor.org_id}")
    assert api.get(f"/vendors/{vendor.org_id}", admin)["payout_account"]["bank_name"] == "Vietcombank"


def test_incomplete_payout_and_unknown_category_are_refused(api):
    vendor = api.register("vendor")
    body = api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, expect=422,
                    json={"payout_account": {"method": "bank_transfer", "bank_name": "ACB"}}).get_json()
    assert "account_number" in str(body["error"]["fields"])
    body = api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"category_ids": [999999]}, expect=422).get_json()
    assert "category_ids" in body["error"]["fields"]


def test_admin_queue_lists_pending_first_oldest_first(api):
    admin = api.platform_admin()
    vendors = [api.register("vendor") for _ in range(3)]
    for v in vendors:
        _profile(api, v)
        api.upload_document(v)
    api.register("vendor")  # never submitted
    for v in (vendors[1], vendors[0], vendors[2]):
        api.post(f"/vendors/{v.org_id}/verification", v)
    queue = api.get("/admin/vendors/verification-queue", admin)["items"]
    assert [q["id"] for q in queue[:3]] == [vendors[1].org_id, vendors[0].org_id, vendors[2].org_id]
    assert {q["verification_status"] for q in queue[:3]} == {"pending"}
    assert queue[3]["verification_status"] == "unverified"
    page1 = api.get("/admin/vendors/verification-queue?limit=2", admin)
    page2 = api.get(f"/admin/vendors/verification-queue?limit=2&cursor={page1['next_cursor']}", admin)
    assert [q["id"] for q in page1["items"] + page2["items"]] == [q["id"] for q in queue]
    api.get("/admin/vendors/verification-queue", vendors[0], expect=403)


def test_every_decision_is_an_audit_event(api, app):
    admin = api.platform_admin()
    vendor = api.register("vendor")
    _profile(api, vendor)
    api.upload_document(vendor)
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    rejected = api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "reject", "reason": "blurry scan"})
    assert rejected["rejection_reason"] == "blurry scan"
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "suspend", "reason": "fraud report"})
    names = [(e.name, e.to_state, e.actor_role) for e in events_for("vendor", vendor.org_id) if e.to_state]
    assert names == [("submit", "pending", "vendor"), ("reject", "rejected", "admin"), ("submit", "pending", "vendor"),
                     ("verify", "verified", "admin"), ("suspend", "suspended", "admin")]
    assert any(e.name == "document_added" for e in events_for("vendor", vendor.org_id))
