"""The services behind the admin pages: the dispute desk and its allocation preview (checked against the
real settlement), the bank-transfer desk, the money-over-time series and the server-side SVG chart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.actors import Actor, ActorRole
from marketplace.database import utcnow
from marketplace.deals.bank_desk import awaiting_bank_transfers
from marketplace.deals.models import Deal
from marketplace.disputes import services as cases
from marketplace.errors import InvalidInputError
from marketplace.escrow import dashboard, ledger
from marketplace.extensions import db
from marketplace.web.charts import Series, line_chart
from tests.factories import awaiting_deal

TWO_MILESTONES = [{"name": "deposit", "percent": 30, "due": "on_award"},
                  {"name": "balance", "percent": 70, "due": "before_shipment"}]


def admin_actor(world) -> Actor:
    return Actor(role=ActorRole.ADMIN, user_id=world.admin.user_id, org_id=world.admin.org_id, member_role="admin")


def disputed(api, world, terms=None):
    deal, _shipment = api.shipped_deal(world, terms=terms)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "rusted bearings"}, expect=201)
    return fresh(deal["id"]), dispute


def fresh(deal_id: int) -> Deal:
    """The deal as the database has it now (an API call in between ends the test's session)."""
    db.session.remove()
    return db.session.get(Deal, deal_id)


def test_the_preview_is_exactly_what_the_settlement_moves(api, world, run_jobs):
    deal, dispute = disputed(api, world, terms=TWO_MILESTONES)
    preview = cases.allocation_preview(deal, "split", "7000001")
    assert preview["held"] == deal.total
    assert preview["vendor_gross"] == 7_000_001
    assert preview["to_vendor"] + preview["commission"] + preview["to_buyer"] == preview["held"]

    deal_id = deal.id
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "7000001"})
    run_jobs()
    summary = ledger.deal_summary(deal_id, "VND")
    assert (summary["released"], summary["commission"], summary["refunded"]) == (
        preview["to_vendor"], preview["commission"], preview["to_buyer"])


def test_release_refund_and_bad_splits(api, world):
    deal, _dispute = disputed(api, world)
    release = cases.allocation_preview(deal, "release")
    assert release["to_buyer"] == 0 and release["vendor_gross"] == release["held"] > 0
    refund = cases.allocation_preview(deal, "refund")
    assert refund["to_buyer"] == refund["held"] and refund["commission"] == refund["to_vendor"] == 0
    for amount in (None, "", "-1", "1.5", str(deal.total + 1)):
        with pytest.raises(InvalidInputError):
            cases.allocation_preview(deal, "split", amount)
    with pytest.raises(InvalidInputError):
        cases.allocation_preview(deal, "halve")


def test_the_desk_lists_live_disputes_oldest_first(api, world, run_jobs):
    first_deal, first = disputed(api, world)
    buyer_id, vendor_id = first_deal.buyer_id, first_deal.vendor_id
    _second_deal, second = disputed(api, world)
    page = cases.live_disputes({"limit": 10})
    assert [d["id"] for d in page["items"]] == [first["id"], second["id"]]
    assert cases.decidable(page["items"][0]["dispute"])
    one = cases.live_disputes({"limit": 1})
    assert [d["id"] for d in cases.live_disputes({"limit": 1, "cursor": one["next_cursor"]})["items"]] == [second["id"]]
    api.post(f"/admin/disputes/{first['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    run_jobs()
    assert [d["id"] for d in cases.live_disputes({"limit": 10})["items"]] == [second["id"]]
    names = cases.organization_names({buyer_id, vendor_id})
    assert names == {buyer_id: "Nhà máy May Việt Tiến", vendor_id: "Cơ khí Sài Gòn"}


def test_the_bank_desk_lists_awaited_transfers_until_confirmed(api, world):
    deal, milestones = awaiting_deal(api, world)
    rows = awaiting_bank_transfers(admin_actor(world))
    assert [(r["deal"].id, r["reference"], r["amount"]) for r in rows] == [
        (deal["id"], m["reference"], m["amount"]) for m in milestones]
    assert rows[0]["buyer"] == "Nhà máy May Việt Tiến" and rows[0]["vendor"] == "Cơ khí Sài Gòn"
    for m in milestones:
        api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(m["amount"]),
                                                        "currency": "VND"})
    assert awaiting_bank_transfers(admin_actor(world)) == []


def test_money_over_time_follows_the_escrow_accounts(api, world, run_jobs):
    deal = api.funded_deal(world)
    total = db.session.get(Deal, deal["id"]).total
    points = dashboard.money_over_time("VND", days=7)
    assert len(points) == 7 and points[-1]["day"] == utcnow().date()
    assert points[-1]["held"] == ledger.total_held("VND")["VND"] == total
    assert points[-1]["funded"] == total and all(p["held"] == 0 for p in points[:-1])
    # a week later the money is still held: it carries over from before the window
    later = dashboard.money_over_time("VND", days=3, now=utcnow() + timedelta(days=7))
    assert [p["held"] for p in later] == [total] * 3 and all(p["released"] == 0 for p in later)
    assert dashboard.ledger_currencies() == ["VND"]


def test_the_chart_is_plain_svg_without_inline_style():
    svg = str(line_chart("Held <now>", ["1/11", "2/11", "3/11"], [
        Series("Held", [0, 1500, 1000], "#1f6feb"), Series("Released", [0, 0, 500], "#2da44e", kind="bars")],
        lambda v: f"{v} ₫"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style=" not in svg and "<script" not in svg and "Held &lt;now&gt;" in svg
    assert svg.count("<polyline") == 1 and svg.count('class="bar"') == 1
    assert "2000 ₫" in svg  # the axis tops out at a round number above the peak
