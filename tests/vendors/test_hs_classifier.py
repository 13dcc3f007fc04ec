"""HS codes inferred for listings that show none, and suggested to vendors (issue 14, part 2).

The classifier learns from the listings that carry a six-digit code; a training run is queued by the
sweeper and run by a real RQ worker, as on a live marketplace.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.vendors.models import HsModel, Product, ProductHsInference
from marketplace.vendors.services.hs_classifier import import_hs_summary
from tests.factories import sweep_and_work

#: (HS subheading, listings written the way vendors write them): four kinds of goods, coded
CODED = {
    "721049": ["Tôn lạnh mạ kẽm 0.4mm", "Tôn kẽm cuộn mạ kẽm Hoa Sen", "Thép tấm mạ kẽm dày 1.2mm",
               "Tôn mạ kẽm khổ 1200", "Tôn lạnh mạ kẽm màu xanh", "Thép lá mạ kẽm cuộn"],
    "848210": ["Vòng bi 6205 bạc đạn", "Bạc đạn cầu 6204 ZZ", "Vòng bi cầu SKF 6305", "Vòng bi bạc đạn NSK 6206",
               "Bạc đạn 6201 2RS chặn bụi", "Vòng bi cầu một dãy 6308"],
    "310520": ["Phân bón NPK 16-16-8", "Phân NPK 20-20-15 Bình Điền", "Phân bón hỗn hợp NPK 15-15-15",
               "Phân bón NPK Đầu Trâu", "NPK 16-16-8 bao 50kg", "Phân bón NPK cho lúa"],
    "252329": ["Xi măng PCB40 Hà Tiên", "Xi măng Portland PCB30", "Xi măng Nghi Sơn PCB40 bao 50kg",
               "Xi măng xây dựng PCB40", "Xi măng bao Insee PCB40", "Xi măng rời PC50"],
}


def _catalog(api, admin):
    """Three vendors listing coded goods, and one that sells bearings and shows no code at all."""
    vendors = [api.verified_vendor(admin, ("VN",), f"Coded {n}") for n in range(3)]
    for code, names in CODED.items():
        for i, name in enumerate(names):
            api.product(vendors[i % 3], f"{code}-{i}", name, "100000", hs_code=code)
    uncoded = api.verified_vendor(admin, ("VN",), "Vòng bi Không Mã")
    bearing = api.product(uncoded, "VB-6203", "Vòng bi bạc đạn 6203 ZZ", "20000")
    cement = api.product(uncoded, "XM-1", "Xi măng PCB40 bao 50kg", "90000")
    return vendors, uncoded, bearing, cement


def _trained(db, run_jobs) -> HsModel:
    sweep_and_work(db, run_jobs)  # the sweeper queues the first training run; a worker runs it
    db.session.remove()
    model = db.session.execute(select(HsModel).order_by(HsModel.id.desc())).scalars().first()
    assert model is not None
    return model


def test_training_learns_from_coded_listings_and_infers_the_uncoded_apart_from_the_vendors_code(
        api, db, run_jobs):
    admin = api.platform_admin()
    _, uncoded, bearing, cement = _catalog(api, admin)

    model = _trained(db, run_jobs)
    assert model.products == 24 and model.classes == 4
    assert 1 <= model.temperature
    inferred = {i.product_id: i for i in db.session.execute(select(ProductHsInference)).scalars()}
    assert set(inferred) == {bearing["id"], cement["id"]}  # only the listings without a code
    assert inferred[bearing["id"]].hs_code == "848210"
    assert inferred[cement["id"]].hs_code == "252329"
    assert 0.5 < inferred[bearing["id"]].confidence <= 1
    # the vendor's own code is untouched: only the vendor writes it
    assert db.session.get(Product, bearing["id"]).hs_code is None

    shown = api.get(f"/products/{bearing['id']}/hs-suggestion", uncoded)
    assert shown["hs_code"] == "848210" and shown["shown_code"] is None
    assert shown["description"] and 0.5 < shown["confidence"] <= 1
    # another vendor cannot read it
    other = api.verified_vendor(admin, ("VN",), "Other")
    api.get(f"/products/{bearing['id']}/hs-suggestion", other, expect=404)


def test_a_vendor_is_offered_codes_for_a_new_listing_and_accepts_or_corrects_them(api, db, run_jobs):
    admin = api.platform_admin()
    vendors, uncoded, bearing, _ = _catalog(api, admin)
    _trained(db, run_jobs)

    # before listing: the text alone
    body = api.post("/products/hs-suggestions", vendors[0], {"name": "Bạc đạn 6305 2RS", "limit": 2})
    assert body["suggestions"][0]["hs_code"] == "848210" and body["suggestions"][0]["confidence"] > 0.5
    assert body["model"]["products"] == 24
    # a text with words of two kinds: both offered, best first; within a chapter the vendor knows, only that
    mixed = api.post("/products/hs-suggestions", vendors[0], {"name": "Vòng bi 6205 bao xi măng"})["suggestions"]
    assert {s["hs_code"] for s in mixed} >= {"848210", "252329"}
    assert [s["confidence"] for s in mixed] == sorted((s["confidence"] for s in mixed), reverse=True)
    within = api.post("/products/hs-suggestions", vendors[0], {"name": "Vòng bi 6205 bao xi măng", "within": "25"})
    assert [s["hs_code"] for s in within["suggestions"]] == ["252329"]
    assert within["suggestions"][0]["confidence"] > mixed[[s["hs_code"] for s in mixed].index("252329")]["confidence"]
    # bad input: a clear 422 in the envelope
    err = api.post("/products/hs-suggestions", vendors[0], {"name": "", "within": "8"}, expect=422)
    assert set(err["error"]["fields"]) == {"name", "within"}

    # a listing saved without a code gets its suggestion at once (no training run needed)
    fresh = api.product(vendors[1], "NEW-1", "Vòng bi cầu 6310", "50000")
    assert api.get(f"/products/{fresh['id']}/hs-suggestion", vendors[1])["hs_code"] == "848210"
    # the vendor accepts it: it becomes the listing's own code, and the suggestion is gone
    accepted = api.post(f"/products/{fresh['id']}/hs-suggestion/accept", vendors[1])
    assert accepted["hs_code"] == "848210"
    api.get(f"/products/{fresh['id']}/hs-suggestion", vendors[1], expect=404)
    api.post(f"/products/{fresh['id']}/hs-suggestion/accept", vendors[1], expect=404)
    # or corrects it by writing its own code, which also drops the suggestion
    api.call("PATCH", f"/products/{bearing['id']}", uncoded, json={"hs_code": "848220"}, expect=200)
    api.get(f"/products/{bearing['id']}/hs-suggestion", uncoded, expect=404)
    assert db.session.get(ProductHsInference, bearing["id"]) is None


def test_an_exact_seller_without_codes_is_invited_by_its_inferred_subheading(api, db, run_jobs):
    admin = api.platform_admin()
    _, uncoded, _, _ = _catalog(api, admin)
    _trained(db, run_jobs)
    buyer = api.register("buyer")
    rfq = api.post("/rfqs", buyer, {
        "title": "Cần mua vòng bi 6203 ZZ, 500 cái", "delivery_region": "VN-SG",
        "quote_deadline": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
        "lines": [{"description": "vòng bi 6203 ZZ", "quantity": 500, "unit": "piece"}]}, expect=201)
    rfq = api.post(f"/rfqs/{rfq['id']}/publish", buyer)
    run_jobs()

    matches = api.get(f"/rfqs/{rfq['id']}/matches?limit=100", buyer)["items"]
    top = matches[0]
    assert top["vendor_id"] == uncoded.org_id  # its listing's words fit best and its code is inferred
    assert top["rationale"]["hs"]["level"] == "subheading"
    assert top["rationale"]["hs"]["inferred"] is True
    assert "inferred from its listings' text" in top["rationale"]["summary"]


def test_an_imported_catalog_gets_suggestions_for_its_uncoded_rows(api, db, run_jobs):
    admin = api.platform_admin()
    vendors, _, _, _ = _catalog(api, admin)
    _trained(db, run_jobs)
    catalog = ("sku,name,unit,unit_price,hs_code\n"
               "IMP-1,Vòng bi cầu 6312,piece,100,\n"
               "IMP-2,Phân bón NPK 20-20-15 bao 25kg,piece,100,\n"
               "IMP-3,Xi măng PCB40 rời,piece,100,252329\n").encode()
    imp = api.call("POST", "/products/import", vendors[0], expect=202, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(catalog), "catalog.csv")}).get_json()
    run_jobs()  # the import, then the suggestions for what it wrote
    assert api.get(f"/products/imports/{imp['id']}", vendors[0])["status"] == "done"
    db.session.remove()
    ids = dict(db.session.execute(select(Product.sku, Product.id).where(Product.last_import_id == imp["id"])).all())
    inferred = {i.product_id: i.hs_code for i in db.session.execute(select(ProductHsInference)).scalars()}
    assert inferred[ids["IMP-1"]] == "848210" and inferred[ids["IMP-2"]] == "310520"
    assert ids["IMP-3"] not in inferred  # it carries its own code
    assert import_hs_summary(imp["id"]) == {"missing": 2, "suggested": 2}
