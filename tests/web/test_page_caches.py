"""Work the busy pages do once instead of per row or per view: the dispute desk's dates worded with the page's
language and zone looked up once (the same text as the ``when`` filter), its metrics kept for a setting's
seconds, and a deal's VietQR code drawn once per payload and process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask import g
from flask_babel import refresh

from marketplace.escrow.gateways.bank import vietqr
from marketplace.web import i18n
from marketplace.web.views import admin, deals

#: around midnight, New York's two DST changes of 2026 and Paris's spring one, a naive (UTC) value, and none
MOMENTS = [datetime(2026, 11, 29, 16, 59, 59, tzinfo=UTC), datetime(2026, 11, 29, 17, 0, 1, tzinfo=UTC),
           datetime(2026, 3, 8, 6, 59, tzinfo=UTC), datetime(2026, 3, 8, 7, 1, tzinfo=UTC),
           datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
           datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 1, tzinfo=UTC),
           datetime(2026, 1, 1, 0, 0, 30), None]


def test_the_desk_words_its_dates_as_the_when_filter_does(app):
    moments = MOMENTS + [datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=997 * i) for i in range(100)]
    shown = {}
    for lang, zone in (("vi", None), ("en", None), ("en", "America/New_York"), ("vi", "Europe/Paris")):
        g.pop("session", None)
        with app.test_request_context(headers={"Accept-Language": lang}):
            if zone:  # the zone a person chose
                g.session = SimpleNamespace(user=SimpleNamespace(timezone=zone, locale=lang))
            refresh()
            show = i18n.when_formatter()
            shown[lang, zone] = [show(m) for m in moments]
            assert shown[lang, zone] == [i18n.when(m) for m in moments], (lang, zone)
    g.pop("session", None)
    # the chosen zone is the one used: 16:59 UTC is 23:59 in Ho Chi Minh City, 11:59 in New York
    assert shown["en", None][0].replace("\u202f", " ") == "Nov 29, 2026, 11:59 PM"
    assert shown["en", "America/New_York"][0].replace("\u202f", " ") == "Nov 29, 2026, 11:59 AM"
    assert shown["vi", None][0] != shown["vi", "Europe/Paris"][0]


def test_a_payment_qr_code_is_drawn_once_per_payload_and_differs_by_amount():
    text = vietqr.payload(vietqr.DEMO_BANK_BIN, "0123456789", 12_500_000, "BN42")
    other = vietqr.payload(vietqr.DEMO_BANK_BIN, "0123456789", 12_500_001, "BN42")
    first = deals.qr_image(text)
    assert first == vietqr.svg_data_uri(text)  # the image a fresh drawing gives
    assert deals.qr_image(text) is first  # kept, not drawn again
    assert deals.qr_image(other) == vietqr.svg_data_uri(other) != first


def test_the_desk_metrics_are_kept_for_the_setting_then_computed_again(app, api, world, monkeypatch):
    monkeypatch.setattr(admin, "_desk_metrics", {})
    monkeypatch.setitem(app.config, "DISPUTE_METRICS_CACHE_SECONDS", 60)
    with app.test_request_context():
        first, at = admin.desk_metrics()
    deal, _shipment = api.shipped_deal(world)
    api.post(f"/deals/{deal['id']}/disputes", world.buyer,
             {"reason": "damaged", "description": "Hàng bị móp méo khi nhận."}, expect=201)
    with app.test_request_context():
        kept, kept_at = admin.desk_metrics()
        assert (kept, kept_at) == (first, at)  # within the minute: the same figures, the same time shown
        monkeypatch.setitem(app.config, "DISPUTE_METRICS_CACHE_SECONDS", 0)
        fresh, fresh_at = admin.desk_metrics()
    assert fresh_at > at
    disputes = {v["vendor_id"]: v["disputes"] for v in fresh["vendors"]}
    assert disputes[world.vendors[0].org_id] == 1 + {v["vendor_id"]: v["disputes"] for v in first["vendors"]}.get(
        world.vendors[0].org_id, 0)
