"""Evidence over HTTP: uploads judged by their bytes, kept by SHA-256, immutable, seen by both parties and the
platform and by nobody else; the bundle ZIP whose manifest verifies."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa

from ..factories import assert_ledger_sound

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n% packing list of deal\n%%EOF\n"


def _disputed(api, world) -> tuple[dict, dict]:
    deal, _ = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third of the bearings arrived rusted"}, expect=201)
    return deal, dispute


def _upload(api, who, dispute_id, content, filename, expect=201, description="photo of the rust"):
    resp = api.call("POST", f"/disputes/{dispute_id}/evidence", who, expect=expect, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), filename), "description": description})
    return resp.get_json()


def test_an_upload_is_kept_by_its_sha256_and_both_sides_see_it(api, world):
    _, dispute = _disputed(api, world)
    did = dispute["id"]
    photo = _upload(api, world.buyer, did, PNG, "rust.png")
    assert photo["sha256"] == hashlib.sha256(PNG).hexdigest() and photo["size_bytes"] == len(PNG)
    assert (photo["kind"], photo["party"], photo["content_type"]) == ("upload", "buyer", "image/png")
    packing = _upload(api, world.vendors[0], did, PDF, "phiếu đóng gói.pdf", description="packing list")
    assert packing["party"] == "vendor" and packing["filename"] == "phiếu đóng gói.pdf"
    admin_note = _upload(api, world.admin, did, PDF, "inspection.pdf")
    assert admin_note["party"] == "platform"
    for who in (world.buyer, world.vendors[0], world.admin):
        items = api.get(f"/disputes/{did}/evidence", who)["items"]
        assert [p["id"] for p in items if p["kind"] == "upload"] == [photo["id"], packing["id"], admin_note["id"]]
        got = api.call("GET", f"/disputes/{did}/evidence/{photo['id']}/file", who, expect=200)
        assert got.get_data() == PNG and got.mimetype == "image/png"
    # the upload is on the case's timeline
    events = api.get(f"/disputes/{did}/events", world.vendors[0])["items"]
    assert next(e["payload"]["sha256"] for e in events if e["name"] == "evidence_added") == photo["sha256"]


def test_content_sniffing_refuses_a_png_that_is_a_pdf_and_non_documents(api, world):
    _, dispute = _disputed(api, world)
    mismatch = _upload(api, world.buyer, dispute["id"], PDF, "photo.png", expect=422)
    assert mismatch["error"]["code"] == "unsupported_file_type" and list(mismatch["error"]["fields"]) == ["file"]
    script = _upload(api, world.buyer, dispute["id"], b"#!/bin/sh\nrm -rf /\n", "notes.pdf", expect=422)
    assert script["error"]["code"] == "unsupported_file_type"
    items = api.get(f"/disputes/{dispute['id']}/evidence", world.buyer)["items"]
    assert [p for p in items if p["kind"] == "upload"] == []


def test_uploads_over_the_limit_are_413(api, world, app):
    _, dispute = _disputed(api, world)
    big = PDF + b"0" * app.config["DISPUTE_EVIDENCE_MAX_BYTES"]
    assert _upload(api, world.buyer, dispute["id"], big, "big.pdf", expect=413)["error"]["code"] == "too_large"


def test_another_organisation_never_sees_the_evidence(api, world):
    _, dispute = _disputed(api, world)
    did = dispute["id"]
    photo = _upload(api, world.buyer, did, PNG, "rust.png")
    for who in (world.other_buyer, world.vendors[1]):
        api.get(f"/disputes/{did}/evidence", who, expect=404)
        api.call("GET", f"/disputes/{did}/evidence/{photo['id']}/file", who, expect=404)
        api.call("GET", f"/disputes/{did}/bundle", who, expect=404)
        _upload(api, who, did, PNG, "mine.png", expect=404)
    # a piece of another case is not this case's
    _, other = _disputed(api, world)
    api.call("GET", f"/disputes/{other['id']}/evidence/{photo['id']}/file", world.buyer, expect=404)


def test_evidence_is_immutable(api, world, db):
    _, dispute = _disputed(api, world)
    photo = _upload(api, world.buyer, dispute["id"], PNG, "rust.png")
    for sql in ("UPDATE dispute_evidence SET sha256 = 'x' WHERE id = :id",
                "DELETE FROM dispute_evidence WHERE id = :id"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(sql), {"id": photo["id"]})
    # there is no endpoint that changes or deletes it
    url = f"/disputes/{dispute['id']}/evidence/{photo['id']}/file"
    assert api.call("DELETE", url, world.buyer).status_code == 405
    assert api.get(f"/disputes/{dispute['id']}/evidence", world.buyer)["items"][-1]["sha256"] == photo["sha256"]


def test_no_new_evidence_once_decided(api, world, run_jobs, db):
    _, dispute = _disputed(api, world)
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    refused = _upload(api, world.vendors[0], dispute["id"], PNG, "late.png", expect=409)
    assert refused["error"]["code"] == "already_decided"
    run_jobs()
    assert_ledger_sound(db)


def test_the_bundle_zip_verifies_against_its_manifest(api, world):
    _, dispute = _disputed(api, world)
    did = dispute["id"]
    photo = _upload(api, world.buyer, did, PNG, "rust.png")
    _upload(api, world.vendors[0], did, PDF, "packing.pdf")
    api.post(f"/disputes/{did}/messages", world.vendors[0], {"body": "Chúng tôi đề nghị hoàn 30%"}, expect=201)
    for who, lang in ((world.buyer, "vi"), (world.vendors[0], "en"), (world.admin, "vi")):
        resp = api.call("GET", f"/disputes/{did}/bundle?lang={lang}", who, expect=200)
        assert resp.mimetype == "application/zip"
        assert f"dispute-{did}-evidence.zip" in resp.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(resp.get_data()))
        names = archive.namelist()
        assert names[0] == "summary.pdf" and names[-1] == "manifest.sha256"
        assert {"records/terms.json", "records/payments.json", "records/shipments.json", "records/delivery.json",
                f"evidence/{photo['id']}-rust.png"} <= set(names)
        manifest = archive.read("manifest.sha256").decode()
        listed = {}
        for line in manifest.splitlines():
            digest, path = line.split("  ", 1)
            listed[path] = digest
        assert set(listed) == set(names) - {"manifest.sha256"}
        for path, digest in listed.items():
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
        assert archive.read(f"evidence/{photo['id']}-rust.png") == PNG
        assert listed[f"evidence/{photo['id']}-rust.png"] == photo["sha256"]
        assert archive.read("summary.pdf").startswith(b"%PDF-")
    api.call("GET", f"/disputes/{did}/bundle?lang=fr", world.buyer, expect=422)
