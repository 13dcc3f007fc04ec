"""Dispute deadlines over HTTP: an unanswered case escalates by itself after the respondent's business-day
deadline (the Tết 2027 break counts as it should), negotiation ends after DISPUTE_NEGOTIATION_DAYS, a party
may escalate only after DISPUTE_ESCALATE_AFTER_DAYS, and an admin's evidence request lapses into review
(recorded, not lost) or is answered. Time moves through ``sweep(now)``; the opening day is set by travelling
the clock (time-machine) while the case is filed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from marketplace.jobs import sweep

from ..factories import assert_ledger_sound

ICT = ZoneInfo("Asia/Ho_Chi_Minh")


def _dispute(api, world) -> tuple[dict, dict]:
    deal, _ = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third of the bearings arrived rusted"}, expect=201)
    return deal, dispute


def _events(api, who, did) -> list[dict]:
    return api.get(f"/disputes/{did}/events?limit=100", who)["items"]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_vendor_ignoring_the_case_escalates_it_after_three_business_days_across_tet(api, world, run_jobs, db):
    # filed on Wednesday 3 Feb 2027, the day before the Tết break (4-10 Feb are off in Vietnam)
    with time_machine.travel(datetime(2027, 2, 3, 10, 0, tzinfo=ICT), tick=True):
        deal, dispute = _dispute(api, world)
    did = dispute["id"]
    # Thu 11, Fri 12, Mon 15 Feb: the deadline is the end of Monday 15 Feb in Hà Nội (17:00 UTC)
    due = datetime(2027, 2, 15, 17, 0, tzinfo=UTC)
    assert dispute["deadline_kind"] == "response" and _at(dispute["deadline_at"]) == due

    # without the holidays it would have been the end of Monday 8 Feb: nothing happens then
    sweep(datetime(2027, 2, 8, 17, 1, tzinfo=UTC))
    sweep(due - timedelta(minutes=1))
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "open"

    sweep(due + timedelta(minutes=1))
    run_jobs()
    shown = api.get(f"/disputes/{did}", world.admin)
    assert shown["status"] == "escalated" and shown["escalated_at"] and shown["deadline_at"] is None
    events = _events(api, world.buyer, did)
    escalation = [e for e in events if e["name"] == "escalate"]
    assert len(escalation) == 1 and escalation[0]["actor_role"] == "system"
    assert escalation[0]["payload"] == {"deadline": "response"}
    silent = [e for e in events if e["name"] == "respondent_silent"]
    assert len(silent) == 1 and silent[0]["payload"] == {"party": "vendor"}
    for who in (world.buyer, world.vendors[0], world.admin):
        notes = api.get("/notifications?limit=100", who)["items"]
        assert any(n["kind"] == "dispute_state_changed" and n["data"]["state"] == "escalated" for n in notes)
    # nothing fires twice, and the money stays held
    assert sweep(due + timedelta(days=60))["deadlines"] == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"
    assert_ledger_sound(db)


def test_negotiation_escalates_after_its_days_and_a_party_may_escalate_after_three(api, world, app):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=ICT)
    with time_machine.travel(opened, tick=True):
        _, dispute = _dispute(api, world)
        did = dispute["id"]
        api.post(f"/disputes/{did}/messages", world.vendors[0], {"body": "we are checking the batch"}, expect=201)
        shown = api.get(f"/disputes/{did}", world.buyer)
        assert shown["status"] == "negotiating" and shown["deadline_kind"] == "negotiation"
        due = _at(shown["deadline_at"])
        assert due - _at(dispute["created_at"]) == timedelta(days=app.config["DISPUTE_NEGOTIATION_DAYS"])
        # too early for a party to call the platform in
        body = api.post(f"/disputes/{did}/escalate", world.buyer, {}, expect=409)
        assert body["error"]["code"] == "too_early" and body["error"]["details"]["allowed_from"]
    sweep(due - timedelta(minutes=1))
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "negotiating"
    sweep(due + timedelta(minutes=1))
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "escalated"

    # another case: the buyer escalates itself once DISPUTE_ESCALATE_AFTER_DAYS have passed
    second = datetime(2026, 12, 20, 9, 0, tzinfo=ICT)
    with time_machine.travel(second, tick=True):
        _, other = _dispute(api, world)
    later = second + timedelta(days=app.config["DISPUTE_ESCALATE_AFTER_DAYS"], minutes=1)
    with time_machine.travel(later, tick=True):
        escalated = api.post(f"/disputes/{other['id']}/escalate", world.buyer, {"note": "no answer"})
    assert escalated["status"] == "escalated"
    # escalating an escalated case changes nothing (a double click)
    again = api.post(f"/disputes/{other['id']}/escalate", world.vendors[0], {})
    assert again["escalated_at"] == escalated["escalated_at"]
    api.post(f"/disputes/{other['id']}/escalate", world.admin, {}, expect=403)


def test_an_evidence_request_lapses_into_review_and_is_recorded(api, world, run_jobs, db):
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=ICT), tick=True):  # a Monday
        _, dispute = _dispute(api, world)
        did = dispute["id"]
        api.post(f"/disputes/{did}/offers", world.vendors[0], {"buyer_amount": "1000"}, expect=201)
        api.post(f"/disputes/{did}/escalate", world.buyer, {}, expect=409)  # too early still
    sweep(_at(api.get(f"/disputes/{did}", world.buyer)["deadline_at"]) + timedelta(minutes=1))  # negotiation over
    assert api.get(f"/disputes/{did}", world.admin)["status"] == "escalated"

    with time_machine.travel(datetime(2026, 12, 16, 9, 0, tzinfo=ICT), tick=True):  # a Wednesday
        request = api.post(f"/admin/disputes/{did}/evidence-requests", world.admin,
                           {"party": "vendor", "message": "the packing list, please", "due_business_days": 2},
                           expect=201)
        # due at the end of Friday 18 Dec in Hà Nội
        assert _at(request["due_at"]) == datetime(2026, 12, 18, 17, 0, tzinfo=UTC) and request["status"] == "open"
        shown = api.get(f"/disputes/{did}", world.vendors[0])
        assert shown["status"] == "evidence_requested" and shown["deadline_kind"] == "evidence"
        assert _at(shown["deadline_at"]) == _at(request["due_at"])
        notes = api.get("/notifications?limit=100", world.vendors[0])["items"]
        assert any(n["kind"] == "dispute_evidence_requested" for n in notes)
        # the buyer was not asked; parties and strangers cannot ask
        api.post(f"/disputes/{did}/evidence-requests/{request['id']}/answer", world.buyer, {"answer": "x"},
                 expect=404)
        api.post(f"/admin/disputes/{did}/evidence-requests", world.vendors[0], {"party": "buyer", "message": "x"},
                 expect=403)
    sweep(_at(request["due_at"]) - timedelta(minutes=1))
    assert api.get(f"/disputes/{did}", world.admin)["status"] == "evidence_requested"
    sweep(_at(request["due_at"]) + timedelta(minutes=1))
    shown = api.get(f"/disputes/{did}", world.admin)
    assert shown["status"] == "under_review" and shown["deadline_at"] is None  # back to review, not lost
    requests = api.get(f"/disputes/{did}/evidence-requests", world.vendors[0])["items"]
    assert [r["status"] for r in requests] == ["lapsed"]
    lapsed = [e for e in _events(api, world.admin, did) if e["name"] == "evidence_request_lapsed"]
    assert lapsed and lapsed[0]["payload"] == {"request_id": request["id"], "party": "vendor"}
    body = api.post(f"/disputes/{did}/evidence-requests/{request['id']}/answer", world.vendors[0],
                    {"answer": "late list"}, expect=409)
    assert body["error"]["code"] == "request_not_open"

    # a second request, answered in time: back to review with the answer kept
    asked = api.post(f"/admin/disputes/{did}/evidence-requests", world.admin,
                     {"party": "buyer", "message": "photos of the rust"}, expect=201)
    api.post(f"/disputes/{did}/evidence-requests/{asked['id']}/answer", world.buyer, {}, expect=422)
    answered = api.post(f"/disputes/{did}/evidence-requests/{asked['id']}/answer", world.buyer,
                        {"answer": "photos sent by message"})
    assert answered["status"] == "answered" and answered["answer"] == "photos sent by message"
    assert api.get(f"/disputes/{did}", world.admin)["status"] == "under_review"
    # the admin decides; nothing is left open
    api.post(f"/admin/disputes/{did}/decision", world.admin, {"outcome": "refund", "rationale": "rust on the photos"})
    run_jobs()
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "resolved"
    assert_ledger_sound(db)
