"""The catalogues: every people-facing string has Vietnamese, the compiled files match, formats follow the locale."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone
from decimal import Decimal

from babel.messages.mofile import read_mo
from flask import g, render_template_string
from flask_babel import gettext, refresh

from marketplace import units
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


def test_times_are_shown_to_the_minute_never_with_seconds(app):
    g.pop("session", None)
    moment = datetime(2026, 11, 29, 17, 30, 45, tzinfo=UTC)
    for lang in ("vi", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()
            for style in ("short", "medium", "long", "full"):
                shown = i18n.when(moment, style)
                assert "00:30" in shown or "12:30" in shown, (lang, style, shown)
                assert not re.search(r"\d:\d\d:\d\d", shown) and "45" not in shown, (lang, style, shown)
            assert i18n.when(moment) == i18n.when(moment, "medium")


def test_quantities_with_units_are_worded_and_pluralised_in_english_only(app):
    assert units.format_quantity(1, "piece", "en") == "1 piece"
    assert units.format_quantity(60, "piece", "en") == "60 pieces"
    assert units.format_quantity(1000, "pcs", "en") == "1,000 pieces"
    assert units.format_quantity(Decimal("1.5"), "Tonne", "en") == "1.5 tonnes"
    assert units.format_quantity(60, "piece", "vi") == "60 cái"
    assert units.format_quantity(1000, "boxes", "vi") == "1.000 hộp"
    assert units.format_quantity(2, "cái", "en") == "2 pieces"  # a Vietnamese unit word, read in English
    assert units.format_quantity(3, "m3", "en") == "3 m3"  # not in the table: as typed
    assert units.unit_name("piece", "en") == "piece" and units.unit_name("", "en") == ""
    g.pop("session", None)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert i18n.quantity(60, "piece") == "60 pieces" and i18n.unit_label("box", 2) == "boxes"
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        refresh()
        assert i18n.quantity(60, "piece") == "60 cái" and i18n.unit_label("box", 2) == "hộp"


def test_status_labels_are_keyed_by_kind_and_value(app):
    g.pop("session", None)
    expected = {("milestone", "pending"): "Not yet payable", ("verification", "pending"): "Waiting for review",
                ("order", "placed"): "Waiting for the vendor", ("order", "rejected"): "Rejected by the vendor",
                ("quote", "rejected"): "Not selected", ("deal", "awaiting_payment"): "Awaiting payment",
                ("milestone_due", "on_delivery"): "On delivery", ("role", "approver"): "approver"}
    for lang in ("en", "vi"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()
            for (kind, value), english in expected.items():
                shown = i18n.status_label(value, kind)
                assert shown == gettext(english), (lang, kind, value, shown)
                assert (shown == english) == (lang == "en"), (lang, kind, value, shown)
            assert i18n.status_label("some_new_value", "order") == "some new value"
            assert i18n.status_label(None, "order") == "—"
            rendered = render_template_string('{{ "placed"|status("order") }} {{ ui.badge("pending", "milestone") }}',
                                              ui=app.jinja_env.get_template("macros/ui.html").module)
            assert gettext("Waiting for the vendor") in rendered and gettext("Not yet payable") in rendered
