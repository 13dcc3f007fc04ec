"""Quantities with their unit of measure as people read them: ``60 pieces`` / ``1 piece`` in English, ``60 cái`` in
Vietnamese (which has no plural). One helper for pages (the ``quantity`` and ``unit`` filters), e-mails and PDFs.

Units are free text typed by vendors and buyers; the common ones (English codes such as ``piece``/``pcs``, or
their Vietnamese words) are worded in the reader's language, anything else shows as typed.
"""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal

#: canonical unit -> (English singular, English plural, Vietnamese)
UNITS: dict[str, tuple[str, str, str]] = {
    "piece": ("piece", "pieces", "cái"),
    "set": ("set", "sets", "bộ"),
    "pair": ("pair", "pairs", "đôi"),
    "box": ("box", "boxes", "hộp"),
    "carton": ("carton", "cartons", "thùng"),
    "pallet": ("pallet", "pallets", "pallet"),
    "bag": ("bag", "bags", "bao"),
    "roll": ("roll", "rolls", "cuộn"),
    "sheet": ("sheet", "sheets", "tấm"),
    "pack": ("pack", "packs", "gói"),
    "tonne": ("tonne", "tonnes", "tấn"),
    "litre": ("litre", "litres", "lít"),
    "metre": ("metre", "metres", "mét"),
    "kg": ("kg", "kg", "kg"),
}

#: what people type -> the canonical unit (lower case, trimmed); the canonical names map to themselves
ALIASES: dict[str, str] = {
    **{name: name for name in UNITS},
    **{plural: name for name, (_one, plural, _vi) in UNITS.items()},
    **{vi: name for name, (_one, _plural, vi) in UNITS.items()},
    "pcs": "piece", "pc": "piece", "chiếc": "piece", "ton": "tonne", "tons": "tonne", "liter": "litre",
    "liters": "litre", "l": "litre", "meter": "metre", "meters": "metre", "m": "metre", "kgs": "kg",
    "kilogram": "kg", "kilograms": "kg",
}


def _plural_category(quantity, locale: str) -> str:
    """CLDR's plural category of ``quantity`` in ``locale`` (``one`` / ``other``; Vietnamese is always ``other``)."""
    try:
        return Locale.parse(locale).plural_form(abs(Decimal(str(quantity))))
    except (ValueError, ArithmeticError):
        return "other"


def unit_name(unit: str | None, locale: str, quantity=1) -> str:
    """``unit`` in ``locale``, in its plural form when ``quantity`` asks for one (``piece`` -> ``pieces`` for 60 in
    English, ``cái`` in Vietnamese); a unit not in the table shows as typed."""
    if not unit:
        return ""
    canonical = ALIASES.get(unit.strip().lower())
    if canonical is None:
        return unit
    one, other, vi = UNITS[canonical]
    if str(locale).startswith("vi"):
        return vi
    return one if _plural_category(quantity, locale) == "one" else other


def format_quantity(quantity, unit: str | None, locale: str) -> str:
    """A quantity with its unit in ``locale``: ``1.000 cái`` (vi), ``1,000 pieces`` / ``1 piece`` (en)."""
    if quantity is None:
        return "—"
    number = format_decimal(quantity, locale=locale)
    name = unit_name(unit, locale, quantity)
    return f"{number} {name}" if name else number
