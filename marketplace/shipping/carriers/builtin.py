"""The built-in carrier's rate card (data) and its pricing, and its internal tracking numbers with a check digit.

Pricing of a :class:`RateRequest` on a card:

1. zone: ``same_province`` (origin == destination), ``same_region`` (both in one of the card's regions: north,
   central, south) or ``other_region``;
2. per parcel: chargeable weight = max(actual grams, ceil(L x W x H x 1000 / SHIPPING_VOLUMETRIC_DIVISOR) grams);
   the zone's first bracket whose ``max_grams`` holds it, or above the last bracket its price plus ``step_price``
   per started ``step_grams``;
3. per pallet: the zone's ``pallet`` price;
4. the freight (2 + 3) is raised to the card's ``minimum_charge``;
5. fuel surcharge: ``fuel_bps`` of that (basis points, rounded half up to a whole minor unit);
6. remote area: ``remote_area_charge`` once when the destination is in the card's ``remote`` provinces.

Transit is the zone's ``transit_days`` business days on BUSINESS_CALENDAR (Vietnamese holidays) after the ship day.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ...business_days import add_business_days
from ...database import utcnow
from .base import Charge, Parcel, RateQuote, RateRequest

#: ISO 3166-2:VN province codes by region (north, central incl. the Central Highlands, south)
REGIONS: dict[str, tuple[str, ...]] = {
    "north": ("VN-01", "VN-02", "VN-03", "VN-04", "VN-05", "VN-06", "VN-07", "VN-09", "VN-13", "VN-14", "VN-18",
              "VN-20", "VN-53", "VN-54", "VN-56", "VN-61", "VN-63", "VN-66", "VN-67", "VN-68", "VN-69", "VN-70",
              "VN-71", "VN-HN", "VN-HP"),
    "central": ("VN-21", "VN-22", "VN-23", "VN-24", "VN-25", "VN-26", "VN-27", "VN-28", "VN-29", "VN-30", "VN-31",
                "VN-32", "VN-33", "VN-34", "VN-35", "VN-36", "VN-40", "VN-72", "VN-DN"),
    "south": ("VN-37", "VN-39", "VN-41", "VN-43", "VN-44", "VN-45", "VN-46", "VN-47", "VN-49", "VN-50", "VN-51",
              "VN-52", "VN-55", "VN-57", "VN-58", "VN-59", "VN-73", "VN-CT", "VN-SG"),
}
#: every province code the packaged card knows
PROVINCES = frozenset(code for codes in REGIONS.values() for code in codes)

#: the packaged rate card (VND, integer minor units); SHIPPING_RATE_CARD_PATH may name a JSON file of this shape
RATE_CARD: dict[str, Any] = {
    "service": "standard",
    "currency": "VND",
    "regions": REGIONS,
    "zones": {
        # brackets: [max_grams (inclusive), price]; above the last: + step_price per started step_grams
        "same_province": {"transit_days": 1, "brackets": [[500, 18_000], [1_000, 22_000], [2_000, 28_000]],
                          "step_grams": 500, "step_price": 3_000, "pallet": 600_000},
        "same_region": {"transit_days": 2, "brackets": [[500, 28_000], [1_000, 34_000], [2_000, 44_000]],
                        "step_grams": 500, "step_price": 5_000, "pallet": 1_200_000},
        "other_region": {"transit_days": 4, "brackets": [[500, 38_000], [1_000, 48_000], [2_000, 62_000]],
                         "step_grams": 500, "step_price": 8_000, "pallet": 2_500_000},
    },
    "minimum_charge": 30_000,  #: the freight of one shipment is at least this
    "fuel_bps": 1_000,  #: fuel surcharge, basis points of the freight (10 %)
    "remote_area_charge": 25_000,  #: once per shipment to a remote (mountain border) province
    "remote": ["VN-01", "VN-03", "VN-04", "VN-71"],
}


@lru_cache(maxsize=4)
def _card_from(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def rate_card(config: Mapping[str, Any]) -> dict:
    """The card in force: the JSON file at SHIPPING_RATE_CARD_PATH, else the packaged :data:`RATE_CARD`."""
    path = config.get("SHIPPING_RATE_CARD_PATH")
    return _card_from(path) if path else RATE_CARD


def zone_of(card: Mapping[str, Any], origin: str, destination: str) -> str | None:
    """The card's zone between two provinces; None when the card does not know one of them."""
    region = {code: name for name, codes in card["regions"].items() for code in codes}
    if origin not in region or destination not in region:
        return None
    if origin == destination:
        return "same_province"
    return "same_region" if region[origin] == region[destination] else "other_region"


def chargeable_grams(parcel: Parcel, divisor: int) -> int:
    """max(actual weight, volumetric weight L x W x H / divisor kg), in whole grams (volumetric rounded up)."""
    volume = parcel.length_cm * parcel.width_cm * parcel.height_cm
    return max(parcel.weight_grams, -(-volume * 1000 // divisor))


def parcel_price(zone: Mapping[str, Any], grams: int) -> int:
    """The zone's price of one parcel of ``grams`` chargeable weight."""
    for max_grams, price in zone["brackets"]:
        if grams <= max_grams:
            return price
    last_max, last_price = zone["brackets"][-1]
    steps = -(-(grams - last_max) // zone["step_grams"])
    return last_price + steps * zone["step_price"]


def price(request: RateRequest, config: Mapping[str, Any], carrier: str) -> RateQuote | None:
    """The card's quote for ``request`` (None: another currency, or a province the card does not know)."""
    card = rate_card(config)
    zone_name = zone_of(card, request.origin, request.destination)
    if zone_name is None or request.currency != card["currency"]:
        return None
    zone, divisor = card["zones"][zone_name], config["SHIPPING_VOLUMETRIC_DIVISOR"]
    lines: list[Charge] = []
    for n, parcel in enumerate(request.parcels, 1):
        grams = chargeable_grams(parcel, divisor)
        lines.append(Charge("parcel", f"parcel {n}: {grams} g chargeable", parcel_price(zone, grams)))
    if request.pallets:
        lines.append(Charge("pallet", f"{request.pallets} pallet(s) x {zone['pallet']}",
                            request.pallets * zone["pallet"]))
    freight = sum(line.amount for line in lines)
    if freight < card["minimum_charge"]:
        lines.append(Charge("minimum", "raised to the minimum charge", card["minimum_charge"] - freight))
        freight = card["minimum_charge"]
    if card["fuel_bps"]:
        lines.append(Charge("fuel", f"fuel surcharge {card['fuel_bps'] / 100:g}%",
                            (freight * card["fuel_bps"] + 5_000) // 10_000))
    if request.destination in card.get("remote", ()):
        lines.append(Charge("remote_area", "remote area surcharge", card["remote_area_charge"]))
    ship_on = request.ship_on or ship_day(config)
    days = zone["transit_days"]
    return RateQuote(carrier=carrier, service=card["service"], currency=card["currency"],
                     amount=sum(line.amount for line in lines), breakdown=tuple(lines), transit_days=days,
                     eta=add_business_days(ship_on, days, config["BUSINESS_CALENDAR"]), estimate=True, zone=zone_name)


# --- internal tracking numbers -------------------------------------------------------------------------------------

#: prefix of the built-in carrier's own tracking numbers: ``MAN`` + 10 digits + 1 Luhn check digit
TRACKING_PREFIX = "MAN"
TRACKING_DIGITS = 10


def luhn_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # every second digit from the right, counting the check digit to come as position 0
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def make_tracking_number(serial: int | None = None) -> str:
    """A new internal tracking number (a random serial unless given)."""
    body = f"{secrets.randbelow(10 ** TRACKING_DIGITS) if serial is None else serial:0{TRACKING_DIGITS}d}"
    return f"{TRACKING_PREFIX}{body}{luhn_digit(body)}"


def is_internal_number(number: str) -> bool:
    """Is ``number`` in the internal numbering space (the prefix followed by digits only)?"""
    rest = number[len(TRACKING_PREFIX):]
    return number.upper().startswith(TRACKING_PREFIX) and rest.isdigit()


def valid_tracking_number(number: str) -> bool:
    """Is ``number`` a well-formed internal tracking number (length and check digit)?"""
    body = number[len(TRACKING_PREFIX):]
    return (is_internal_number(number) and len(body) == TRACKING_DIGITS + 1
            and luhn_digit(body[:-1]) == body[-1])


def ship_day(config: Mapping[str, Any]) -> date:
    """Today in DEFAULT_TIMEZONE (the ship day of a quote that names none)."""
    return utcnow().astimezone(ZoneInfo(config["DEFAULT_TIMEZONE"])).date()
