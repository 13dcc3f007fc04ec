"""Filing a dispute over HTTP: either party within the filing window, scoped to lines and quantities with a
claimed amount never above what is held; the deal's own records attached; the other party and the platform
told."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import sqlalchemy as sa

from marketplace.database import utcnow

from ..factories import assert_ledger_sound

TWO_LINES = [{"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece"},
             {"description": "Phớt chặn dầu 35x52", "quantity": 200, "unit": "piece"}]


def _deal(api, world, lines=None) -> dict:
    """A shipped deal of ``world.vendors[0]`` (two lines by default): 17 500 VND a unit, 500 000 freight."""
    rfq = api.open_rfq(world.buyer, [world.vendors[0]], lines=lines or TWO_LINES)
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        ins = m["instructions"]
        api.post("/admin/bank-transfers", world.admin,
                 {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    return api.get(f"/deals/{deal['id']}", world.buyer)


def _file(api, who, deal, expect=201, **body):
    body = {"reason": "damaged", "description": "a third of the bearings arrived rusted", **body}
    return api.post(f"/deals/{deal['id']}/disputes", who, body, expect=expect)


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", who)["items"]]


def test_buyer_scopes_lines_and_the_claim_defaults_to_their_value(api, world, db):
    deal = _deal(api, world)
    first, second = deal["lines"]
    dispute = _file(api, world.buyer, deal, reason="quantity_short",
                    lines=[{"deal_line_id": first["id"], "quantity": 100},
                           {"deal_line_id": second["id"], "quantity": 200}])
    assert dispute["opened_by_party"] == "buyer" and dispute["status"] == "open"
    assert dispute["claimed_amount"] == str(100 * 17500 + 200 * 17500)
    assert dispute["requested_outcome"] == "partial_refund"
    assert [(s["deal_line_id"], s["quantity"], s["amount"]) for s in dispute["scope"]] == [
        (first["id"], 100, str(100 * 17500)), (second["id"], 200, second["amount"])]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "disputed"
    # the vendor and the platform's staff are told
    assert "dispute_opened" in _kinds(api, world.vendors[0])
    assert "dispute_filed" in _kinds(api, world.admin)
    assert_ledger_sound(db)


def test_the_whole_deal_claims_everything_held_and_a_claim_may_be_named(api, world):
    deal = _deal(api, world)
    whole = _file(api, world.buyer, deal, reason="not_received", description="nothing arrived at all")
    assert whole["claimed_amount"] == deal["total"] and whole["requested_outcome"] == "refund"
    assert len(whole["scope"]) == 2 and all(s["quantity"] == line["quantity"]
                                            for s, line in zip(whole["scope"], deal["lines"]))
    other = _deal(api, world)
    named = _file(api, world.buyer, other, claimed_amount=other["total"], requested_outcome="return_and_refund")
    assert named["claimed_amount"] == other["total"] and named["requested_outcome"] == "return_and_refund"


def test_the_deal_records_are_attached_with_their_sha256(api, world):
    deal = _deal(api, world)
    did = _file(api, world.buyer, deal)["id"]
    pieces = api.get(f"/disputes/{did}/evidence", world.vendors[0])["items"]
    assert [(p["kind"], p["record_type"], p["party"]) for p in pieces] == [
        ("record", "terms", "platform"), ("record", "payments", "platform"), ("record", "shipments", "platform"),
        ("record", "delivery", "platform")]
    for piece in pieces:
        resp = api.call("GET", f"/disputes/{did}/evidence/{piece['id']}/file", world.buyer, expect=200)
        body = resp.get_data()
        assert hashlib.sha256(body).hexdigest() == piece["sha256"] and len(body) == piece["size_bytes"]
        assert resp.mimetype == "application/json"
    terms = json.loads(api.call("GET", f"/disputes/{did}/evidence/{pieces[0]['id']}/file", world.buyer).get_data())
    assert terms["total"] == deal["total"] and [line["id"] for line in terms["lines"]] == [
        line["id"] for line in deal["lines"]]
    shipments = json.loads(api.call("GET", f"/disputes/{did}/evidence/{pieces[2]['id']}/file", world.admin).get_data())
    assert shipments["shipments"][0]["carrier"] == "manual" and shipments["shipments"][0]["events"]


def test_the_vendor_files_when_the_buyer_is_silent_and_the_buyer_answers(api, world):
    deal = _deal(api, world)
    refused = _file(api, world.vendors[0], deal, expect=422)  # a vendor does not complain about the goods
    assert list(refused["error"]["fields"]) == ["reason"]
    dispute = _file(api, world.vendors[0], deal, reason="other",
                    description="delivered two weeks ago; the buyer neither confirms nor answers")
    assert dispute["opened_by_party"] == "vendor" and dispute["requested_outcome"] == "release"
    assert dispute["claimed_amount"] == deal["total"]
    assert "dispute_opened_by_vendor" in _kinds(api, world.buyer)
    assert "dispute_filed" in _kinds(api, world.admin)
    # the vendor writing changes nothing; the buyer's first word is the response
    api.post(f"/disputes/{dispute['id']}/messages", world.vendors[0], {"body": "please confirm"}, expect=201)
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "open"
    api.post(f"/disputes/{dispute['id']}/messages", world.buyer, {"body": "the goods are fine"}, expect=201)
    assert api.get(f"/disputes/{dispute['id']}", world.vendors[0])["status"] == "negotiating"
    # a vendor cannot withdraw (withdrawal is the buyer's acceptance); the other vendor cannot file at all
    api.post(f"/disputes/{dispute['id']}/withdraw", world.vendors[0], expect=403)
    api.post(f"/deals/{deal['id']}/disputes", world.vendors[1], {"reason": "other", "description": "not mine"},
             expect=404)


def test_filing_after_the_window_is_a_409(api, world, db, app):
    deal = _deal(api, world)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    days = app.config["DISPUTE_FILING_DAYS"]
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE deals SET delivered_at = :at WHERE id = :id"),
                     {"at": utcnow() - timedelta(days=days, hours=1), "id": deal["id"]})
    late = _file(api, world.buyer, deal, expect=409)
    assert late["error"]["code"] == "filing_window_closed"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE deals SET delivered_at = :at WHERE id = :id"),
                     {"at": utcnow() - timedelta(days=days - 1), "id": deal["id"]})
    assert _file(api, world.buyer, deal)["status"] == "open"


def test_a_deal_not_yet_shipped_cannot_be_disputed(api, world):
    deal = api.funded_deal(world)
    assert _file(api, world.buyer, deal, expect=409)["error"]["code"] in ("illegal_transition", "conflict")


def test_scope_and_claim_are_checked_field_by_field(api, world):
    deal = _deal(api, world)
    first, second = deal["lines"]
    cases = [
        ({"lines": [{"deal_line_id": 999999, "quantity": 1}]}, ["lines"]),
        ({"lines": [{"deal_line_id": first["id"], "quantity": 0}]}, ["lines"]),
        ({"lines": [{"deal_line_id": first["id"], "quantity": first["quantity"] + 1}]}, ["lines"]),
        ({"lines": [{"deal_line_id": first["id"], "quantity": 1}, {"deal_line_id": first["id"], "quantity": 2}]},
         ["lines"]),
        ({"lines": [{"deal_line_id": second["id"], "quantity": "2"}]}, ["lines"]),
        ({"claimed_amount": str(int(deal["total"]) + 1)}, ["claimed_amount"]),
        ({"claimed_amount": "0"}, ["claimed_amount"]),
        ({"claimed_amount": "10.5"}, ["claimed_amount"]),  # VND has no decimals
        ({"claimed_amount": 1000}, ["claimed_amount"]),  # money is a decimal string
        ({"requested_outcome": "release"}, ["requested_outcome"]),  # a buyer asks for its money, not the vendor's
        ({"reason": "lost_in_space"}, ["reason"]),
    ]
    for body, fields in cases:
        refused = _file(api, world.buyer, deal, expect=422, **body)
        assert list(refused["error"]["fields"]) == fields, (body, refused)
    wrong_quantity = _file(api, world.buyer, deal, expect=422,
                           lines=[{"deal_line_id": first["id"], "quantity": first["quantity"] + 1}])
    assert wrong_quantity["error"]["fields"]["lines"]["0"]["quantity"] == [f"between 1 and {first['quantity']}"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"  # nothing was opened
    # the bounds themselves are fine
    exact = _file(api, world.buyer, deal, claimed_amount="1", lines=[{"deal_line_id": first["id"], "quantity": 1}])
    assert exact["claimed_amount"] == "1" and exact["scope"][0]["amount"] == "17500"


def test_one_live_case_per_deal_whoever_files(api, world):
    deal = _deal(api, world)
    dispute = _file(api, world.buyer, deal)
    assert _file(api, world.buyer, deal)["id"] == dispute["id"]  # the buyer's repeat returns its case
    taken = _file(api, world.vendors[0], deal, expect=409, reason="other", description="the buyer is silent")
    assert taken["error"]["code"] == "already_disputed"
    assert taken["error"]["details"]["dispute_id"] == dispute["id"]
