"""The built-in carrier's internal tracking numbers: ``MAN`` + 10 digits + a Luhn (mod 10) check digit, allocated
when the vendor gives none and checked when a vendor types one in."""

from __future__ import annotations

import pytest

from marketplace.shipping.carriers import make_tracking_number, valid_tracking_number
from marketplace.shipping.carriers.builtin import is_internal_number, luhn_digit


@pytest.mark.parametrize(("number", "valid"), [
    ("MAN79927398713", True),  # the textbook Luhn example 7992739871 -> 3
    ("MAN00000000018", True),  # 0000000001: 1 doubled = 2 -> 8
    ("MAN00000000000", True),
    ("MAN79927398710", False),  # wrong check digit
    ("MAN97927398713", False),  # two digits swapped: caught
    ("MAN79927398731", False),  # check digit swapped with its neighbour
    ("MAN7992739871", False),  # too short
    ("MAN799273987130", False),  # too long
    ("MAN", False),
])
def test_check_digit_table(number, valid):
    assert valid_tracking_number(number) is valid


def test_numbers_are_allocated_with_their_check_digit():
    assert luhn_digit("7992739871") == "3"
    assert make_tracking_number(1) == "MAN00000000018"
    assert make_tracking_number(7992739871) == "MAN79927398713"
    numbers = {make_tracking_number() for _ in range(200)}
    assert all(valid_tracking_number(n) and len(n) == 14 for n in numbers)


@pytest.mark.parametrize("number", ["VN-12345", "MANGO-1", "GHN123456", "MAN-1234"])
def test_a_vendors_own_numbers_are_outside_the_internal_space(number):
    assert not is_internal_number(number)


def test_booking_checks_a_typed_internal_number(api, world):
    deal = api.funded_deal(world)
    url, vendor = f"/deals/{deal['id']}/shipments", world.vendors[0]
    err = api.post(url, vendor, {"carrier": "manual", "tracking_number": "MAN79927398710"}, expect=422)["error"]
    assert "tracking_number" in err["fields"]
    assert api.post(url, vendor, {"carrier": "manual", "tracking_number": "MAN79927398713"},
                    expect=201)["tracking_number"] == "MAN79927398713"


def test_a_shipment_without_a_number_gets_a_valid_internal_one(api, world):
    _deal, shipment = api.shipped_deal(world)
    assert valid_tracking_number(shipment["tracking_number"])
    _deal, shipment = api.shipped_deal(world, tracking_number="MANGO-1")  # the vendor's own: kept as typed
    assert shipment["tracking_number"] == "MANGO-1"
