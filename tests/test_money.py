"""Property tests for money: exact parsing and formatting, exact splitting, commission rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.money import (
    BPS_DENOMINATOR,
    MAX_MINOR,
    Money,
    MoneyError,
    allocate,
    commission_for,
    format_amount,
    format_display,
    parse_amount,
)

CURRENCIES = st.sampled_from(["VND", "USD", "KWD"])
EXPONENT = {"VND": 0, "USD": 2, "KWD": 3}
MINOR = st.integers(min_value=-(10**15), max_value=10**15)


@given(MINOR, CURRENCIES)
def test_format_then_parse_is_the_identity(minor, currency):
    text = format_amount(minor, currency)
    assert parse_amount(text, currency) == minor
    decimals = text.partition(".")[2]
    assert len(decimals) == EXPONENT[currency]


@given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=0, max_value=3), CURRENCIES)
def test_parse_accepts_up_to_the_exponent_and_scales_exactly(whole, decimals, currency):
    exp = EXPONENT[currency]
    if decimals > exp:
        return
    frac = "7" * decimals
    text = f"{whole}.{frac}" if decimals else str(whole)
    expected = whole * 10**exp + (int(frac) * 10 ** (exp - decimals) if decimals else 0)
    assert parse_amount(text, currency) == expected


@given(st.integers(min_value=0, max_value=10**9), CURRENCIES, st.integers(min_value=1, max_value=9))
def test_too_many_decimals_are_refused(whole, currency, last_digit):
    exp = EXPONENT[currency]
    text = f"{whole}.{'0' * exp}{last_digit}"
    with pytest.raises(MoneyError):
        parse_amount(text, currency)


@pytest.mark.parametrize("text", ["12.5", "1e3", "1,000", "", " ", "abc", "0x10", "NaN", "Infinity", "1.", ".5", "+5",
                                  "１２３", "٣", "1_000"])
def test_vnd_refuses_anything_but_whole_decimal_strings(text):
    with pytest.raises(MoneyError):
        parse_amount(text, "VND")


@pytest.mark.parametrize("value", [12.5, 1.0, None, True, [1], {"a": 1}])
def test_non_strings_are_refused(value):
    with pytest.raises(MoneyError):
        parse_amount(value, "USD")


@pytest.mark.parametrize("currency", ["VND", "USD", "KWD"])
def test_amounts_beyond_the_limit_are_refused(currency):
    """Nothing that could overflow a BIGINT column (or a sum of them) gets in."""
    assert parse_amount(format_amount(MAX_MINOR, currency), currency) == MAX_MINOR
    assert parse_amount(format_amount(-MAX_MINOR, currency), currency) == -MAX_MINOR
    for minor in (MAX_MINOR + 1, -MAX_MINOR - 1, 10**20):
        with pytest.raises(MoneyError):
            parse_amount(format_amount(minor, currency), currency)
    with pytest.raises(MoneyError):
        parse_amount("9" * 18, currency)


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError):
        parse_amount("1", "XXX")
    with pytest.raises(MoneyError):
        Money(1, "XXX")


@given(st.integers(min_value=-(10**12), max_value=10**12),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(lambda w: sum(w) > 0))
def test_allocate_sums_to_the_total_and_is_deterministic(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert parts == allocate(total, list(weights))
    # zero weight gets nothing
    for part, weight in zip(parts, weights):
        if weight == 0:
            assert part == 0


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=50))
def test_allocate_equal_weights_differ_by_at_most_one_unit(total, n):
    parts = allocate(total, [1] * n)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)  # ties go to the earlier parts


@given(st.integers(min_value=0, max_value=10**12),
       st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8))
def test_allocate_parts_are_within_one_unit_of_the_exact_share(total, weights):
    parts = allocate(total, weights)
    for part, weight in zip(parts, weights):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part) - exact) < 1


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_bad_weights(weights):
    with pytest.raises(MoneyError):
        allocate(100, weights)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=BPS_DENOMINATOR))
def test_commission_plus_vendor_net_is_the_amount_rounded_half_up(amount, bps):
    commission = commission_for(amount, bps)
    vendor_net = amount - commission
    assert commission + vendor_net == amount
    assert 0 <= commission <= amount
    exact = Decimal(amount) * bps / BPS_DENOMINATOR
    assert commission == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_commission_rounding_examples():
    assert commission_for(10, 500) == 1  # 0.5 rounds up
    assert commission_for(9, 500) == 0  # 0.45 rounds down
    assert commission_for(18_000_000, 500) == 900_000
    assert commission_for(0, 500) == 0
    assert commission_for(123, 10_000) == 123


@pytest.mark.parametrize("amount, bps", [(-1, 500), (100, -1), (100, 10_001)])
def test_commission_refuses_bad_input(amount, bps):
    with pytest.raises(MoneyError):
        commission_for(amount, bps)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["vi", "en"]))
def test_vnd_display_never_shows_decimals(minor, locale):
    text = format_display(minor, "VND", locale)
    digits = [c for c in text if c.isdigit()]
    assert "".join(digits) == str(minor)  # no fractional digits appended
    assert "₫" in text


def test_display_examples():
    assert format_display(1_250_000, "VND", "vi").replace("\xa0", " ") == "1.250.000 ₫"
    assert format_display(1_250_000, "VND", "en") == "₫1,250,000"
    assert format_display(1250, "USD", "en") == "$12.50"


def test_money_arithmetic_refuses_mixed_currencies():
    assert Money(150, "USD") + Money(50, "USD") == Money(200, "USD")
    assert Money.parse("12.50", "USD").as_json() == {"amount": "12.50", "currency": "USD"}
    with pytest.raises(MoneyError):
        Money(1, "USD") + Money(1, "VND")
    with pytest.raises(MoneyError):
        Money(1.5, "USD")
