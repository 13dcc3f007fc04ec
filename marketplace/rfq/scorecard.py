"""Vendor scorecards from real history: how a vendor answers invitations, wins, ships, delivers, and is rated.

Every figure comes with the number of cases behind it (``{"value": ..., "count": n}``; ``value`` is None
when ``count`` is 0), over a window (the last ``days``) or per calendar month (UTC). Four aggregate queries
answer any number of vendors at once (:func:`scorecards`); the matcher's track record reads the same figures
(:func:`track_score`).

The figures, each counted over the rows created in the window:

``response_rate``
    Invitations answered with a quote / invitations the vendor could have answered (answered, or the
    RFQ's quoting is over: closed, awarded, expired, or open past its deadline). Drafts and cancelled
    RFQs do not count.
``median_response_hours``
    Median time from the invitation to the vendor's first quote (the quote's creation), over answered
    invitations.
``win_rate``
    Quotes awarded / quotes decided (accepted, rejected or expired).
``on_time_rate``
    Deals first shipped by their ship-by date / deals with a ship-by date that shipped, or whose
    ship-by date passed unshipped (still funded, cancelled or refunded: late by definition).
``delivery_rate``
    Deals delivered with no dispute opened by the buyer / deals delivered or disputed by the buyer.
``dispute_rate``
    Deals with a dispute opened by the buyer / deals past funding (not awaiting approval or payment,
    not cancelled).
``rating_quality``, ``rating_on_time``, ``rating_communication``
    The mean of the buyers' 1-5 ratings (reviews written in the window).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import text

from ..database import utcnow
from ..deals.models import DealStatus
from ..deals.reviews import DIMENSIONS
from ..disputes.models import DisputeParty
from ..extensions import db
from .models import QuoteStatus, RfqStatus

#: the scorecard's window when none is given
DEFAULT_DAYS = 365
#: every figure, in the order pages show them
FIGURES = ("response_rate", "median_response_hours", "win_rate", "on_time_rate", "delivery_rate", "dispute_rate",
           *(f"rating_{d}" for d in DIMENSIONS))

#: RFQ statuses after which an unanswered invitation counts as not answered
_QUOTING_OVER = [RfqStatus.CLOSED.value, RfqStatus.AWARDED.value, RfqStatus.EXPIRED.value]
_DECIDED_QUOTES = [QuoteStatus.ACCEPTED.value, QuoteStatus.REJECTED.value, QuoteStatus.EXPIRED.value]
_UNFUNDED = [DealStatus.AWAITING_APPROVAL.value, DealStatus.AWAITING_PAYMENT.value, DealStatus.CANCELLED.value]
#: an unshipped deal in one of these statuses past its ship-by date missed it
_MISSED_SHIPPING = [DealStatus.FUNDED.value, DealStatus.CANCELLED.value, DealStatus.REFUNDED.value]

# ``{month}`` is the grouping expression over the table's own timestamp (a constant for a window)
_INVITATIONS = """
    SELECT i.vendor_id AS vid, {month} AS month, count(*) AS invited, count(q.id) AS answered,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY greatest(0, extract(epoch FROM q.created_at - i.created_at)))
               FILTER (WHERE q.id IS NOT NULL) AS median_s  -- greatest() ignores NULLs: unanswered rows out
    FROM invitations i JOIN rfqs r ON r.id = i.rfq_id
    LEFT JOIN quotes q ON q.rfq_id = i.rfq_id AND q.vendor_id = i.vendor_id
    WHERE i.vendor_id = ANY(CAST(:ids AS bigint[])) AND i.created_at >= :since AND i.created_at < :until
      AND (q.id IS NOT NULL OR r.status = ANY(CAST(:quoting_over AS text[]))
           OR (r.status = :rfq_open AND r.quote_deadline < :now))
    GROUP BY 1, 2
"""
_QUOTES = """
    SELECT q.vendor_id AS vid, {month} AS month,
           count(*) FILTER (WHERE q.status = ANY(CAST(:decided AS text[]))) AS decided,
           count(*) FILTER (WHERE q.status = :accepted) AS won
    FROM quotes q
    WHERE q.vendor_id = ANY(CAST(:ids AS bigint[])) AND q.created_at >= :since AND q.created_at < :until
    GROUP BY 1, 2
"""
_DEALS = """
    SELECT d.vendor_id AS vid, {month} AS month,
           count(*) FILTER (WHERE d.ship_by_at IS NOT NULL AND (s.at IS NOT NULL OR (
               d.ship_by_at < :now AND d.status = ANY(CAST(:missed AS text[]))))) AS ship_cases,
           count(*) FILTER (WHERE s.at <= d.ship_by_at) AS shipped_on_time,
           count(*) FILTER (WHERE d.delivered_at IS NOT NULL OR x.disputed) AS delivery_cases,
           count(*) FILTER (WHERE d.delivered_at IS NOT NULL AND NOT x.disputed) AS delivered_clean,
           count(*) FILTER (WHERE d.status <> ALL(CAST(:unfunded AS text[]))) AS funded,
           count(*) FILTER (WHERE d.status <> ALL(CAST(:unfunded AS text[])) AND x.disputed) AS disputed
    FROM deals d
    LEFT JOIN LATERAL (SELECT min(ev.at) AS at FROM events ev
                       WHERE ev.subject_type = 'deal' AND ev.subject_id = d.id AND ev.to_state = :shipped) s ON true
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM disputes dx WHERE dx.deal_id = d.id
                                       AND dx.opened_by_party = :by_buyer) AS disputed) x
    WHERE d.vendor_id = ANY(CAST(:ids AS bigint[])) AND d.created_at >= :since AND d.created_at < :until
    GROUP BY 1, 2
"""
_REVIEWS = """
    SELECT r.vendor_id AS vid, {month} AS month, count(*) AS reviews,
           avg(r.quality) AS quality, avg(r.on_time) AS on_time, avg(r.communication) AS communication
    FROM reviews r
    WHERE r.vendor_id = ANY(CAST(:ids AS bigint[])) AND r.created_at >= :since AND r.created_at < :until
    GROUP BY 1, 2
"""
#: each query with the timestamp that places its rows in the window and in a month
_QUERIES = ((_INVITATIONS, "i.created_at"), (_QUOTES, "q.created_at"), (_DEALS, "d.created_at"),
            (_REVIEWS, "r.created_at"))


def _figure(value, count: int, digits: int = 3) -> dict:
    return {"value": round(float(value), digits) if count and value is not None else None, "count": int(count or 0)}


def _rate(part, whole) -> dict:
    return _figure(part / whole if whole else None, whole)


def _raw(ids: list[int], since: datetime, until: datetime, monthly: bool) -> dict[tuple[int, date | None], dict]:
    """The counts of the four queries per (vendor, month) (month None for the whole window)."""
    params = {"ids": ids, "since": since, "until": until, "now": until, "quoting_over": _QUOTING_OVER,
              "rfq_open": RfqStatus.OPEN.value, "decided": _DECIDED_QUOTES, "accepted": QuoteStatus.ACCEPTED.value,
              "missed": _MISSED_SHIPPING, "unfunded": _UNFUNDED, "shipped": DealStatus.SHIPPED.value,
              "by_buyer": DisputeParty.BUYER.value}
    out: dict[tuple[int, date | None], dict] = defaultdict(dict)
    for sql, column in _QUERIES:
        month = f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)" if monthly else "CAST(NULL AS date)"
        for row in db.session.execute(text(sql.format(month=month)), params).mappings():
            out[(row["vid"], row["month"])].update({k: v for k, v in row.items() if k not in ("vid", "month")})
    return out


def _figures(raw: dict) -> dict:
    reviews = raw.get("reviews") or 0
    median = raw.get("median_s")
    return {
        "response_rate": _rate(raw.get("answered", 0), raw.get("invited", 0)),
        "median_response_hours": _figure(median / 3600 if median is not None else None, raw.get("answered", 0), 1),
        "win_rate": _rate(raw.get("won", 0), raw.get("decided", 0)),
        "on_time_rate": _rate(raw.get("shipped_on_time", 0), raw.get("ship_cases", 0)),
        "delivery_rate": _rate(raw.get("delivered_clean", 0), raw.get("delivery_cases", 0)),
        "dispute_rate": _rate(raw.get("disputed", 0), raw.get("funded", 0)),
        **{f"rating_{d}": _figure(raw.get(d), reviews, 2) for d in DIMENSIONS},
    }


def scorecards(vendor_ids, days: int = DEFAULT_DAYS, now: datetime | None = None) -> dict[int, dict]:
    """Vendor id -> its scorecard over the last ``days`` (every id answered, empty history included):
    ``{"vendor_id", "days", "since", "until", <figure>: {"value", "count"}, ..., "track_score"}``.

    Four queries whatever the number of vendors.
    """
    ids = sorted({int(v) for v in vendor_ids})
    if not ids:
        return {}
    until = now or utcnow()
    since = until - timedelta(days=days)
    raw = _raw(ids, since, until, monthly=False)
    out = {}
    for vid in ids:
        card = {"vendor_id": vid, "days": days, "since": since, "until": until, **_figures(raw.get((vid, None), {}))}
        card["track_score"] = track_score(card)
        out[vid] = card
    return out


def vendor_scorecard(vendor_id: int, days: int = DEFAULT_DAYS, now: datetime | None = None) -> dict:
    """One vendor's scorecard over the last ``days`` (see :func:`scorecards`)."""
    return scorecards([vendor_id], days, now)[vendor_id]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_scorecard(vendor_id: int, months: int = 12, now: datetime | None = None) -> list[dict]:
    """The vendor's figures per calendar month (UTC), oldest first, the current month last, every month listed."""
    until = now or utcnow()
    first = _month_start(until.date(), months - 1)
    since = datetime(first.year, first.month, 1, tzinfo=until.tzinfo)
    raw = _raw([vendor_id], since, until, monthly=True)
    return [{"month": m, **_figures(raw.get((vendor_id, m), {}))}
            for m in (_month_start(until.date(), back) for back in range(months - 1, -1, -1))]


#: the figures the matcher's track record combines, each mapped to [-1, 1] (1 is good)
_TRACK = (("response_rate", lambda v: 2 * v - 1), ("on_time_rate", lambda v: 2 * v - 1),
          ("delivery_rate", lambda v: 2 * v - 1), ("dispute_rate", lambda v: 1 - 2 * v))
#: evidence needed for a figure to count half: a figure of n cases weighs n / (n + _SHRINK)
_SHRINK = 3


def track_score(card: dict) -> float:
    """A scorecard as one number in [-1, 1] for ranking: the mean of its figures mapped to [-1, 1] (the three
    ratings together as one, 3 of 5 neutral), each shrunk towards neutral while its evidence is thin
    (n cases weigh n / (n + 3)); 0 without history."""
    parts = [(scale(card[name]["value"]), card[name]["count"]) for name, scale in _TRACK if card[name]["count"]]
    ratings = [card[f"rating_{d}"] for d in DIMENSIONS]
    if ratings[0]["count"]:
        parts.append(((sum(r["value"] for r in ratings) / len(ratings) - 3) / 2, ratings[0]["count"]))
    return round(sum(v * n / (n + _SHRINK) for v, n in parts) / len(parts), 3) if parts else 0.0
