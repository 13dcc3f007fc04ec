"""Matching that reads Vietnamese: accents, syllable pairs, boilerplate, places, units (issue 14, part 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.rfq.vi_text import parse, vietnamese_syllable


def _rfq(api, buyer, title, quantity=100, region="VN-57"):
    rfq = api.post("/rfqs", buyer, {
        "title": title, "delivery_region": region,
        "quote_deadline": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
        "lines": [{"description": title, "quantity": quantity, "unit": "piece"}]}, expect=201)
    return api.post(f"/rfqs/{rfq['id']}/publish", buyer)


def _invited(api, buyer, rfq):
    return [m["vendor_id"] for m in api.get(f"/rfqs/{rfq['id']}/matches?limit=100", buyer)["items"]]


def test_chat_request_keeps_the_goods_and_drops_boilerplate_quantity_and_place():
    q = parse("Cty em cần 8 T thép cuộn phi 8 tại Bình Dương, a/c nào có ib em", 8)
    assert q.terms == ["thep", "cuon", "phi"]
    assert ("thep", "cuon") in q.pairs
    assert q.accented and q.vietnamese
    q = parse("bao gia xi mang PCB40 500 bao giao Thủ Dầu Một")
    assert q.terms == ["xi", "mang", "pcb40"]  # "Thủ Dầu Một" does not bring "dầu" (oil)
    assert ("xi", "mang") in q.pairs and not q.accented
    assert parse("Báo giá keo trám A500 1.500 chai về Thủ Dầu Một").terms == ["keo", "tram", "a500"]
    # a folded word that is also a product word is only boilerplate inside an unambiguous phrase
    assert parse("can mua can dien tu 30kg").terms == ["can", "dien", "tu"]


def test_places_and_cues_need_the_same_accents():
    assert "nang" in parse("máy in đa năng").terms  # not Đà Nẵng
    assert {"tinh", "luyen"} <= set(parse("dầu đậu nành tinh luyện").terms)  # "tinh" is not "tỉnh"
    assert {"ve", "sinh"} <= set(parse("giấy vệ sinh 2 lớp").terms)  # "vệ" is not "về"


def test_the_english_nomenclature_reads_only_english_looking_words():
    q = parse("Cần 20 tấn bột cà phê, có kg, brown sugar")
    assert q.english == ["brown", "sugar"]  # not "tan" (sun tan), "co" (co-axial), "kg"
    assert parse("cereal grains rolled or flaked oats").english == ["cereal", "grains", "rolled", "flaked", "oats"]
    assert vietnamese_syllable("nghieng") and vietnamese_syllable("thep") and not vietnamese_syllable("sugar")


def test_accented_and_unaccented_requests_find_the_same_exact_seller_without_codes(api, run_jobs):
    admin = api.platform_admin()
    exact = api.verified_vendor(admin, ("VN",), "Thép Miền Nam")
    api.product(exact, "HRC-2", "Thép cuộn cán nóng SS400 dày 2.0mm", "15000000", moq=1,
                description="Thép cuộn cán nóng, khổ 1250mm")  # no HS code shown
    sheet = api.verified_vendor(admin, ("VN",), "Tôn Bình Dương")
    api.product(sheet, "TON-1", "Tôn lạnh mạ kẽm", "18000000", moq=1, hs_code="721049")
    valve = api.verified_vendor(admin, ("VN",), "Van công nghiệp")
    api.product(valve, "VAN-1", "Van bi inox cán nóng", "900000", moq=1, hs_code="848180")
    buyer = api.register("buyer")

    accented = _rfq(api, buyer, "Cty em cần 8 T thép cuộn cán nóng tại Bình Dương, a/c nào có ib em", quantity=8)
    folded = _rfq(api, buyer, "can 8 tan thep cuon can nong giao Binh Duong", quantity=8)
    run_jobs()

    for rfq in (accented, folded):
        invited = _invited(api, buyer, rfq)
        assert invited and invited[0] == exact.org_id
    top = api.get(f"/rfqs/{accented['id']}/matches?limit=100", buyer)["items"][0]
    assert top["rationale"]["hs"]["level"] == "uncoded"
    assert "no HS code" in top["rationale"]["summary"]


def test_dinh_means_nails_not_dinh_vi_or_fertiliser(api, run_jobs):
    admin = api.platform_admin()
    nails = api.verified_vendor(admin, ("VN",), "Đinh Thép Việt")
    api.product(nails, "DINH-3", "Đinh thép 3 phân", "25000", moq=1, description="Đinh đóng gỗ, thép carbon")
    gps = api.verified_vendor(admin, ("VN",), "Định vị Sài Gòn")
    api.product(gps, "GPS-1", "Thiết bị định vị GPS", "900000", moq=1, hs_code="852691",
                description="Định vị xe tải, 3 phân khúc")
    fert = api.verified_vendor(admin, ("VN",), "Phân bón Miền Tây")
    api.product(fert, "NPK-1", "Phân bón NPK 16-16-8", "12000", moq=1, hs_code="310520")
    buyer = api.register("buyer")

    rfq = _rfq(api, buyer, "Cần mua đinh 3 phân, 200 kg", quantity=200)
    run_jobs()

    invited = _invited(api, buyer, rfq)
    assert invited[0] == nails.org_id
    assert set(invited[1:]) <= {gps.org_id, fert.org_id}


def test_each_line_of_a_multi_line_request_gets_its_own_candidates(api, run_jobs):
    admin = api.platform_admin()
    steel = [api.verified_vendor(admin, ("VN",), f"Thép {n}") for n in range(3)]
    for n, vendor in enumerate(steel):
        api.product(vendor, f"HRC-{n}", "Thép cuộn cán nóng SS400", "15000000", moq=1, hs_code="720839")
    bearings = api.verified_vendor(admin, ("VN",), "Vòng bi Sài Gòn")
    api.product(bearings, "VB-6205", "Vòng bi 6205 bạc đạn", "18000", moq=1, hs_code="848210")
    buyer = api.register("buyer")
    rfq = api.post("/rfqs", buyer, {
        "title": "Vật tư cho xưởng", "delivery_region": "VN-SG",
        "quote_deadline": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
        "lines": [{"description": "thép cuộn cán nóng", "quantity": 10, "unit": "piece"},
                  {"description": "vòng bi 6205", "quantity": 10, "unit": "piece"}]}, expect=201)
    rfq = api.post(f"/rfqs/{rfq['id']}/publish", buyer)
    run_jobs()

    matches = api.get(f"/rfqs/{rfq['id']}/matches?limit=100", buyer)["items"]
    by_vendor = {m["vendor_id"]: m for m in matches}
    assert [m["vendor_id"] for m in matches][:2] in ([steel[0].org_id, bearings.org_id],
                                                     [bearings.org_id, steel[0].org_id])
    assert by_vendor[bearings.org_id]["rationale"]["lines"] == [2]
    assert all(by_vendor[v.org_id]["rationale"]["lines"] == [1] for v in steel)
    assert "can serve line 2" in by_vendor[bearings.org_id]["rationale"]["summary"]
