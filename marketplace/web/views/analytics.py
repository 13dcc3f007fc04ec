"""Pages: analytics for buyers (spend by month, vendor and category, savings against target prices, RFQ
cycle time) and for vendors (sales, releases, win rate, quote response time, scorecard over time), over a
date range, with CSV downloads. The same services as ``/api/v1/analytics``.

Charts are SVG drawn here on the server (no script, no inline style: the CSP allows neither), each with a
title, text labels and a table of the same figures under it for people who do not see the chart.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ...accounts.auth import current, current_actor
from ...accounts.models import OrgKind
from ...analytics import services as analytics
from ...errors import InvalidInputError
from ...http.downloads import send_download
from ...money import CURRENCY_EXPONENTS
from ..forms import Form
from ..i18n import locale_code
from ..i18n import money as format_money
from ..i18n import number as format_number
from ..session import page_login_required

bp = Blueprint("web_analytics", __name__, url_prefix="/analytics")

#: the scorecard's figures worded for people, in the scorecard's order
SCORECARD_LABELS = {
    "response_rate": _l("Response rate"), "median_response_hours": _l("Median time to quote (hours)"),
    "win_rate": _l("Win rate (decided quotes)"), "on_time_rate": _l("Shipped on time"),
    "delivery_rate": _l("Delivered without dispute"), "dispute_rate": _l("Dispute rate"),
    "rating_quality": _l("Rating: quality"), "rating_on_time": _l("Rating: on time"),
    "rating_communication": _l("Rating: communication"),
}
#: figures that are fractions (shown as percentages); the rest are hours or ratings
RATE_FIGURES = frozenset({"response_rate", "win_rate", "on_time_rate", "delivery_rate", "dispute_rate"})


class PeriodForm(Form):
    """The period and currency (a GET form: it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()], name="from")
    end = DateField(_l("To"), validators=[Optional()], name="to")
    currency = SelectField(_l("Currency"), validators=[Optional()])


# --- charts ---------------------------------------------------------------------------------------

_ids = itertools.count(1)


def _svg_open(title: str, width: int, height: int) -> tuple[list[str], str]:
    ident = f"chart-{next(_ids)}"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-labelledby="{ident}">')
    return [svg, f'<title id="{ident}">{escape(title)}</title>'], ident


def column_chart(title: str, labels: Sequence[str], values: Sequence[float | int | None], fmt: Callable[[float], str],
                 color: str = "#1f6feb", width: int = 720, height: int = 240) -> Markup:
    """Vertical bars, one per label (months), with the value written above each bar; negative values
    hang below the zero line in another colour; ``None`` (nothing to measure) draws no bar."""
    left, right, top, bottom = 16, 16, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    high, low = max([0, *known]), min([0, *known])
    span = (high - low) or 1
    n = max(len(labels), 1)
    slot = plot_w / n
    bar_w = min(48.0, slot * 0.6)

    def y(v: float) -> float:
        return top + (high - v) / span * plot_h

    parts, _ident = _svg_open(title, width, height)
    zero = y(0)
    for i, (label, value) in enumerate(zip(labels, values)):
        cx = left + slot * i + slot / 2
        parts.append(f'<text x="{cx:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" fill="#555">'
                     f'{escape(label)}</text>')
        if value is None:
            continue
        top_y, bar_h = (y(value), zero - y(value)) if value >= 0 else (zero, y(value) - zero)
        fill = color if value >= 0 else "#cf222e"
        if value:
            parts.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" height="{max(bar_h, 1):.1f}" '
                         f'fill="{fill}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        text_y = top_y - 4 if value >= 0 else zero - 4  # above the zero line: clear of the month labels
        parts.append(f'<text x="{cx:.1f}" y="{text_y:.1f}" text-anchor="middle" font-size="10" fill="#222">'
                     f'{escape(fmt(value))}</text>')
    parts.append(f'<line x1="{left}" y1="{zero:.1f}" x2="{width - right}" y2="{zero:.1f}" stroke="#888"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int], fmt: Callable[[int], str],
              color: str = "#2da44e", width: int = 720) -> Markup:
    """Horizontal bars, one row per label (vendors, categories), largest first as given, the value written
    after each bar."""
    row_h, label_w, value_w, pad = 26, 220, 150, 8
    height = max(len(labels), 1) * row_h + 2 * pad
    peak = max([1, *values])
    plot_w = width - label_w - value_w
    parts, _ident = _svg_open(title, width, height)
    for i, (label, value) in enumerate(zip(labels, values)):
        y = pad + i * row_h
        text = label if len(label) <= 32 else label[:31] + "…"
        w = max(value / peak * plot_w, 1 if value else 0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="12" fill="#222">'
                     f'{escape(text)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
                     f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="12" fill="#222">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- formatting -----------------------------------------------------------------------------------


def month_label(month: str) -> str:
    """``2026-03`` as people read it: ``03/2026`` in Vietnamese, ``Mar 2026`` in English."""
    year, mon = (int(p) for p in month.split("-"))
    if locale_code() == "vi":
        return f"{mon:02d}/{year}"
    return date(year, mon, 1).strftime("%b %Y")


def hours(value: float | None) -> str:
    """Hours with one decimal in the page's language (``—`` when there is nothing to measure)."""
    return "—" if value is None else format_decimal(value, format="#,##0.0", locale=locale_code())


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, format="#,##0.#%", locale=locale_code())


def figure(name: str, fig: dict) -> str:
    """One scorecard figure with the number of cases behind it."""
    if fig["value"] is None:
        return "—"
    value = percent(fig["value"]) if name in RATE_FIGURES else (
        hours(fig["value"]) if name.endswith("hours") else format_decimal(fig["value"], format="0.0#",
                                                                          locale=locale_code()))
    return f"{value} (n={format_number(fig['count'])})"


def _money_fmt(currency: str) -> Callable[[float], str]:
    return lambda v: format_money(int(v), currency)


# --- the page -------------------------------------------------------------------------------------


def _period() -> tuple[PeriodForm, dict]:
    form = PeriodForm(request.args)
    form.currency.choices = [("", _("Every currency"))] + [(c, c) for c in sorted(CURRENCY_EXPONENTS)]
    args: dict = {}
    if request.args and not form.validate():
        form.page_errors.append(_("The period is not valid; showing the last 12 months."))
        return form, args
    args = {"start": form.start.data, "end": form.end.data, "currency": form.currency.data or None}
    return form, args


def _report(form: PeriodForm, args: dict, build: Callable) -> dict:
    try:
        return build(current_actor(), **args)
    except InvalidInputError:  # from after to, outside 2000-2100, or longer than 60 months
        form.page_errors.append(_("The period is not valid; showing the last 12 months."))
        return build(current_actor())


def _buyer_charts(report: dict) -> list[dict]:
    labels = [month_label(m) for m in report["months"]]
    sections = []
    for sec in report["currencies"]:
        cur, fmt = sec["currency"], _money_fmt(sec["currency"])
        rows = sec["by_month"]
        vendors, categories = sec["by_vendor"], sec["by_category"]
        category_names = [(c["category_name_vi"] or c["category_name"] if locale_code() == "vi" else c["category_name"])
                          or _("No category") for c in categories]
        sections.append({
            "currency": cur, "totals": sec["totals"], "rows": rows, "vendors": vendors,
            "categories": list(zip(category_names, categories)),
            "spend_chart": column_chart(_("Spend by month (%(currency)s)", currency=cur), labels,
                                        [r["spend"] for r in rows], fmt),
            "savings_chart": column_chart(_("Savings against target prices by month (%(currency)s)", currency=cur),
                                          labels, [r["savings"] if r["lines_with_target"] else None for r in rows],
                                          fmt, color="#2da44e"),
            "vendor_chart": bar_chart(_("Spend by vendor (%(currency)s)", currency=cur),
                                      [v["vendor_name"] for v in vendors], [v["spend"] for v in vendors], fmt),
            "category_chart": bar_chart(_("Goods by category (%(currency)s)", currency=cur), category_names,
                                        [c["goods"] for c in categories], fmt, color="#8250df"),
        })
    return sections


def _vendor_charts(report: dict) -> dict:
    labels = [month_label(m) for m in report["months"]]
    sections = []
    for sec in report["currencies"]:
        cur, fmt = sec["currency"], _money_fmt(sec["currency"])
        sections.append({
            "currency": cur, "totals": sec["totals"], "rows": sec["by_month"],
            "sales_chart": column_chart(_("Sales by month (%(currency)s)", currency=cur), labels,
                                        [r["sales"] for r in sec["by_month"]], fmt),
            "released_chart": column_chart(_("Released to you by month, after commission (%(currency)s)",
                                             currency=cur), labels,
                                           [r["net_released"] for r in sec["by_month"]], fmt, color="#2da44e"),
        })
    win, resp = report["win_rate"], report["response_time"]
    return {
        "sections": sections,
        "win_chart": column_chart(_("Win rate by month"), labels, [r["win_rate"] for r in win["by_month"]], percent,
                                  color="#8250df"),
        "response_chart": column_chart(_("Median time to first quote by month (hours)"), labels,
                                       [r["median_hours"] for r in resp["by_month"]], hours, color="#bf8700"),
    }


@bp.get("/", endpoint="analytics")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR)
def analytics_page():
    """The buyer's or the vendor's analytics over the chosen period."""
    form, args = _period()
    query = {k: v for k, v in {"from": args.get("start"), "to": args.get("end"),
                               "currency": args.get("currency")}.items() if v}
    context = {"form": form, "query": query, "month_label": month_label, "hours": hours, "percent": percent,
               "figure": figure, "scorecard_labels": SCORECARD_LABELS}
    if current().kind == OrgKind.BUYER:
        report = _report(form, args, analytics.buyer_report)
        return render_template("analytics/buyer.html", report=report, sections=_buyer_charts(report),
                               cycle_chart=column_chart(_("Median RFQ cycle time by month (hours)"),
                                                        [month_label(m) for m in report["months"]],
                                                        [r["median_hours"] for r in report["cycle_time"]["by_month"]],
                                                        hours, color="#bf8700"), **context)
    report = _report(form, args, analytics.vendor_report)
    return render_template("analytics/vendor.html", report=report, **_vendor_charts(report), **context)


@bp.get("/export.csv", endpoint="export")
@page_login_required(OrgKind.BUYER, OrgKind.VENDOR)
def export_csv():
    """The page's figures as CSV (the API's columns)."""
    _form, args = _period()
    build = analytics.buyer_csv if current().kind == OrgKind.BUYER else analytics.vendor_csv
    try:
        return send_download(build(current_actor(), **args))
    except InvalidInputError:
        return send_download(build(current_actor()))
