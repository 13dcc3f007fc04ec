"""The approval path of RFQs above the threshold, the buyer's next step, the award preview and coded gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.actors import Actor, ActorRole
from marketplace.database import utcnow
from marketplace.errors import ConflictError, ForbiddenError
from marketplace.rfq.models import Rfq, RfqStatus
from marketplace.rfq.services.award import preview_award, rfq_deals
from marketplace.rfq.services.comparison import comparison_gaps
from marketplace.rfq.services.rfqs import (
    approvals_queue,
    approve_rfq,
    build_rfq,
    buyer_rfq_next_step,
    is_awaiting_approval,
    reject_rfq_approval,
    rfq_timeline,
    submit_rfq,
)

LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece", "target_unit_price": "20000"},
         {"description": "Vòng bi 6206", "quantity": 500, "unit": "piece", "target_unit_price": "22000"}]


def actor(who, role: str) -> Actor:
    return Actor(ActorRole.BUYER, user_id=who.user_id, org_id=who.org_id, member_role=role)


@pytest.fixture
def people(api, world):
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer, json={"approval_threshold": "10000000"},
             expect=200)
    return actor(world.buyer_members["requester"], "requester"), actor(world.buyer_members["approver"], "approver")


def draft(db, requester, lines=LINES, submit=False) -> Rfq:
    rfq = build_rfq(requester, {"title": "Vòng bi", "description": "", "incoterm": "DAP", "visibility": "open",
                                "delivery_region": "VN-SG", "quote_deadline": utcnow() + timedelta(days=3),
                                "lines": lines}, submit=submit)
    db.session.commit()
    return rfq


def kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications?limit=100", who)["items"]]


def test_requester_submits_above_threshold_and_the_approver_publishes(db, api, world, people):
    requester, approver = people
    rfq = draft(db, requester, submit=True)
    assert rfq.status == RfqStatus.DRAFT and is_awaiting_approval(rfq)
    assert "rfq_approval_requested" in kinds(api, world.buyer)
    assert [r.id for r in approvals_queue(approver)] == [rfq.id]
    assert buyer_rfq_next_step(approver, rfq).action == "approve"
    assert buyer_rfq_next_step(requester, rfq).waiting_for == "approver"
    with pytest.raises(ForbiddenError):
        approvals_queue(requester)
    with pytest.raises(ForbiddenError):
        approve_rfq(requester, rfq.id)
    with pytest.raises(ConflictError):
        submit_rfq(requester, rfq.id)  # already waiting
    db.session.rollback()

    approve_rfq(approver, rfq.id)
    db.session.commit()
    assert db.session.get(Rfq, rfq.id).status == RfqStatus.OPEN
    assert approvals_queue(approver) == []
    assert "rfq_approved" in kinds(api, world.buyer)
    names = [e.name for e in rfq_timeline(requester, rfq.id)]
    assert names == ["create", "approval_requested", "approved", "publish"]


def test_refused_rfq_stays_a_draft_and_can_be_submitted_again(db, api, world, people):
    requester, approver = people
    rfq = draft(db, requester, submit=True)
    reject_rfq_approval(approver, rfq.id, "too expensive")
    db.session.commit()
    assert not is_awaiting_approval(rfq) and rfq.status == RfqStatus.DRAFT
    assert approvals_queue(approver) == []
    feed = api.get("/notifications?limit=100", world.buyer)["items"]
    assert any(n["kind"] == "rfq_approval_rejected" and n["data"]["reason"] == "too expensive" for n in feed)
    with pytest.raises(ConflictError):
        approve_rfq(approver, rfq.id)
    db.session.rollback()
    submit_rfq(requester, rfq.id)
    db.session.commit()
    assert [r.id for r in approvals_queue(approver)] == [rfq.id]


def test_below_the_threshold_submit_publishes_at_once(db, world, people):
    requester, _ = people
    rfq = draft(db, requester, lines=[{"description": "Vòng bi", "quantity": 10, "unit": "piece",
                                       "target_unit_price": "20000"}], submit=True)
    assert rfq.status == RfqStatus.OPEN
    assert buyer_rfq_next_step(requester, rfq).waiting_for == "vendor"


def test_preview_award_changes_nothing_and_matches_the_deals(db, api, world, people):
    requester, approver = people
    rfq = draft(db, approver, submit=True)  # an approver publishes at once
    body = api.get(f"/rfqs/{rfq.id}", world.buyer)
    v1, v2 = world.vendors
    q1 = api.post(f"/rfqs/{rfq.id}/quotes", v1, {"lead_time_days": 5, "freight": "300000", "incoterm": "FCA", "lines": [
        {"rfq_line_id": line["id"], "unit_price": p, "quantity": line["quantity"]}
        for line, p in zip(body["lines"], ["17500", "23000"])]}, expect=201)
    q2 = api.post(f"/rfqs/{rfq.id}/quotes", v2, {"lead_time_days": 5, "lines": [
        {"rfq_line_id": body["lines"][1]["id"], "unit_price": "20500", "quantity": 500}]}, expect=201)
    gaps = comparison_gaps(requester, rfq.id)
    assert {g["code"] for g in gaps[q1["id"]]} == {"carriage_excluded"}
    assert [g["code"] for g in gaps[q2["id"]]] == ["line_not_quoted"]

    choice = {"lines": [{"rfq_line_id": body["lines"][0]["id"], "quote_id": q1["id"]},
                        {"rfq_line_id": body["lines"][1]["id"], "quote_id": q2["id"]}]}
    preview = preview_award(requester, rfq.id, choice)
    db.session.rollback()
    assert rfq_deals(requester, rfq.id) == []
    assert [(p["vendor_id"], p["goods"]) for p in preview] == [(v1.org_id, 17_500_000), (v2.org_id, 10_250_000)]
    deals = api.post(f"/rfqs/{rfq.id}/award", world.buyer, choice, expect=201)["deals"]
    assert sorted(int(d["total"]) for d in deals) == sorted(p["total"] for p in preview)
    assert len(rfq_deals(requester, rfq.id)) == 2
