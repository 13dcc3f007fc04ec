"""The built-in carrier's rate card: worked examples computed by hand (chargeable weight, zone, bracket, pallets,
minimum charge, surcharges) and the estimated delivery day in Vietnamese business days; the rates endpoint."""

from __future__ import annotations

import json
from datetime import date

import pytest

from marketplace.settings import SettingsError, load_settings
from marketplace.shipping.carriers import Parcel, RateRequest
from marketplace.shipping.carriers.builtin import RATE_CARD, chargeable_grams, price

#: the settings the card reads (the app's defaults)
CONFIG = {"SHIPPING_VOLUMETRIC_DIVISOR": 5000, "SHIPPING_RATE_CARD_PATH": None, "BUSINESS_CALENDAR": "VN",
          "DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh"}
SHIP_ON = date(2026, 6, 3)  # a Wednesday with no holiday near


def _quote(origin, destination, parcels=(), pallets=0, config=CONFIG, ship_on=SHIP_ON):
    request = RateRequest(origin=origin, destination=destination, parcels=tuple(Parcel(*p) for p in parcels),
                          pallets=pallets, ship_on=ship_on)
    return price(request, config, "manual")


# (origin, destination, parcels [(grams, L, W, H)], pallets) -> zone, {charge code: amount}, total
WORKED = [
    # A. Hà Nội -> Hà Nội: 300 g, 10x10x10 = 1,000 cm³ / 5000 = 200 g volumetric -> 300 g chargeable;
    #    same province, bracket <= 500 g: 18,000; freight 18,000 < minimum 30,000 -> +12,000; fuel 10 % of
    #    30,000 = 3,000. Total 33,000.
    (("VN-HN", "VN-HN", [(300, 10, 10, 10)], 0),
     "same_province", {"parcel": 18_000, "minimum": 12_000, "fuel": 3_000}, 33_000),
    # B. Hà Nội -> Hải Phòng (both north): 1,200 g, 40x30x20 = 24,000 cm³ -> 4,800 g volumetric (wins);
    #    same region, above the 2,000 g bracket (44,000): 2,800 g more = 6 started 500 g steps x 5,000 = 30,000
    #    -> 74,000; fuel 7,400. Total 81,400.
    (("VN-HN", "VN-HP", [(1_200, 40, 30, 20)], 0),
     "same_region", {"parcel": 74_000, "fuel": 7_400}, 81_400),
    # C. TP.HCM -> Hà Nội (south -> north): 2,000 g 20x20x20 (1,600 g volumetric) -> 2,000 g: bracket <= 2,000 g
    #    62,000; 501 g 10x10x10 (200 g) -> 501 g: bracket <= 1,000 g 48,000; freight 110,000; fuel 11,000.
    #    Total 121,000.
    (("VN-SG", "VN-HN", [(2_000, 20, 20, 20), (501, 10, 10, 10)], 0),
     "other_region", {"parcel": 110_000, "fuel": 11_000}, 121_000),
    # D. TP.HCM -> Hà Giang (remote, north): 2 pallets x 2,500,000 = 5,000,000; fuel 500,000; remote area
    #    25,000. Total 5,525,000.
    (("VN-SG", "VN-03", [], 2),
     "other_region", {"pallet": 5_000_000, "fuel": 500_000, "remote_area": 25_000}, 5_525_000),
    # E. Đà Nẵng -> Khánh Hòa (both central): 1 pallet 1,200,000 + 800 g 30x20x10 (6,000 cm³ -> 1,200 g)
    #    -> bracket <= 2,000 g 44,000; freight 1,244,000; fuel 124,400. Total 1,368,400.
    (("VN-DN", "VN-34", [(800, 30, 20, 10)], 1),
     "same_region", {"pallet": 1_200_000, "parcel": 44_000, "fuel": 124_400}, 1_368_400),
    # F. Cần Thơ -> Cần Thơ: exactly 500 g (the bracket's upper bound is inclusive): 18,000, and 2,001 g
    #    (1 g over 2,000: one started step) 28,000 + 3,000 = 31,000; freight 49,000; fuel 4,900. Total 53,900.
    (("VN-CT", "VN-CT", [(500, 1, 1, 1), (2_001, 1, 1, 1)], 0),
     "same_province", {"parcel": 49_000, "fuel": 4_900}, 53_900),
]


@pytest.mark.parametrize(("args", "zone", "charges", "total"), WORKED, ids="ABCDEF")
def test_worked_examples(args, zone, charges, total):
    quote = _quote(*args)
    summed: dict[str, int] = {}
    for line in quote.breakdown:
        summed[line.code] = summed.get(line.code, 0) + line.amount
    assert (quote.zone, summed, quote.amount) == (zone, charges, total)
    assert quote.currency == "VND" and quote.estimate is True


def test_the_volumetric_divisor_is_a_setting():
    # 40x30x20 = 24,000 cm³ / 6000 -> 4,000 g; Hà Nội -> Hải Phòng: 44,000 + 4 steps x 5,000 = 64,000;
    # fuel 6,400 -> 70,400
    assert chargeable_grams(Parcel(1_200, 40, 30, 20), 6000) == 4_000
    assert chargeable_grams(Parcel(1_200, 40, 30, 20), 5000) == 4_800
    assert chargeable_grams(Parcel(1, 7, 7, 7), 5000) == 69  # 343,000 / 5000 = 68.6 g, rounded up
    assert _quote("VN-HN", "VN-HP", [(1_200, 40, 30, 20)],
                  config={**CONFIG, "SHIPPING_VOLUMETRIC_DIVISOR": 6000}).amount == 70_400


@pytest.mark.parametrize(("origin", "destination", "ship_on", "eta"), [
    ("VN-HN", "VN-HN", date(2026, 6, 5), date(2026, 6, 8)),  # Friday + 1 business day: Monday
    # Wednesday 29 April + 2: 30 April and 1 May are holidays, then a weekend -> Tuesday 5 May
    ("VN-HN", "VN-HP", date(2026, 4, 29), date(2026, 5, 5)),
    # Wednesday 3 Feb 2027 + 4: Tết holidays 4-10 Feb -> 11, 12, 15, 16 Feb
    ("VN-SG", "VN-HN", date(2027, 2, 3), date(2027, 2, 16)),
])
def test_transit_days_skip_weekends_and_vietnamese_holidays(origin, destination, ship_on, eta):
    assert _quote(origin, destination, [(100, 1, 1, 1)], ship_on=ship_on).eta == eta


def test_a_lane_or_currency_the_card_does_not_cover_gets_no_quote():
    assert _quote("VN-HN", "XX-99", [(100, 1, 1, 1)]) is None
    request = RateRequest(origin="VN-HN", destination="VN-SG", parcels=(Parcel(100, 1, 1, 1),), currency="USD")
    assert price(request, CONFIG, "manual") is None


def test_a_rate_card_file_replaces_the_packaged_one(tmp_path):
    card = json.loads(json.dumps(RATE_CARD))
    card["minimum_charge"], card["fuel_bps"] = 0, 1_250  # 12.5 %
    card["zones"]["same_province"]["brackets"] = [[1_000, 10_004]]
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    # 10,004 x 12.5 % = 1,250.5 -> 1,251 (half up); total 11,255
    quote = _quote("VN-HN", "VN-HN", [(900, 1, 1, 1)], config={**CONFIG, "SHIPPING_RATE_CARD_PATH": str(path)})
    assert [(c.code, c.amount) for c in quote.breakdown] == [("parcel", 10_004), ("fuel", 1_251)]
    assert quote.amount == 11_255


def test_the_rates_endpoint_prices_for_every_enabled_carrier(api, world):
    body = api.post("/shipping/rates", world.buyer, {
        "origin": "VN-SG", "destination": "VN-HN", "parcels": [
            {"weight_grams": 2_000, "length_cm": 20, "width_cm": 20, "height_cm": 20},
            {"weight_grams": 501, "length_cm": 10, "width_cm": 10, "height_cm": 10}],
        "ship_on": "2027-02-03"}, expect=200)
    [rate] = [r for r in body["rates"] if r["carrier"] == "manual"]
    assert (rate["amount"], rate["currency"], rate["zone"], rate["transit_days"], rate["eta"], rate["estimate"]) == (
        "121000", "VND", "other_region", 4, "2027-02-16", True)
    assert [(c["code"], c["amount"]) for c in rate["breakdown"]] == [
        ("parcel", "62000"), ("parcel", "48000"), ("fuel", "11000")]
    # pallets only; without a ship day the ETA counts from today
    body = api.post("/shipping/rates", world.vendors[0], {"origin": "VN-SG", "destination": "VN-03", "pallets": 2},
                    expect=200)
    assert [r["amount"] for r in body["rates"] if r["carrier"] == "manual"] == ["5525000"]
    # a currency no carrier quotes in: no rates, not an error
    assert api.post("/shipping/rates", world.buyer, {"origin": "VN-SG", "destination": "VN-HN", "pallets": 1,
                                                      "currency": "USD"}, expect=200)["rates"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"origin": "VN-XX", "destination": "VN-HN", "pallets": 1}, "origin"),
    ({"origin": "VN-HN", "pallets": 1}, "destination"),
    ({"origin": "VN-HN", "destination": "VN-SG"}, "parcels"),  # nothing to ship
    ({"origin": "VN-HN", "destination": "VN-SG", "parcels": [{"weight_grams": 0, "length_cm": 1, "width_cm": 1,
                                                               "height_cm": 1}]}, "parcels"),
    ({"origin": "VN-HN", "destination": "VN-SG", "parcels": [{"weight_grams": "5", "length_cm": 1, "width_cm": 1,
                                                               "height_cm": 1}]}, "parcels"),
    ({"origin": "VN-HN", "destination": "VN-SG", "pallets": -1}, "pallets"),
    ({"origin": "VN-HN", "destination": "VN-SG", "pallets": 1, "currency": "XYZ"}, "currency"),
])
def test_bad_rate_requests_are_refused_in_the_envelope(api, world, body, field):
    err = api.post("/shipping/rates", world.buyer, body, expect=422)["error"]
    assert field in err["fields"], err


def test_rates_need_a_login(api):
    api.post("/shipping/rates", None, {"origin": "VN-HN", "destination": "VN-SG", "pallets": 1}, expect=401)


def test_the_rate_card_settings_fail_fast(tmp_path):
    with pytest.raises(SettingsError):
        load_settings({"SHIPPING_RATE_CARD_PATH": str(tmp_path / "missing.json")}, {})
    with pytest.raises(SettingsError):
        load_settings({"SHIPPING_VOLUMETRIC_DIVISOR": "0"}, {})
    assert load_settings({}, {})["SHIPPING_VOLUMETRIC_DIVISOR"] == 5000
