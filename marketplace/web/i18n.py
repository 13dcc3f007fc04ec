"""Language, time zone and the formatting filters every page uses (money, dates, countdowns) through Babel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone

import pycountry
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from flask import current_app, g, request, session
from flask_babel import format_date, format_time, get_locale, get_timezone

from ..money import format_display
from ..settings import LOCALES
from ..units import format_quantity, unit_name

#: the session key of the language a person picked with the switcher
LANG_KEY = "lang"


def select_locale() -> str:
    """The switcher's choice, else the logged-in user's language, else the browser's, else the default."""
    chosen = session.get(LANG_KEY)
    if chosen in LOCALES:
        return chosen
    web_session = g.get("session")
    if web_session is not None and web_session.user.locale in LOCALES:
        return web_session.user.locale
    return request.accept_languages.best_match(LOCALES) or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The user's zone when they chose one, else the platform's default (Asia/Ho_Chi_Minh)."""
    web_session = g.get("session")
    if web_session is not None and web_session.user.timezone:
        return web_session.user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def locale_code() -> str:
    """The current page's language as a plain code (``vi`` / ``en``)."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def money(minor: int | None, currency: str) -> str:
    """Minor units as a person reads them in the page's language (``1.250.000 ₫``; VND never has decimals)."""
    if minor is None:
        return "—"
    return format_display(int(minor), currency, locale_code())


def number(value) -> str:
    """A quantity or count in the page's language (``1.000`` in vi, ``1,000`` in en)."""
    if value is None:
        return "—"
    return format_decimal(value, locale=locale_code())


def when(value: datetime | date | None, style: str = "medium") -> str:
    """A date, or a date and time, in the viewer's zone and language; the date in ``style``, the time always to the
    minute (people never read seconds): ``08:42 30 thg 11, 2026`` / ``Nov 30, 2026, 8:42 AM``."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        day, clock = format_date(value, style), format_time(value, "short")  # both in the viewer's zone
        pattern = get_locale().datetime_formats.get(style) or get_locale().datetime_formats["medium"]
        return str(pattern).replace("{1}", day).replace("{0}", clock)
    return format_date(value, style)


def when_formatter(style: str = "medium") -> Callable[[datetime | None], str]:
    """:func:`when` for a page of many times: the viewer's language, zone and pattern are looked up once, not twice per
    value through the request context (the dispute desk's 50 cases: about 0.1 ms a date). The same Babel calls on the
    same values, so the same text (tests/web/test_page_caches.py holds them equal)."""
    locale, zone = get_locale(), get_timezone()
    pattern = str(locale.datetime_formats.get(style) or locale.datetime_formats["medium"])

    def show(value: datetime | None) -> str:
        if value is None:
            return "—"
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        day = babel_format_date(zone.normalize(value.astimezone(zone)), style, locale=locale)
        return pattern.replace("{1}", day).replace("{0}", babel_format_time(value, "short", tzinfo=zone, locale=locale))
    return show


def iso(value: datetime | None) -> str:
    """A machine-readable UTC instant for ``<time datetime=...>`` (the countdown script reads it)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def status_label(value: str | None, kind: str) -> str:
    """A status or enum value of ``kind`` (``"order"``, ``"deal"``, ``"milestone"``, ...) as a translated label: the
    same value reads differently by what it is the status of (a ``pending`` milestone is not yet payable, a
    ``pending`` vendor waits for review). Templates use the ``status`` filter: ``{{ o.status|status("order") }}``."""
    if not value:
        return "—"
    label = STATUS_LABELS.get((kind, str(value)))
    return str(label) if label is not None else str(value).replace("_", " ")


#: ``(kind, value)`` -> ``lazy_gettext`` label, filled by :func:`register_labels`
STATUS_LABELS: dict[tuple[str, str], object] = {}


def register_labels(kind: str, labels: dict[str, object]) -> None:
    """Add the people-facing labels (``lazy_gettext`` strings) of one kind's values (e.g. ``"order"``)."""
    STATUS_LABELS.update({(kind, str(value)): label for value, label in labels.items()})


def unit_label(value: str | None, count=1) -> str:
    """A unit of measure in the page's language, plural when ``count`` asks for it (``piece`` -> ``pieces`` / ``cái``);
    see :mod:`marketplace.units`."""
    return unit_name(value, locale_code(), count)


def quantity(value, unit: str | None = None) -> str:
    """A quantity with its unit in the page's language (``60 pieces``, ``1 piece``, ``60 cái``)."""
    return format_quantity(value, unit, locale_code())


def region_name(code: str | None) -> str:
    """An ISO 3166-2 subdivision (``VN-HN``) or ISO 3166-1 country (``VN``) by its name (pycountry's, which for
    Vietnam are the Vietnamese names), e.g. "Hà Nội"; an unknown code shows as it is."""
    if not code:
        return "—"
    found = (pycountry.subdivisions.get(code=code) if "-" in code else pycountry.countries.get(alpha_2=code))
    if found is None:
        return code
    return str(found.name).removesuffix(" Municipality").removesuffix(" City")
