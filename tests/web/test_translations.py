"""The catalogues: every people-facing string has Vietnamese, the compiled files match, formats follow the locale."""

from __future__ import annotations

from datetime import datetime, timezone

from babel.messages.mofile import read_mo
from flask import g
from flask_babel import refresh

from marketplace.web import catalogue, i18n


def test_every_message_has_a_vietnamese_translation():
    assert catalogue.missing("vi") == []


def test_the_compiled_catalogues_hold_every_message():
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue.extract() if m.id}
    for locale in ("vi", "en"):
        with (catalogue.TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
            compiled = read_mo(fh)
        held = {m.id if isinstance(m.id, str) else m.id[0] for m in compiled if m.id and m.string}
        assert wanted <= held, f"{locale}: run `marketplace translations`; missing {sorted(wanted - held)[:5]}"


def test_money_follows_the_page_language_and_vnd_has_no_decimals(app):
    g.pop("session", None)  # no caller: the language comes from the request alone
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        refresh()
        assert i18n.money(1_250_000, "VND") == "1.250.000\xa0₫"
        assert i18n.money(1250, "USD") == "12,50\xa0US$"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert i18n.money(1_250_000, "VND") == "₫1,250,000"
        assert i18n.money(1250, "USD") == "$12.50"


def test_times_are_shown_in_ho_chi_minh_city_by_default(app):
    g.pop("session", None)  # no caller: the platform's default zone
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        shown = i18n.when(datetime(2026, 11, 29, 17, 30, tzinfo=timezone.utc), "short")
    assert "12:30" in shown and "11/30/26" in shown  # UTC+7: already the next morning in Vietnam
