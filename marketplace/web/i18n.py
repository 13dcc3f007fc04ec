"""Language, time zone and the formatting filters every page uses (money, dates, countdowns) through Babel."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pycountry
from babel.numbers import format_decimal
from flask import current_app, g, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from ..money import format_display
from ..settings import LOCALES

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
    """A date or time in the viewer's zone and language."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return format_datetime(value, style)
    return format_date(value, style)


def iso(value: datetime | None) -> str:
    """A machine-readable UTC instant for ``<time datetime=...>`` (the countdown script reads it)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def status_label(value: str | None) -> str:
    """A status or enum value as a translated label (each area registers the values its pages show)."""
    if not value:
        return "—"
    label = STATUS_LABELS.get(str(value))
    return str(label) if label is not None else str(value).replace("_", " ")


#: enum value -> ``lazy_gettext`` label, filled by :func:`register_labels`
STATUS_LABELS: dict[str, object] = {}


def register_labels(labels: dict[str, object]) -> None:
    """Add people-facing labels (``lazy_gettext`` strings) for enum values."""
    STATUS_LABELS.update(labels)


#: common unit codes people type in English, worded in the page's language; other units show as typed
UNIT_LABELS: dict[str, object] = {
    "piece": _l("piece"), "pcs": _l("piece"), "set": _l("set"), "pair": _l("pair"), "box": _l("box"),
    "carton": _l("carton"), "pallet": _l("pallet"), "bag": _l("bag"), "roll": _l("roll"), "sheet": _l("sheet"),
    "pack": _l("pack"), "ton": _l("tonne"), "tonne": _l("tonne"), "litre": _l("litre"), "liter": _l("litre"),
    "metre": _l("metre"), "meter": _l("metre"),
}


def unit_label(value: str | None) -> str:
    """A unit of measure in the page's language when it is one of the common codes (``piece`` -> ``cái``)."""
    if not value:
        return ""
    label = UNIT_LABELS.get(value.strip().lower())
    return str(label) if label is not None else value


def region_name(code: str | None) -> str:
    """An ISO 3166-2 subdivision (``VN-HN``) or ISO 3166-1 country (``VN``) by its name (pycountry's, which for
    Vietnam are the Vietnamese names), e.g. "Hà Nội"; an unknown code shows as it is."""
    if not code:
        return "—"
    found = (pycountry.subdivisions.get(code=code) if "-" in code else pycountry.countries.get(alpha_2=code))
    if found is None:
        return code
    return str(found.name).removesuffix(" Municipality").removesuffix(" City")
