"""A notification's data as one reader reads it: money in the reader's locale, times in the reader's zone.

Notification data is stored as the API speaks (decimal strings for money, ISO 8601 for times) and
formatted only when read, so one fact reads right for every member: ``{total}`` becomes
``1.250.000 ₫`` for a Vietnamese reader and ``₫1,250,000`` for an English one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import current_app, has_app_context

from ..money import MoneyError, format_display, parse_amount

#: data keys holding a decimal string of ``data["currency"]`` (formatted with Babel, VND without decimals)
MONEY_KEYS = ("total", "amount", "refunded", "released", "held", "payout", "commission")
#: data keys ending like this hold an ISO 8601 time (formatted in the reader's zone)
TIME_SUFFIX = "_at"
#: how a time reads, per locale (the zone's offset is always shown: readers sit in different zones)
TIME_PATTERNS = {"vi": "HH:mm 'ngày' dd/MM/yyyy (ZZZZ)", "en": "d MMM yyyy, HH:mm (ZZZZ)"}
#: words for values that are codes in the data, per locale
WORDS: dict[str, dict[str, str]] = {
    "vi": {"buyer": "bên mua", "vendor": "nhà cung cấp", "platform": "quản trị viên nền tảng",
           "no_reason": "(không nêu lý do)", "manual": "nhà cung cấp tự giao"},
    "en": {"buyer": "the buyer", "vendor": "the vendor", "platform": "a platform admin",
           "no_reason": "(no reason given)", "manual": "the vendor's own delivery"},
}
#: data keys whose value is a code from :data:`WORDS` (a carrier without words: its code in capitals)
WORD_KEYS = ("by", "carrier")


def reader_zone(zone: str | None) -> ZoneInfo:
    """The reader's time zone: theirs, else the platform's ``DEFAULT_TIMEZONE``, else UTC."""
    for name in (zone, current_app.config.get("DEFAULT_TIMEZONE") if has_app_context() else None, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def format_time(value: str | datetime, locale: str, zone: str | None = None) -> str:
    """An ISO 8601 time (or a datetime) as the reader reads it; the text unchanged when it is no time."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    pattern = TIME_PATTERNS.get(locale, TIME_PATTERNS["en"])
    return format_datetime(moment, pattern, tzinfo=reader_zone(zone), locale=locale)


def format_money(value, currency: str | None, locale: str) -> str:
    """A decimal string of ``currency`` as the reader reads it; the text unchanged when it is no amount."""
    try:
        return format_display(parse_amount(value, currency or ""), currency or "", locale)
    except (MoneyError, TypeError, ValueError):
        return str(value)


def reader_values(data: dict, locale: str, zone: str | None = None) -> dict:
    """``data`` with money, times, codes and empty reasons formatted for a reader in ``locale`` and ``zone``."""
    words = WORDS.get(locale, WORDS["en"])
    values = dict(data)
    for key, value in data.items():
        if key in MONEY_KEYS and value is not None:
            values[key] = format_money(value, data.get("currency"), locale)
        elif key.endswith(TIME_SUFFIX) and value:
            values[key] = format_time(value, locale, zone)
        elif key in WORD_KEYS and isinstance(value, str):
            values[key] = words.get(value, value.upper() if key == "carrier" else value)
        elif key == "reason" and not value:
            values[key] = words["no_reason"]
    return values
