"""Analytics reports: what a buyer spends and saves, and how a vendor sells, over a date range.

Every figure is one set-based query (GROUP BY) over the marketplace's own records, scoped to the
calling organisation. Money is never summed across currencies: each money figure belongs to one
currency section. Months are calendar months in the platform's time zone (``DEFAULT_TIMEZONE``), and
the date range (``from``/``to``, both inclusive, default the last 12 months) is read in that zone too.

Definitions (also in the API schemas):

- **Spend / sales**: the total (goods + freight) of deals whose money reached escrow (funded, shipped,
  delivered, accepted, released, closed, disputed, resolved), by the month the deal was made (awarded
  or ordered). Deals awaiting approval or payment, cancelled and fully refunded deals do not count.
- **Spend by category**: the goods of the same deals (deal line amounts, freight has no category), by the
  category the buyer gave the RFQ line, else (catalog orders) the product's category; lines with neither
  are ``category_id`` null.
- **Savings against target**: over deal lines whose RFQ line states a target unit price,
  ``(target unit price - awarded unit price) x awarded quantity``; negative when the award was above target.
  ``target_value`` and ``awarded_value`` are the two sides, so ``savings = target_value - awarded_value``.
- **RFQ cycle time**: from an RFQ's publication to its first award (its first deal), in hours; median and
  90th percentile (continuous) of the RFQs first awarded in each month.
- **Released / commission** (vendors): ledger ``release`` and ``commission`` postings of the vendor's deals,
  by the month they were posted (cash basis: gross released, commission kept, net = released - commission).
- **Win rate** (vendors): quotes awarded (whole or partly) / quotes submitted, by the month the quote was
  first submitted; quotes still open count as not won yet.
- **Scorecard over time** (vendors): :func:`marketplace.rfq.scorecard.monthly_scorecard`, per UTC month, its
  own definitions (win rate there is over decided quotes only), each figure with its number of cases.
- **Quote response time** (vendors): from the moment an invited vendor could see the RFQ (the later of the
  invitation and the publication) to its first quote, in hours; median per month of invitation, with the
  number invited and the number that answered.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, select

from ..accounts.models import Organization
from ..actors import Actor
from ..contracts.models import CallOff, Contract, ContractStatus, ContractVersion
from ..contracts.services.usage import NOT_COUNTED
from ..deals.models import Deal, DealLine, DealStatus
from ..errors import InvalidInputError
from ..escrow.ledger.accounts import PostingCode
from ..escrow.models import LedgerTransfer, Milestone, TransferKind
from ..extensions import db
from ..http.downloads import Download
from ..money import format_amount
from ..rfq.models import Invitation, Quote, QuoteStatus, Rfq, RfqLine
from ..rfq.scorecard import FIGURES as SCORECARD_FIGURES
from ..rfq.scorecard import monthly_scorecard
from ..vendors.models import Category, Product, VendorProfile
from ..vendors.services.imports import safe_cell

#: deals whose money reached escrow: they count as spend (buyers) and sales (vendors)
COMMITTED = (DealStatus.FUNDED, DealStatus.SHIPPED, DealStatus.DELIVERED, DealStatus.ACCEPTED, DealStatus.RELEASED,
             DealStatus.CLOSED, DealStatus.DISPUTED, DealStatus.RESOLVED)
#: the earliest and latest day a report may cover (keeps month arithmetic and time zones sane)
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
#: the longest range one report covers, in months
MAX_MONTHS = 60
#: contracts whose utilisation a buyer's report lists: signed ones (active, or ended after they ran)
SIGNED_CONTRACTS = (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED)


# --- the period -----------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def resolve_period(start: date | None, end: date | None, today: date | None = None) -> tuple[date, date, list[str]]:
    """The inclusive days ``(from, to)`` and the months (``YYYY-MM``) they touch; by default the last 12
    months (this month and the 11 before it, up to today).

    :raises InvalidInputError: ``from`` after ``to``, a day outside 2000-2100, or more than 60 months.
    """
    for field, value in (("from", start), ("to", end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInputError.at((field,), f"must be between {EARLIEST} and {LATEST}")
    today = today or datetime.now(_zone()).date()
    end = end or max(today, start or today)
    start = start or max(EARLIEST, _month_start(end, 11))
    if start > end:
        raise InvalidInputError.at(("from",), "must not be after 'to'")
    months, cursor = [], _month_start(start)
    while cursor <= end:
        months.append(f"{cursor:%Y-%m}")
        cursor = _month_start(cursor, -1)
    if len(months) > MAX_MONTHS:
        raise InvalidInputError.at(("from",), f"the range may cover at most {MAX_MONTHS} months")
    return start, end, months


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = _zone()
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)


def _month(column) -> Any:
    """``YYYY-MM`` of a timestamp in the platform's zone, in SQL."""
    return func.to_char(func.timezone(current_app.config["DEFAULT_TIMEZONE"], column), "YYYY-MM")


def _hours(value) -> float | None:
    return None if value is None else round(float(value) / 3600, 1)


def _epoch(later, earlier) -> Any:
    return func.extract("epoch", later - earlier)


# --- buyers ---------------------------------------------------------------------------------------


def _refunded():
    """Per deal, the money refunded to the buyer (a resolved dispute may refund part of a deal)."""
    return (select(Milestone.deal_id, func.sum(Milestone.refunded_amount).label("refunded"))
            .group_by(Milestone.deal_id).subquery())


def buyer_report(actor: Actor, start: date | None = None, end: date | None = None,
                 currency: str | None = None) -> dict:
    """The calling buyer's spend (by month, vendor and category), savings against target prices and RFQ
    cycle time over the period, per currency (``currency`` keeps only that one)."""
    start, end, months = resolve_period(start, end)
    lo, hi = _bounds(start, end)
    org = actor.org_id
    deal_in = [Deal.buyer_id == org, Deal.status.in_(COMMITTED), Deal.created_at >= lo, Deal.created_at < hi]
    if currency:
        deal_in.append(Deal.currency == currency)
    month = _month(Deal.created_at)
    refunded = _refunded()

    spend_by_month = db.session.execute(
        select(Deal.currency, month, func.count(Deal.id), func.sum(Deal.total),
               func.coalesce(func.sum(refunded.c.refunded), 0))
        .outerjoin(refunded, refunded.c.deal_id == Deal.id).where(*deal_in).group_by(Deal.currency, month)).all()
    by_vendor = db.session.execute(
        select(Deal.currency, Deal.vendor_id, func.coalesce(VendorProfile.legal_name, Organization.name),
               func.count(Deal.id), func.sum(Deal.total))
        .join(Organization, Organization.id == Deal.vendor_id)
        .outerjoin(VendorProfile, VendorProfile.id == Deal.vendor_id)
        .where(*deal_in).group_by(Deal.currency, Deal.vendor_id, VendorProfile.legal_name, Organization.name)
        .order_by(Deal.currency, func.sum(Deal.total).desc(), Deal.vendor_id)).all()
    by_category = db.session.execute(
        select(Deal.currency, Category.id, Category.name_en, Category.name_vi, func.count(func.distinct(Deal.id)),
               func.sum(DealLine.amount))
        .join(DealLine, DealLine.deal_id == Deal.id)
        .outerjoin(RfqLine, RfqLine.id == DealLine.rfq_line_id)
        .outerjoin(Product, Product.id == DealLine.product_id)
        .outerjoin(Category, Category.id == func.coalesce(RfqLine.category_id, Product.category_id))
        .where(*deal_in).group_by(Deal.currency, Category.id, Category.name_en, Category.name_vi)
        .order_by(Deal.currency, func.sum(DealLine.amount).desc(), Category.id)).all()
    target = RfqLine.target_unit_price * DealLine.quantity
    awarded = DealLine.unit_price * DealLine.quantity
    savings_by_month = db.session.execute(
        select(Deal.currency, month, func.count(DealLine.id), func.sum(target), func.sum(awarded))
        .join(DealLine, DealLine.deal_id == Deal.id).join(RfqLine, RfqLine.id == DealLine.rfq_line_id)
        .where(*deal_in, RfqLine.target_unit_price.is_not(None)).group_by(Deal.currency, month)).all()

    sections: dict[str, dict] = {}

    def section(cur: str) -> dict:
        if cur not in sections:
            sections[cur] = {
                "currency": cur,
                "by_month": {m: {"month": m, "currency": cur, "deals": 0, "spend": 0, "refunded": 0, "lines_with_target": 0,
                                 "target_value": 0, "awarded_value": 0, "savings": 0} for m in months},
                "by_vendor": [], "by_category": []}
        return sections[cur]

    for cur, m, count, total, back in spend_by_month:
        row = section(cur)["by_month"][m]
        row.update(deals=count, spend=int(total), refunded=int(back))
    for cur, m, lines, tgt, paid in savings_by_month:
        row = section(cur)["by_month"][m]
        row.update(lines_with_target=lines, target_value=int(tgt), awarded_value=int(paid), savings=int(tgt) - int(paid))
    for cur, vendor_id, name, count, total in by_vendor:
        section(cur)["by_vendor"].append({"currency": cur, "vendor_id": vendor_id, "vendor_name": name, "deals": count,
                                          "spend": int(total)})
    for cur, category_id, name_en, name_vi, count, goods in by_category:
        section(cur)["by_category"].append({"currency": cur, "category_id": category_id, "category_name": name_en,
                                            "category_name_vi": name_vi, "deals": count, "goods": int(goods)})
    currencies = []
    for cur in sorted(sections):
        sec = sections[cur]
        rows = list(sec["by_month"].values())
        sec["by_month"] = rows
        sec["totals"] = {"currency": cur} | {key: sum(r[key] for r in rows) for key in
                         ("deals", "spend", "refunded", "lines_with_target", "target_value", "awarded_value", "savings")}
        currencies.append(sec)
    return {"start": start, "end": end, "currency": currency, "months": months, "currencies": currencies,
            "cycle_time": _cycle_time(org, lo, hi, months),
            "contract_utilisation": _contract_utilisation(org, start, end, currency)}


def _contract_utilisation(org: int, start: date, end: date, currency: str | None) -> dict:
    """Each signed contract of the buyer that ran during the period, with its limits from the version in force
    and what its live call-offs hold (all of them, not only the period's: utilisation is the contract's)."""
    live = (select(CallOff.contract_id, func.count(CallOff.id).label("call_offs"),
                   func.sum(CallOff.subtotal).label("ordered"))
            .join(Deal, Deal.id == CallOff.deal_id).where(Deal.status.not_in(NOT_COUNTED))
            .group_by(CallOff.contract_id).subquery())
    stmt = (select(Contract, ContractVersion.committed_value, ContractVersion.max_value,
                   func.coalesce(VendorProfile.legal_name, Organization.name), live.c.call_offs, live.c.ordered)
            .join(ContractVersion, (ContractVersion.contract_id == Contract.id)
                  & (ContractVersion.number == Contract.current_version))
            .join(Organization, Organization.id == Contract.vendor_id)
            .outerjoin(VendorProfile, VendorProfile.id == Contract.vendor_id)
            .outerjoin(live, live.c.contract_id == Contract.id)
            .where(Contract.buyer_id == org, Contract.status.in_(SIGNED_CONTRACTS), Contract.starts_on <= end,
                   Contract.ends_on >= start)
            .order_by(Contract.currency, Contract.ends_on, Contract.id))
    if currency:
        stmt = stmt.where(Contract.currency == currency)
    rows = []
    for contract, committed, maximum, vendor_name, call_offs, ordered in db.session.execute(stmt).all():
        ordered = int(ordered or 0)
        rows.append({"contract_id": contract.id, "title": contract.title, "vendor_id": contract.vendor_id,
                     "vendor_name": vendor_name, "currency": contract.currency, "status": contract.status,
                     "starts_on": contract.starts_on, "ends_on": contract.ends_on, "call_offs": int(call_offs or 0),
                     "committed_value": committed, "max_value": maximum, "ordered_value": ordered,
                     "remaining_value": max(maximum - ordered, 0),
                     "percent_of_committed": round(100 * ordered / committed, 1) if committed else None,
                     "percent_of_max": round(100 * ordered / maximum, 1)})
    return {"available": True, "contracts": rows}


def _cycle_time(org: int, lo: datetime, hi: datetime, months: list[str]) -> dict:
    first_award = (select(Deal.rfq_id, func.min(Deal.created_at).label("awarded_at"))
                   .where(Deal.buyer_id == org).group_by(Deal.rfq_id).subquery())
    seconds = _epoch(first_award.c.awarded_at, Rfq.published_at)
    base = (select().select_from(Rfq).join(first_award, first_award.c.rfq_id == Rfq.id)
            .where(Rfq.buyer_id == org, Rfq.published_at.is_not(None),
                   first_award.c.awarded_at >= lo, first_award.c.awarded_at < hi))
    figures = (func.count(Rfq.id), func.percentile_cont(0.5).within_group(seconds),
               func.percentile_cont(0.9).within_group(seconds))
    month = _month(first_award.c.awarded_at)
    rows = {m: (n, med, p90) for m, n, med, p90 in db.session.execute(base.add_columns(month, *figures).group_by(month))}
    n, med, p90 = db.session.execute(base.add_columns(*figures)).one()
    return {"by_month": [{"month": m, "rfqs": rows.get(m, (0,))[0], "median_hours": _hours(rows.get(m, (0, None))[1]),
                          "p90_hours": _hours(rows.get(m, (0, None, None))[2])} for m in months],
            "totals": {"rfqs": n, "median_hours": _hours(med), "p90_hours": _hours(p90)}}


# --- vendors --------------------------------------------------------------------------------------


def vendor_report(actor: Actor, start: date | None = None, end: date | None = None,
                  currency: str | None = None) -> dict:
    """The calling vendor's sales, released money and commission by month (per currency), win rate and
    quote response time over the period (``currency`` keeps only that currency's money)."""
    start, end, months = resolve_period(start, end)
    lo, hi = _bounds(start, end)
    org = actor.org_id
    deal_in = [Deal.vendor_id == org, Deal.status.in_(COMMITTED), Deal.created_at >= lo, Deal.created_at < hi]
    posted_in = [Deal.vendor_id == org, LedgerTransfer.created_at >= lo, LedgerTransfer.created_at < hi,
                 LedgerTransfer.kind.in_((TransferKind.POSTED, TransferKind.POST_PENDING)),
                 LedgerTransfer.code.in_((PostingCode.RELEASE, PostingCode.COMMISSION))]
    if currency:
        deal_in.append(Deal.currency == currency)
        posted_in.append(LedgerTransfer.currency == currency)
    month = _month(Deal.created_at)
    sales = db.session.execute(select(Deal.currency, month, func.count(Deal.id), func.sum(Deal.total))
                               .where(*deal_in).group_by(Deal.currency, month)).all()
    posted_month = _month(LedgerTransfer.created_at)
    posted = db.session.execute(
        select(LedgerTransfer.currency, posted_month, LedgerTransfer.code, func.sum(LedgerTransfer.amount))
        .join(Deal, Deal.id == LedgerTransfer.deal_id).where(*posted_in)
        .group_by(LedgerTransfer.currency, posted_month, LedgerTransfer.code)).all()

    sections: dict[str, dict] = {}

    def section(cur: str) -> dict:
        return sections.setdefault(cur, {m: {"month": m, "currency": cur, "deals": 0, "sales": 0, "released": 0, "commission": 0,
                                             "net_released": 0} for m in months})

    for cur, m, count, total in sales:
        section(cur)[m].update(deals=count, sales=int(total))
    for cur, m, code, amount in posted:
        key = "released" if code == PostingCode.RELEASE else "commission"
        section(cur)[m][key] = int(amount)
    currencies = []
    for cur in sorted(sections):
        rows = list(sections[cur].values())
        for r in rows:
            r["net_released"] = r["released"] - r["commission"]
        currencies.append({"currency": cur, "by_month": rows,
                           "totals": {"currency": cur} | {k: sum(r[k] for r in rows)
                                      for k in ("deals", "sales", "released", "commission", "net_released")}})
    return {"start": start, "end": end, "currency": currency, "months": months, "currencies": currencies,
            "win_rate": _win_rate(org, lo, hi, months), "response_time": _response_time(org, lo, hi, months),
            "scorecard": _scorecard(org, hi, len(months))}


def _scorecard(org: int, hi: datetime, months: int) -> dict:
    """The vendor's scorecard figures per month (the rfq scorecard's own definitions: UTC months ending
    with the period's last month), each with the number of cases behind it."""
    rows = monthly_scorecard(org, months, now=hi - timedelta(microseconds=1))
    return {"available": True, "reason": None, "figures": list(SCORECARD_FIGURES),
            "by_month": [{**row, "month": f"{row['month']:%Y-%m}"} for row in rows]}


def _rate(won: int, of: int) -> float | None:
    return round(won / of, 4) if of else None


def _win_rate(org: int, lo: datetime, hi: datetime, months: list[str]) -> dict:
    month = _month(Quote.created_at)
    won = func.count(Quote.id).filter(Quote.status == QuoteStatus.ACCEPTED)
    base = select().select_from(Quote).where(Quote.vendor_id == org, Quote.created_at >= lo, Quote.created_at < hi)
    rows = {m: (q, w) for m, q, w in db.session.execute(base.add_columns(month, func.count(Quote.id), won)
                                                        .group_by(month))}
    quoted, awarded = db.session.execute(base.add_columns(func.count(Quote.id), won)).one()

    def row(m: str) -> dict:
        q, w = rows.get(m, (0, 0))
        return {"month": m, "quoted": q, "awarded": w, "win_rate": _rate(w, q)}

    return {"by_month": [row(m) for m in months],
            "totals": {"quoted": quoted, "awarded": awarded, "win_rate": _rate(awarded, quoted)}}


def _response_time(org: int, lo: datetime, hi: datetime, months: list[str]) -> dict:
    seen = func.greatest(Invitation.created_at, Rfq.published_at)
    seconds = _epoch(Quote.created_at, seen)
    base = (select().select_from(Invitation).join(Rfq, Rfq.id == Invitation.rfq_id)
            .outerjoin(Quote, and_(Quote.rfq_id == Invitation.rfq_id, Quote.vendor_id == Invitation.vendor_id))
            .where(Invitation.vendor_id == org, Rfq.published_at.is_not(None), seen >= lo, seen < hi))
    figures = (func.count(Invitation.id), func.count(Quote.id),
               func.percentile_cont(0.5).within_group(seconds).filter(Quote.id.is_not(None)))
    month = _month(seen)
    rows = {m: (i, r, med) for m, i, r, med in db.session.execute(base.add_columns(month, *figures).group_by(month))}
    invited, responded, median = db.session.execute(base.add_columns(*figures)).one()

    def row(m: str) -> dict:
        i, r, med = rows.get(m, (0, 0, None))
        return {"month": m, "invited": i, "responded": r, "response_rate": _rate(r, i), "median_hours": _hours(med)}

    return {"by_month": [row(m) for m in months],
            "totals": {"invited": invited, "responded": responded, "response_rate": _rate(responded, invited),
                       "median_hours": _hours(median)}}


# --- CSV ------------------------------------------------------------------------------------------

BUYER_COLUMNS = ["section", "currency", "period", "id", "name", "deals", "spend", "refunded", "target_value",
                 "awarded_value", "savings", "rfqs", "median_cycle_hours", "p90_cycle_hours", "committed_value",
                 "max_value"]
VENDOR_COLUMNS = ["section", "currency", "period", "deals", "sales", "released", "commission", "net_released",
                  "quoted", "awarded", "win_rate", "invited", "responded", "median_response_hours"]


def _cells(columns: list[str], values: dict) -> list:
    return [values.get(c, "") for c in columns]


def _csv_lines(rows: Iterator[list]) -> Iterator[str]:
    """CSV text lines (UTF-8 with a BOM for spreadsheets); text cells that a spreadsheet would run as a
    formula are escaped, numbers (savings may be negative) are written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([v if isinstance(v, (int, float)) or _NUMBER.match(str(v)) else safe_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _buyer_rows(report: dict) -> Iterator[list]:
    yield BUYER_COLUMNS
    period = f"{report['start']}..{report['end']}"
    for sec in report["currencies"]:
        cur = sec["currency"]

        def money(row: dict, *keys: str, cur: str = cur) -> dict:
            return {k: format_amount(row[k], cur) for k in keys}

        for r in sec["by_month"]:
            yield _cells(BUYER_COLUMNS, {"section": "month", "currency": cur, "period": r["month"], "deals": r["deals"],
                                         **money(r, "spend", "refunded", "target_value", "awarded_value", "savings")})
        yield _cells(BUYER_COLUMNS, {"section": "total", "currency": cur, "period": period,
                                     "deals": sec["totals"]["deals"],
                                     **money(sec["totals"], "spend", "refunded", "target_value", "awarded_value",
                                             "savings")})
        for r in sec["by_vendor"]:
            yield _cells(BUYER_COLUMNS, {"section": "vendor", "currency": cur, "period": period, "id": r["vendor_id"],
                                         "name": r["vendor_name"], "deals": r["deals"], **money(r, "spend")})
        for r in sec["by_category"]:
            yield _cells(BUYER_COLUMNS, {"section": "category", "currency": cur, "period": period,
                                         "id": r["category_id"] or "", "name": r["category_name"] or "",
                                         "deals": r["deals"], "spend": format_amount(r["goods"], cur)})
    for r in report["contract_utilisation"]["contracts"]:
        cur = r["currency"]
        yield _cells(BUYER_COLUMNS, {"section": "contract", "currency": cur,
                                     "period": f"{r['starts_on']}..{r['ends_on']}", "id": r["contract_id"],
                                     "name": f"{r['title']} ({r['vendor_name']})", "deals": r["call_offs"],
                                     "spend": format_amount(r["ordered_value"], cur),
                                     "committed_value": "" if r["committed_value"] is None
                                     else format_amount(r["committed_value"], cur),
                                     "max_value": format_amount(r["max_value"], cur)})
    cycle = report["cycle_time"]
    for r in [*cycle["by_month"], {**cycle["totals"], "month": period}]:
        yield _cells(BUYER_COLUMNS, {"section": "cycle_time" if r["month"] != period else "cycle_time_total",
                                     "period": r["month"], "rfqs": r["rfqs"],
                                     "median_cycle_hours": "" if r["median_hours"] is None else r["median_hours"],
                                     "p90_cycle_hours": "" if r["p90_hours"] is None else r["p90_hours"]})


def _vendor_rows(report: dict) -> Iterator[list]:
    yield VENDOR_COLUMNS
    period = f"{report['start']}..{report['end']}"
    for sec in report["currencies"]:
        cur = sec["currency"]
        for section, rows in (("month", sec["by_month"]), ("total", [{**sec["totals"], "month": period}])):
            for r in rows:
                yield _cells(VENDOR_COLUMNS, {"section": section, "currency": cur, "period": r["month"],
                                              "deals": r["deals"],
                                              **{k: format_amount(r[k], cur)
                                                 for k in ("sales", "released", "commission", "net_released")}})
    win, resp = report["win_rate"], report["response_time"]
    for section, rows in (("quotes", win["by_month"]), ("quotes_total", [{**win["totals"], "month": period}])):
        for r in rows:
            yield _cells(VENDOR_COLUMNS, {"section": section, "period": r["month"], "quoted": r["quoted"],
                                          "awarded": r["awarded"],
                                          "win_rate": "" if r["win_rate"] is None else r["win_rate"]})
    for section, rows in (("response", resp["by_month"]), ("response_total", [{**resp["totals"], "month": period}])):
        for r in rows:
            yield _cells(VENDOR_COLUMNS, {"section": section, "period": r["month"], "invited": r["invited"],
                                          "responded": r["responded"],
                                          "median_response_hours": "" if r["median_hours"] is None else r["median_hours"]})


def buyer_csv(actor: Actor, start: date | None = None, end: date | None = None, currency: str | None = None) -> Download:
    """:func:`buyer_report` as CSV (one row per month, total, vendor, category and cycle-time month)."""
    report = buyer_report(actor, start, end, currency)
    return Download(_csv_lines(_buyer_rows(report)), "text/csv", f"buyer-analytics-{report['start']}-{report['end']}.csv")


def vendor_csv(actor: Actor, start: date | None = None, end: date | None = None, currency: str | None = None) -> Download:
    """:func:`vendor_report` as CSV (one row per month and total of sales, quotes and response time)."""
    report = vendor_report(actor, start, end, currency)
    return Download(_csv_lines(_vendor_rows(report)), "text/csv", f"vendor-analytics-{report['start']}-{report['end']}.csv")

