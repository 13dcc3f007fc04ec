"""Money: integer minor units plus an ISO 4217 currency; parsing, formatting and exact splitting.

No floats anywhere. The API speaks decimal strings (``"1250000"`` VND, ``"12.50"`` USD) that must
not carry more decimals than the currency's exponent allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency

#: ISO 4217 minor-unit exponents. Currencies absent here are refused.
CURRENCY_EXPONENTS: dict[str, int] = {
    "VND": 0, "JPY": 0, "KRW": 0, "IDR": 2, "USD": 2, "EUR": 2, "GBP": 2, "SGD": 2, "THB": 2,
    "MYR": 2, "PHP": 2, "CNY": 2, "AUD": 2, "CAD": 2, "CHF": 2, "HKD": 2, "TWD": 2, "INR": 2,
    "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

_DECIMAL_RE = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,6})?$")  # ASCII digits only: "１２３" is not an amount

BPS_DENOMINATOR = 10_000
#: the largest amount (minor units) accepted anywhere; sums of many such amounts stay far inside
#: PostgreSQL BIGINT, so an absurd figure is refused as bad input instead of overflowing a column
MAX_MINOR = 10**15


class MoneyError(ValueError):
    """A money value is malformed or mixes currencies."""


def exponent(currency: str) -> int:
    """The number of decimals of ``currency``.

    :raises MoneyError: for an unknown currency code.
    """
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


def parse_amount(text: str | int, currency: str) -> int:
    """Parse a decimal string into minor units, refusing more decimals than the currency has.

    :raises MoneyError: when the text is not a plain decimal, has too many decimals or is too large.
    """
    exp = exponent(currency)
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise MoneyError("amount must be a decimal string")
    text = str(text).strip()
    if not _DECIMAL_RE.match(text):
        raise MoneyError("amount must be a plain decimal string such as \"1250000\" or \"12.50\"")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise MoneyError("amount is not a number") from None
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} allows at most {exp} decimals")
    if abs(scaled) > MAX_MINOR:
        raise MoneyError(f"amount is too large (at most {format_amount(MAX_MINOR, currency)} {currency})")
    return int(scaled)


def format_amount(minor: int, currency: str) -> str:
    """Render minor units as the API's decimal string (``12.50``; VND ``1250000``)."""
    exp = exponent(currency)
    if exp == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}"


def format_display(minor: int, currency: str, locale: str = "vi") -> str:
    """A person-facing amount, e.g. ``1.250.000 ₫`` (vi) or ``₫1,250,000`` (en); VND never shows decimals."""
    exp = exponent(currency)
    value = Decimal(minor).scaleb(-exp)
    return format_currency(value, currency, locale=locale, currency_digits=True)


def commission_for(amount: int, bps: int) -> int:
    """Commission on ``amount`` minor units at ``bps`` basis points.

    Rounding rule: half up to the currency's minor unit (amounts are never negative here), so
    the platform never takes a fraction of the smallest unit; the vendor gets ``amount - commission``.
    """
    if amount < 0 or not 0 <= bps <= BPS_DENOMINATOR:
        raise MoneyError("commission needs a non-negative amount and 0..10000 bps")
    return (amount * bps + BPS_DENOMINATOR // 2) // BPS_DENOMINATOR


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` into parts proportional to ``weights`` that sum exactly to ``total``.

    Largest-remainder method; ties go to the earlier part, so the result is deterministic.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise MoneyError("allocate needs non-negative weights with a positive sum")
    weight_sum = sum(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = [(total * w % weight_sum, -i) for i, w in enumerate(weights)]
    short = total - sum(shares)
    for _, neg_index in sorted(remainders, reverse=True)[:short]:
        shares[-neg_index] += 1
    return shares


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: integer minor units of one currency."""

    minor: int  #: amount in the currency's minor units (VND: đồng; USD: cents)
    currency: str  #: ISO 4217 code

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError("Money.minor must be an int")
        exponent(self.currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> "Money":
        return cls(parse_amount(text, currency), currency)

    def _same(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def as_json(self) -> dict[str, str]:
        return {"amount": format_amount(self.minor, self.currency), "currency": self.currency}

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.currency)} {self.currency}"
