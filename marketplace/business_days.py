"""Business-day arithmetic on a country's public-holiday calendar (the PyPI ``holidays`` package).

Days are counted in a time zone: a deadline of *n* business days from an instant is the end (local
midnight) of the *n*-th business day after that instant's local date; the starting day never counts.
Weekends (Saturday, Sunday) and the calendar's public holidays are not business days. This module
names no domain: callers pass the calendar and the zone, usually from the app's settings
(``BUSINESS_CALENDAR``, ``DEFAULT_TIMEZONE``) through :func:`deadline_from_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

#: Saturday and Sunday (``date.weekday()``)
WEEKEND = frozenset({5, 6})


def supported_calendars() -> frozenset[str]:
    """The country codes the ``holidays`` package knows (ISO 3166-1 alpha-2)."""
    return frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=32)
def _calendar(country: str) -> holidays.HolidayBase:
    # the holidays object fills in further years on first lookup; the data is fixed per package version,
    # so one cached calendar per process is the same on every host
    return holidays.country_holidays(country)


def holiday_name(day: date, country: str) -> str | None:
    """The public holiday on ``day`` in ``country``, if any.

    :raises NotImplementedError: an unknown calendar (the ``holidays`` package's own error).
    """
    return _calendar(country).get(day)


def is_business_day(day: date, country: str) -> bool:
    """Whether ``day`` is a working day in ``country`` (not a weekend, not a public holiday)."""
    return day.weekday() not in WEEKEND and day not in _calendar(country)


def add_business_days(day: date, n: int, country: str) -> date:
    """The ``n``-th business day after ``day`` (``day`` itself never counts; ``n`` >= 0, 0 gives ``day``).

    :raises ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError("business days must not be negative")
    while n:
        day += timedelta(days=1)
        if is_business_day(day, country):
            n -= 1
    return day


def business_deadline(start: datetime, n: int, country: str, tz: str) -> datetime:
    """The end of the ``n``-th business day after ``start``'s local date in ``tz``, as a UTC instant.

    :raises ValueError: ``start`` is naive, or ``n`` is negative.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    zone = ZoneInfo(tz)
    last = add_business_days(start.astimezone(zone).date(), n, country)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def business_days_between(start: datetime, end: datetime, country: str, tz: str) -> int:
    """How many whole business days lie after ``start``'s local date up to and including ``end``'s."""
    zone = ZoneInfo(tz)
    day, last, count = start.astimezone(zone).date(), end.astimezone(zone).date(), 0
    while day < last:
        day += timedelta(days=1)
        count += is_business_day(day, country)
    return count


def deadline_from_config(start: datetime, n: int, config: Mapping[str, Any]) -> datetime:
    """:func:`business_deadline` on the app's calendar (``BUSINESS_CALENDAR``) and zone (``DEFAULT_TIMEZONE``)."""
    return business_deadline(start, n, config["BUSINESS_CALENDAR"], config["DEFAULT_TIMEZONE"])
