"""A shipment's documents: the label (tracking number as text and barcode, a QR code that decodes to the
tracking page), the packing list and the delivery note, in Vietnamese and English, for the deal's parties and
admins only."""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image, ImageDraw

from marketplace.accounts.models import Organization
from marketplace.shipping import documents
from marketplace.units import unit_name
from marketplace.vendors.models import VendorProfile

KINDS = ("label", "packing-list", "delivery-note")


def _pdf(api, who, shipment_id, kind, lang="vi", expect=200):
    resp = api.call("GET", f"/shipments/{shipment_id}/documents/{kind}?lang={lang}", who, expect=expect)
    if expect == 200:
        assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
        assert f"shipment-{shipment_id}-{kind}-{lang}.pdf" in resp.headers["Content-Disposition"]
    return resp


def _text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _parties(db, world) -> tuple[str, str]:
    buyer = db.session.get(Organization, world.buyer.org_id).name
    profile = db.session.get(VendorProfile, world.vendors[0].org_id)
    return buyer, profile.legal_name or db.session.get(Organization, world.vendors[0].org_id).name


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_document_opens_with_the_tracking_number_parties_and_lines(api, world, db, lang):
    deal, shipment = api.shipped_deal(world, tracking_number="VN-2026-0042")
    buyer, vendor = _parties(db, world)
    texts = {kind: _flat(_text(_pdf(api, who, shipment["id"], kind, lang).data))
             for kind, who in zip(KINDS, (world.vendors[0], world.buyer, world.admin))}
    for kind, text in texts.items():
        assert "VN-2026-0042" in text, kind
        assert _flat(buyer) in text and _flat(vendor) in text, kind
        assert f"#{deal['id']}" in text and f"#{shipment['id']}" in text, kind
    for kind in ("packing-list", "delivery-note"):
        line = deal["lines"][0]
        # the unit in the reader's words ("1.000 cái", "1,000 pieces")
        assert _flat(line["description"]) in texts[kind] and unit_name(line["unit"], lang, 1000) in texts[kind]
        assert ("1.000" if lang == "vi" else "1,000") in texts[kind]  # the quantity, grouped per language
    words = documents.WORDS[lang]
    assert words["label"] in texts["label"] or words["label"].upper() in texts["label"]
    assert words["packing-list"] in texts["packing-list"]
    note = texts["delivery-note"]
    assert words["delivery-note"] in note and words["incoterm"] in note and deal["terms"]["incoterm"] in note
    assert _flat(words["received"]) in note  # the receiver's signature box


def test_the_label_qr_code_decodes_to_the_tracking_page(api, world, app):
    deal, shipment = api.shipped_deal(world, tracking_number="QR-77001")
    url = f"http://localhost/deals/{deal['id']}"
    body = _pdf(api, world.buyer, shipment["id"], "label", "en").data
    assert url in _flat(_text(body))  # the address is printed under the code too
    images = [img for page in pypdf.PdfReader(io.BytesIO(body)).pages for img in page.images]
    assert len(images) == 1  # the QR code, embedded as an image
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)))
    assert [(d.format.name, d.text) for d in decoded] == [("QRCode", url)]
    # with PUBLIC_URL set the code leads there instead
    app.config["PUBLIC_URL"] = "https://cho.example.vn"
    try:
        body = _pdf(api, world.buyer, shipment["id"], "label", "vi").data
    finally:
        app.config["PUBLIC_URL"] = None
    image = pypdf.PdfReader(io.BytesIO(body)).pages[0].images[0]
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))[0].text == \
        f"https://cho.example.vn/deals/{deal['id']}"


def test_the_label_barcode_encodes_the_tracking_number(api, world):
    _deal, shipment = api.shipped_deal(world, tracking_number="bc-123456")
    body = _pdf(api, world.vendors[0], shipment["id"], "label").data
    # the Code 39 bars are filled rectangles in the page's content: draw them and let a decoder read them
    content = pypdf.PdfReader(io.BytesIO(body)).pages[0].get_contents().get_data().decode("latin-1")
    bars = [tuple(map(float, m)) for m in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", content)]
    assert len(bars) >= len("*BC-123456*") * 5  # five bars per character
    scale = 4
    image = Image.new("L", (int(300 * scale), 80 * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, _y, w, _h in bars:
        draw.rectangle([20 * scale + x * scale, 10 * scale, 20 * scale + (x + w) * scale - 1, 60 * scale], fill=0)
    decoded = zxingcpp.read_barcodes(image)
    assert [(d.format.name, d.text) for d in decoded] == [("Code39", "BC-123456")]


def test_only_the_deal_parties_and_admins_get_the_documents(api, world):
    _deal, shipment = api.shipped_deal(world)
    for who in (world.other_buyer, world.vendors[1]):
        for kind in KINDS:
            body = _pdf(api, who, shipment["id"], kind, expect=404).get_json()
            assert body["error"]["code"] == "not_found"
    _pdf(api, world.buyer, shipment["id"], "invoice", expect=404)
    _pdf(api, world.buyer, 10**9, "label", expect=404)
    _pdf(api, world.buyer, shipment["id"], "label", "fr", expect=422)
    api.call("GET", f"/shipments/{shipment['id']}/documents/label", None, expect=401)


def test_a_partial_shipment_lists_its_own_quantities_parcels_and_weight(api, world, db):
    deal = api.funded_deal(world)
    line = deal["lines"][0]
    shipment = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {
        "tracking_number": "PART-001", "lines": [{"deal_line_id": line["id"], "quantity": 400}]}, expect=201)
    details = {"service": "express", "pallets": 1, "parcels": [{"weight_grams": 1200}, {"weight_grams": 800}]}
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE shipments SET details = CAST(:d AS jsonb) WHERE id = :id"),
                     {"d": json.dumps(details), "id": shipment["id"]})
    db.session.expire_all()
    packing = _flat(_text(_pdf(api, world.buyer, shipment["id"], "packing-list", "en").data))
    assert "400" in packing and "1,000" not in packing and "2 + 1 pallet" in packing and "2 kg" in packing
    label = _flat(_text(_pdf(api, world.vendors[0], shipment["id"], "label", "en").data))
    assert "express" in label and "2 kg" in label and "PART-001" in label
