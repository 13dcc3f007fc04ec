"""Return-and-refund over HTTP: an outcome with a return waits for the goods; the buyer ships them back on a
return shipment, its delivery starts the vendor's inspection, the vendor's receipt settles exactly the
refund; goods never shipped fall back to the vendor; the vendor's silence accepts; a rejection reopens."""

from __future__ import annotations

from datetime import datetime, timedelta

from marketplace.escrow import ledger
from marketplace.jobs import sweep

from ..factories import TOTAL, assert_ledger_sound


def _dispute(api, world) -> tuple[dict, dict]:
    deal, _ = api.shipped_deal(world)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "not_as_described", "description": "bearings are 6204, not 6205"}, expect=201)
    return deal, dispute


def _summary(db, deal_id: int) -> dict:
    assert_ledger_sound(db)
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"], s
    return s


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_return_and_refund_completes_through_a_return_shipment(api, world, run_jobs, db):
    deal, dispute = _dispute(api, world)
    did, vendor, buyer = dispute["id"], world.vendors[0], world.buyer
    offer = api.post(f"/disputes/{did}/offers", vendor, {"buyer_amount": str(TOTAL), "return_required": True,
                                                         "note": "send them back, full refund"}, expect=201)
    accepted = api.post(f"/disputes/{did}/offers/{offer['id']}/accept", buyer, {})
    assert accepted["status"] == "awaiting_return" and accepted["deadline_kind"] == "return_ship"
    assert accepted["decision"]["return_required"] is True and accepted["decision"]["outcome"] == "refund"
    run_jobs()
    assert _summary(db, deal["id"])["held"] == TOTAL  # nothing moves before the goods are back
    # only the buyer ships the return; not twice
    api.post(f"/disputes/{did}/return-shipment", vendor, {"carrier": "manual"}, expect=403)
    shipped = api.post(f"/disputes/{did}/return-shipment", buyer,
                       {"carrier": "manual", "tracking_number": "RET-0001"}, expect=201)
    assert shipped["status"] == "return_in_transit" and shipped["return_shipment_id"]
    assert api.post(f"/disputes/{did}/return-shipment", buyer, {"carrier": "manual", "tracking_number": "RET-0001"},
                    expect=201)["return_shipment_id"] == shipped["return_shipment_id"]
    shipment = api.get(f"/shipments/{shipped['return_shipment_id']}", vendor)
    assert shipment["direction"] == "return" and shipment["tracking_number"] == "RET-0001"

    # the carrier (here the vendor, for a manual shipment) reports it delivered: the inspection starts
    api.post(f"/shipments/{shipment['id']}/events", vendor, {"status": "delivered"}, expect=201)
    inspecting = api.get(f"/disputes/{did}", buyer)
    assert inspecting["status"] == "return_inspection" and inspecting["deadline_kind"] == "return_inspection"
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "disputed"  # the forward delivery is untouched
    api.post(f"/disputes/{did}/return/receipt", buyer, {}, expect=403)
    received = api.post(f"/disputes/{did}/return/receipt", vendor, {})
    assert received["status"] == "decided" and received["return_received_at"]
    run_jobs()
    assert api.get(f"/disputes/{did}", buyer)["status"] == "resolved"
    s = _summary(db, deal["id"])
    assert s == {"funded": TOTAL, "released": 0, "commission": 0, "refunded": TOTAL, "held": 0}


def test_goods_never_shipped_back_fall_back_to_the_vendor(api, world, run_jobs, db):
    deal, dispute = _dispute(api, world)
    did = dispute["id"]
    decided = api.post(f"/admin/disputes/{did}/decision", world.admin,
                       {"outcome": "refund", "return_required": True, "rationale": "wrong type: return them"})
    assert decided["status"] == "awaiting_return" and decided["decision"]["rationale"] == "wrong type: return them"
    due = _at(decided["deadline_at"])
    sweep(due - timedelta(minutes=1))
    assert api.get(f"/disputes/{did}", world.buyer)["status"] == "awaiting_return"
    sweep(due + timedelta(minutes=1))
    run_jobs()
    shown = api.get(f"/disputes/{did}", world.buyer)
    assert shown["status"] == "resolved" and shown["decision"]["fallback"] == "return_not_shipped"
    assert shown["decision"]["outcome"] == "release"
    events = api.get(f"/disputes/{did}/events?limit=100", world.buyer)["items"]
    assert any(e["name"] == "return_fallback" for e in events)
    s = _summary(db, deal["id"])
    assert s["refunded"] == 0 and s["released"] + s["commission"] == TOTAL and s["held"] == 0
    # too late to ship now
    api.post(f"/disputes/{did}/return-shipment", world.buyer, {"carrier": "manual"}, expect=409)


def test_the_vendor_silent_after_delivery_accepts_the_return(api, world, run_jobs, db):
    deal, dispute = _dispute(api, world)
    did = dispute["id"]
    api.post(f"/admin/disputes/{did}/decision", world.admin,
             {"outcome": "split", "buyer_amount": "3500000", "return_required": True, "rationale": "200 wrong pieces"})
    shipped = api.post(f"/disputes/{did}/return-shipment", world.buyer, {"carrier": "manual"}, expect=201)
    api.post(f"/shipments/{shipped['return_shipment_id']}/events", world.vendors[0], {"status": "delivered"},
             expect=201)
    due = _at(api.get(f"/disputes/{did}", world.buyer)["deadline_at"])
    sweep(due + timedelta(minutes=1))
    run_jobs()
    shown = api.get(f"/disputes/{did}", world.buyer)
    assert shown["status"] == "resolved" and shown["decision"]["fallback"] is None and shown["return_received_at"]
    s = _summary(db, deal["id"])
    assert s["refunded"] == 3500000 and s["released"] + s["commission"] == TOTAL - 3500000


def test_the_vendor_rejecting_returned_goods_reopens_the_case(api, world, run_jobs, db):
    deal, dispute = _dispute(api, world)
    did = dispute["id"]
    api.post(f"/admin/disputes/{did}/decision", world.admin,
             {"outcome": "refund", "return_required": True, "rationale": "return them"})
    api.post(f"/disputes/{did}/return/rejection", world.vendors[0], {"reason": "nothing came"}, expect=409)
    api.post(f"/disputes/{did}/return-shipment", world.buyer, {"carrier": "manual"}, expect=201)
    rejected = api.post(f"/disputes/{did}/return/rejection", world.vendors[0],
                        {"reason": "the box held scrap metal, not our bearings"})
    assert rejected["status"] == "escalated" and rejected["decision"] is None
    events = api.get(f"/disputes/{did}/events?limit=100", world.admin)["items"]
    reject = next(e for e in events if e["name"] == "reject_return")
    assert reject["payload"]["reason"] == "the box held scrap metal, not our bearings"
    assert reject["payload"]["set_aside"]["outcome"] == "refund"
    # the platform decides again: the real goods must come back; the rejected shipment does not count
    decided = api.post(f"/admin/disputes/{did}/decision", world.admin,
                       {"outcome": "refund", "return_required": True, "rationale": "ship the real bearings back"})
    assert decided["status"] == "awaiting_return" and decided["return_shipment_id"] is None
    sweep(_at(decided["deadline_at"]) + timedelta(minutes=1))  # nothing shipped this time: the fallback
    run_jobs()
    assert api.get(f"/disputes/{did}", world.buyer)["decision"]["fallback"] == "return_not_shipped"
    s = _summary(db, deal["id"])
    assert s["refunded"] == 0 and s["held"] == 0
