"""Vendor scorecards from a history written out by hand, and the matcher's track record reading them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from marketplace.database import utcnow
from marketplace.deals.models import Deal
from marketplace.deals.reviews import Review
from marketplace.disputes.models import Dispute
from marketplace.extensions import db
from marketplace.rfq.models import Invitation, Quote, Rfq
from marketplace.rfq.scorecard import monthly_scorecard, scorecards, vendor_scorecard
from marketplace.statemachine import Event

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


class History:
    """Writes one vendor's history row by row, each with the times the test states."""

    def __init__(self, buyer, vendor_id: int):
        self.buyer, self.user, self.vendor = buyer.org_id, buyer.user_id, vendor_id

    def rfq(self, status: str, deadline: datetime | None = None, at: datetime = NOW - 60 * DAY) -> Rfq:
        rfq = Rfq(buyer_id=self.buyer, created_by=self.user, title="Vòng bi 6205", currency="VND", status=status,
                  quote_deadline=deadline, created_at=at, updated_at=at)
        db.session.add(rfq)
        db.session.flush()
        return rfq

    def invite(self, rfq: Rfq, at: datetime) -> None:
        db.session.add(Invitation(rfq_id=rfq.id, vendor_id=self.vendor, source="manual", created_at=at))

    def quote(self, rfq: Rfq, status: str, at: datetime) -> Quote:
        quote = Quote(rfq_id=rfq.id, vendor_id=self.vendor, status=status, currency="VND", incoterm="DAP",
                      lead_time_days=10, valid_until=at + 30 * DAY, created_at=at, updated_at=at,
                      payment_terms=[{"name": "Full", "percent": 100, "due": "before_shipment"}])
        db.session.add(quote)
        db.session.flush()
        return quote

    def deal(self, quote: Quote, status: str, created: datetime, ship_by: datetime | None = None,
             shipped: datetime | None = None, delivered: datetime | None = None,
             dispute_by: str | None = None) -> Deal:
        deal = Deal(rfq_id=quote.rfq_id, quote_id=quote.id, buyer_id=self.buyer, vendor_id=self.vendor, status=status,
                    currency="VND", subtotal=1000, freight=0, total=1000, commission_bps=200, terms={},
                    ship_by_at=ship_by, delivered_at=delivered, created_at=created, updated_at=created)
        db.session.add(deal)
        db.session.flush()
        if shipped is not None:  # the vendor shipped: the deal's timeline says when
            db.session.add(Event(subject_type="deal", subject_id=deal.id, name="ship", from_state="funded",
                                 to_state="shipped", actor_role="vendor", at=shipped))
        if dispute_by is not None:
            db.session.add(Dispute(deal_id=deal.id, buyer_id=self.buyer, vendor_id=self.vendor, currency="VND",
                                   opened_by=self.user, status="resolved", reason="other", description="late",
                                   opened_by_party=dispute_by, created_at=created + 10 * DAY))
        return deal

    def review(self, deal: Deal, quality: int, on_time: int, communication: int, at: datetime) -> None:
        db.session.add(Review(deal_id=deal.id, buyer_id=self.buyer, vendor_id=self.vendor, author_id=self.user,
                              quality=quality, on_time=on_time, communication=communication, comment="",
                              created_at=at, updated_at=at))


def _seed(world) -> int:
    """Vendor 0's year, as listed in each comment; vendor 1 has no history at all."""
    h = History(world.buyer, world.vendors[0].org_id)
    # invitations and quotes
    r1 = h.rfq("awarded")
    h.invite(r1, NOW - 30 * DAY)
    q1 = h.quote(r1, "accepted", NOW - 30 * DAY + 2 * HOUR)  # answered in 2 h, won
    r2 = h.rfq("closed")
    h.invite(r2, NOW - 20 * DAY)
    h.quote(r2, "rejected", NOW - 20 * DAY + 10 * HOUR)  # answered in 10 h, lost
    r3 = h.rfq("expired")
    h.invite(r3, NOW - 10 * DAY)  # never answered, quoting over: counts against
    r4 = h.rfq("open", deadline=NOW + 5 * DAY)
    h.invite(r4, NOW - DAY)  # still time to answer: not counted
    r5 = h.rfq("draft")
    h.invite(r5, NOW - 2 * DAY)  # the vendor cannot see a draft: not counted
    r6 = h.rfq("open", deadline=NOW - 2 * DAY)
    h.invite(r6, NOW - 5 * DAY)  # deadline passed unanswered: counts against
    r7 = h.rfq("awarded")
    h.invite(r7, NOW - 400 * DAY)  # before the window
    h.quote(r7, "accepted", NOW - 399 * DAY)
    r8 = h.rfq("open", deadline=NOW + 2 * DAY)
    h.invite(r8, NOW - 3 * DAY)
    h.quote(r8, "submitted", NOW - 3 * DAY + 30 * HOUR)  # answered in 30 h, not decided yet
    r9 = h.rfq("awarded")
    h.quote(r9, "expired", NOW - 40 * DAY)  # an open RFQ's quote, uninvited: a decided quote, no invitation
    # deals (all on quote 1: the scorecard does not read the deal's quote)
    d1 = h.deal(q1, "released", NOW - 28 * DAY, ship_by=NOW - 20 * DAY, shipped=NOW - 22 * DAY,
                delivered=NOW - 18 * DAY)  # on time, delivered, no dispute
    d2 = h.deal(q1, "closed", NOW - 25 * DAY, ship_by=NOW - 15 * DAY, shipped=NOW - 14 * DAY,
                delivered=NOW - 10 * DAY)  # shipped a day late, delivered
    d3 = h.deal(q1, "resolved", NOW - 24 * DAY, ship_by=NOW - 12 * DAY, shipped=NOW - 13 * DAY,
                delivered=NOW - 8 * DAY, dispute_by="buyer")  # on time, delivered, but the buyer disputed
    h.deal(q1, "funded", NOW - 10 * DAY, ship_by=NOW - DAY)  # missed its ship-by date
    h.deal(q1, "funded", NOW - 2 * DAY, ship_by=NOW + 5 * DAY)  # still has time: not a shipping case
    h.deal(q1, "awaiting_payment", NOW - DAY)  # unfunded: in no figure
    h.deal(q1, "disputed", NOW - 9 * DAY, ship_by=NOW - 3 * DAY, shipped=NOW - 4 * DAY,
           dispute_by="vendor")  # on time; the vendor's own filing is not a complaint against it
    h.deal(q1, "cancelled", NOW - 6 * DAY)  # never paid
    d9 = h.deal(q1, "released", NOW - 500 * DAY, ship_by=NOW - 490 * DAY, shipped=NOW - 480 * DAY,
                delivered=NOW - 470 * DAY, dispute_by="buyer")  # before the window
    # reviews
    h.review(d1, 5, 4, 5, NOW - 17 * DAY)  # May
    h.review(d2, 4, 2, 4, NOW - 9 * DAY)  # June
    h.review(d3, 2, 3, 1, NOW - 5 * DAY)  # June
    h.review(d9, 1, 1, 1, NOW - 460 * DAY)  # before the window
    db.session.commit()
    return h.vendor


def _values(card) -> dict:
    return {name: (card[name]["value"], card[name]["count"]) for name in (
        "response_rate", "median_response_hours", "win_rate", "on_time_rate", "delivery_rate", "dispute_rate",
        "rating_quality", "rating_on_time", "rating_communication")}


def test_scorecard_matches_the_hand_computed_figures(app, world):
    vendor = _seed(world)
    assert _values(vendor_scorecard(vendor, days=365, now=NOW)) == {
        "response_rate": (0.6, 5),  # r1, r2, r8 answered of r1, r2, r3, r6, r8
        "median_response_hours": (10.0, 3),  # 2 h, 10 h, 30 h
        "win_rate": (0.333, 3),  # r1 won of r1, r2 (rejected), r9 (expired)
        "on_time_rate": (0.6, 5),  # d1, d3, d7 of d1, d2 (late), d3, d4 (missed), d7
        "delivery_rate": (0.667, 3),  # d1, d2 of d1, d2, d3 (disputed)
        "dispute_rate": (0.167, 6),  # d3 of d1, d2, d3, d4, d5, d7
        "rating_quality": (3.67, 3),  # (5 + 4 + 2) / 3
        "rating_on_time": (3.0, 3),  # (4 + 2 + 3) / 3
        "rating_communication": (3.33, 3),  # (5 + 4 + 1) / 3
    }
    # a shorter window: only the last 12 days (r3, r6, r8; d4, d5, d6, d7, d8; reviews of d2, d3)
    assert _values(vendor_scorecard(vendor, days=12, now=NOW)) == {
        "response_rate": (0.333, 3), "median_response_hours": (30.0, 1), "win_rate": (None, 0),
        "on_time_rate": (0.5, 2), "delivery_rate": (None, 0), "dispute_rate": (0.0, 3),
        "rating_quality": (3.0, 2), "rating_on_time": (2.5, 2), "rating_communication": (2.5, 2),
    }


def test_monthly_scorecard_lists_every_month_with_its_own_figures(app, world):
    vendor = _seed(world)
    months = monthly_scorecard(vendor, months=12, now=NOW)
    assert [m["month"].isoformat() for m in (months[0], months[-2], months[-1])] == \
        ["2025-07-01", "2026-05-01", "2026-06-01"]
    may, june = _values(months[-2]), _values(months[-1])
    assert may["response_rate"] == (1.0, 2) and june["response_rate"] == (0.333, 3)  # r1, r2 | r3, r6, r8
    assert may["rating_quality"] == (5.0, 1) and june["rating_quality"] == (3.0, 2)
    assert may["on_time_rate"] == (0.667, 3)  # deals created in May: d1, d2 (late), d3
    assert june["on_time_rate"] == (0.5, 2)  # d4 (missed), d7
    assert all(_values(m)["response_rate"] == (None, 0) for m in months[:10])


def test_scorecards_for_many_vendors_take_four_queries(app, world):
    vendor = _seed(world)
    empty = world.vendors[1].org_id
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        cards = scorecards([vendor, empty, *range(10**9, 10**9 + 50)], now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 4
    assert len(cards) == 52
    assert cards[empty]["track_score"] == 0.0 and all(cards[empty][f]["count"] == 0 for f in ("response_rate", "win_rate"))
    # (0.2·5/8 + 0.2·5/8 + 0.334·3/6 + 0.666·6/9 + ((3.67+3+3.33)/3 − 3)/2·3/6) / 5
    assert cards[vendor]["track_score"] == pytest.approx(0.189, abs=0.001)


def _laser_rfq(api, buyer) -> dict:
    rfq = api.post("/rfqs", buyer, {
        "title": "Máy cắt laser CNC", "delivery_region": "VN-SG", "quote_deadline": (utcnow() + 5 * DAY).isoformat(),
        "lines": [{"description": "Máy cắt laser CNC", "quantity": 20, "unit": "piece"}]}, expect=201)
    return api.post(f"/rfqs/{rfq['id']}/publish", buyer)


def _ranking(api, buyer, rfq) -> list[tuple[int, float]]:
    matches = api.get(f"/rfqs/{rfq['id']}/matches?limit=100", buyer)["items"]
    return [(m["vendor_id"], m["rationale"]["track_record"]["score"]) for m in sorted(matches, key=lambda m: m["rank"])]


def test_a_good_track_record_ranks_an_otherwise_equal_vendor_first(api, run_jobs):
    admin = api.platform_admin()
    first, second = (api.verified_vendor(admin, ("VN",), f"Laser {n}") for n in (1, 2))
    for n, vendor in enumerate((first, second)):
        api.product(vendor, f"LASER-{n}", "Máy cắt laser CNC 3kW", "350000000", moq=1, hs_code="845611")
    buyer = api.register("buyer")

    before = _laser_rfq(api, buyer)
    run_jobs()
    # the same catalog, no history: a tie, broken by id
    assert _ranking(api, buyer, before) == [(first.org_id, 0.0), (second.org_id, 0.0)]

    # the second vendor answered, won, shipped on time, delivered without a dispute and was rated well, 3 times
    h = History(buyer, second.org_id)
    now = utcnow()
    quote = h.quote(db.session.get(Rfq, before["id"]), "accepted", now - 20 * DAY)
    for i in range(3):
        deal = h.deal(quote, "released", now - (19 - i) * DAY, ship_by=now - (12 - i) * DAY,
                      shipped=now - (14 - i) * DAY, delivered=now - (11 - i) * DAY)
        h.review(deal, 5, 5, 5, now - (10 - i) * DAY)
    db.session.commit()

    after = _laser_rfq(api, buyer)
    run_jobs()
    ranking = _ranking(api, buyer, after)
    assert [vid for vid, _ in ranking] == [second.org_id, first.org_id]
    assert ranking[0][1] > 0 and ranking[1][1] == 0.0
    top = api.get(f"/rfqs/{after['id']}/matches?limit=100", buyer)["items"][0]["rationale"]["track_record"]
    assert top["response_rate"] == 1.0 and top["on_time_rate"] == 1.0 and top["on_time_rate_count"] == 3
