"""A notification's data as one reader reads it: money in the reader's locale, times in the reader's zone.

Notification data is stored as the API speaks (decimal strings for money, ISO 8601 for times) and
formatted only when read, so one fact reads right for every member: ``{total}`` becomes
``1.250.000 ₫`` for a Vietnamese reader and ``₫1,250,000`` for an English one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import current_app, has_app_context

from ..money import MoneyError, format_display, parse_amount
from ..units import format_quantity

#: data keys holding a decimal string of ``data["currency"]`` (formatted with Babel, VND without decimals)
MONEY_KEYS = ("total", "amount", "refunded", "released", "held", "payout", "commission", "max_value",
              "remaining_value")
#: data keys ending like this hold an ISO 8601 time (formatted in the reader's zone)
TIME_SUFFIX = "_at"
#: data keys ending like this hold an ISO 8601 calendar date (a contract's first or last day)
DATE_SUFFIX = "_on"
#: how a calendar date reads, per locale
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
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
#: data key holding a deal's shipping plan, ``[{description, unit, ordered, shipped, remaining}]`` per line: worded
#: as what has shipped and what the vendor still has to ship, a paragraph ending in a blank line (empty when
#: nothing is left to ship)
PLAN_KEY = "shipping_plan"
#: the words of :data:`PLAN_KEY`, per locale
PLAN_WORDS: dict[str, dict[str, str]] = {
    "vi": {"shipped": "Đã gửi: {lines}\n", "left": "Nhà cung cấp còn phải gửi: {lines}\n",
           "line_shipped": "{shipped} trên {ordered} ({item})", "nothing": "chưa có"},
    "en": {"shipped": "Shipped so far: {lines}\n", "left": "Still to ship by the vendor: {lines}\n",
           "line_shipped": "{shipped} of {ordered} ({item})", "nothing": "nothing yet"},
}


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


def format_day(value: str, locale: str) -> str:
    """An ISO 8601 date as the reader reads it; the text unchanged when it is no date."""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(day, DATE_PATTERNS.get(locale, DATE_PATTERNS["en"]), locale=locale)


def format_money(value, currency: str | None, locale: str) -> str:
    """A decimal string of ``currency`` as the reader reads it; the text unchanged when it is no amount."""
    try:
        return format_display(parse_amount(value, currency or ""), currency or "", locale)
    except (MoneyError, TypeError, ValueError):
        return str(value)


def format_plan(plan: list[dict] | None, locale: str) -> str:
    """A shipping plan (:data:`PLAN_KEY`) as the reader reads it: what has shipped of each line and what the vendor
    still has to ship, then a blank line; empty when nothing is left to ship (or no plan is known)."""
    plan = [p for p in plan or () if isinstance(p, dict)]
    if not any(p.get("remaining") for p in plan):
        return ""
    words = PLAN_WORDS.get(locale, PLAN_WORDS["en"])
    shipped = "; ".join(words["line_shipped"].format(shipped=format_decimal(p["shipped"], locale=locale),
                                                     ordered=format_quantity(p.get("ordered"), p.get("unit"), locale),
                                                     item=p.get("description", ""))
                        for p in plan if p.get("shipped"))
    left = "; ".join(f"{format_quantity(p['remaining'], p.get('unit'), locale)} ({p.get('description', '')})"
                     for p in plan if p.get("remaining"))
    return words["shipped"].format(lines=shipped or words["nothing"]) + words["left"].format(lines=left) + "\n"


def reader_values(data: dict, locale: str, zone: str | None = None) -> dict:
    """``data`` with money, times, codes and empty reasons formatted for a reader in ``locale`` and ``zone``."""
    words = WORDS.get(locale, WORDS["en"])
    values = dict(data)
    for key, value in data.items():
        if key in MONEY_KEYS and value is not None:
            values[key] = format_money(value, data.get("currency"), locale)
        elif key.endswith(TIME_SUFFIX) and value:
            values[key] = format_time(value, locale, zone)
        elif key.endswith(DATE_SUFFIX) and value:
            values[key] = format_day(value, locale)
        elif key in WORD_KEYS and isinstance(value, str):
            values[key] = words.get(value, value.upper() if key == "carrier" else value)
        elif key == "reason" and not value:
            values[key] = words["no_reason"]
        elif key == PLAN_KEY:
            values[key] = format_plan(value, locale)
    return values
