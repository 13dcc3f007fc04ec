"""Framework contracts over HTTP on real services: a contract from an award with call-offs within (and one beyond)
its maximum value, utilisation after each, an amendment accepted by both applying only to later call-offs;
contracts from a price list signed once by an approver; decline, withdraw, lapse, expiry reminders, expiry,
termination with deals under way unaffected, renewal; concurrent call-offs never pass the limit."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.jobs import sweep
from tests.factories import assert_ledger_sound, import_rows, row


def _day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", who)["items"]]


def pay(api, world, deal_id: int) -> None:
    """Pay a deal's before-shipment milestones by bank transfer (the admin imports the statement)."""
    paid = api.post(f"/deals/{deal_id}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in paid["milestones"]:
        if m.get("instructions"):
            import_rows(api, world.admin, row(m["instructions"]["amount"], m["instructions"]["reference"]))


@pytest.fixture
def awarded(api, world):
    """An RFQ for 1,000 bearings and 200 housings awarded as a one-year contract to the first vendor (which has
    not signed yet): 17,500 and 90,000 VND, so 35,500,000 VND at the RFQ's quantities."""
    vendor = world.vendors[0]
    rfq = api.open_rfq(world.buyer, [vendor], lines=[
        {"description": "Vòng bi 6205-2RS", "quantity": 1000, "unit": "piece"},
        {"description": "Gối đỡ UCP205", "quantity": 200, "unit": "piece"}])
    quote = api.post(f"/rfqs/{rfq['id']}/quotes", vendor, {
        "lead_time_days": 7, "freight": "0",
        "payment_terms": [{"name": "deposit", "percent": 30, "due": "before_shipment"},
                          {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}],
        "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": "17500", "quantity": 1000},
                  {"rfq_line_id": rfq["lines"][1]["id"], "unit_price": "90000", "quantity": 200}]}, expect=201)
    result = api.post(f"/rfqs/{rfq['id']}/award-contract", world.buyer, {
        "quote_ids": [quote["id"]], "title": "Vòng bi 2027", "ends_on": _day(365), "max_value": "40000000"},
        expect=201)
    assert len(result["contracts"]) == 1
    return {"rfq": rfq, "quote": quote, "contract": result["contracts"][0]}


def test_a_contract_from_an_award_with_three_call_offs_and_an_amendment(api, world, awarded, db, run_jobs):
    buyer, vendor, requester = world.buyer, world.vendors[0], world.buyer_members["requester"]
    contract = awarded["contract"]
    cid = contract["id"]
    # the award made no deal; the RFQ is awarded and the quote accepted; the buyer's owner signed already
    assert api.get("/deals", buyer)["items"] == []
    assert api.get(f"/rfqs/{awarded['rfq']['id']}", buyer)["status"] == "awarded"
    assert (contract["status"], contract["source"], contract["rfq_id"]) == ("proposed", "award", awarded["rfq"]["id"])
    terms = contract["terms"]
    assert terms["buyer_accepted_at"] is not None and terms["vendor_accepted_at"] is None
    assert terms["sign_by_at"] is not None
    assert [(i["item_no"], i["description"], i["unit_price"], i["committed_qty"]) for i in terms["items"]] == [
        (1, "Vòng bi 6205-2RS", "17500", 1000), (2, "Gối đỡ UCP205", "90000", 200)]
    assert (terms["max_value"], terms["committed_value"]) == ("40000000", "35500000")
    assert terms["payment_terms"][1] == {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}
    assert "contract_proposed" in kinds(api, vendor)
    # nothing can be called off before the vendor signs
    api.post(f"/contracts/{cid}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 10}]}, expect=409)
    assert api.get(f"/contracts/{cid}", vendor)["actions"] == ["sign", "decline"]
    signed = api.post(f"/contracts/{cid}/versions/1/sign", vendor)
    assert signed["status"] == "active"
    assert "contract_signed" in kinds(api, buyer) and "contract_signed" in kinds(api, vendor)

    # call-off 1: a requester, no approval asked; 400 bearings at 17 500
    first = api.post(f"/contracts/{cid}/call-offs", requester, {"lines": [{"item_no": 1, "quantity": 400}]},
                     expect=201)
    assert (first["subtotal"], first["contract_version"], first["deal_status"]) == ("7000000", 1, "awaiting_payment")
    deal = api.get(f"/deals/{first['deal_id']}", buyer)
    assert (deal["status"], deal["total"], deal["rfq_id"]) == ("awaiting_payment", "7000000", None)
    assert [m["percent"] for m in deal["milestones"]] == [30, 70]
    assert "contract_call_off" in kinds(api, vendor)
    use = api.get(f"/contracts/{cid}", buyer)["utilisation"]
    assert (use["ordered_value"], use["remaining_value"], use["call_offs"]) == ("7000000", "33000000", 1)
    assert use["items"][0] == {"item_no": 1, "description": "Vòng bi 6205-2RS", "unit": "piece",
                               "committed_qty": 1000, "ordered_qty": 400, "remaining_qty": 600}

    # call-off 2: 150 housings = 13 500 000 -> 20 500 000 ordered
    second = api.post(f"/contracts/{cid}/call-offs", requester, {"lines": [{"item_no": 2, "quantity": 150}]},
                      expect=201)
    assert second["subtotal"] == "13500000"
    use = api.get(f"/contracts/{cid}", vendor)["utilisation"]
    assert (use["ordered_value"], use["remaining_value"], use["percent_of_max"]) == ("20500000", "19500000", 51.2)

    # call-off 3 would take 21 000 000 more: beyond the maximum, refused, nothing created
    deals_before = len(api.get("/deals", buyer)["items"])
    error = api.post(f"/contracts/{cid}/call-offs", requester, {"lines": [{"item_no": 1, "quantity": 1200}]},
                     expect=409)["error"]
    assert error["code"] == "contract_limit_exceeded"
    assert error["details"]["remaining_value"] == "19500000"
    assert len(api.get("/deals", buyer)["items"]) == deals_before
    assert api.get(f"/contracts/{cid}", buyer)["utilisation"]["ordered_value"] == "20500000"

    # an amendment: bearings at 16 000 from now on; until the buyer accepts, call-offs use version 1
    amended = api.post(f"/contracts/{cid}/amendments", vendor, {
        "summary": "Giảm giá vòng bi còn 16.000 đ",
        "items": [{"item_no": 1, "description": "Vòng bi 6205-2RS", "unit": "piece", "unit_price": "16000",
                   "committed_qty": 1000},
                  {"item_no": 2, "description": "Gối đỡ UCP205", "unit": "piece", "unit_price": "90000",
                   "committed_qty": 200}]}, expect=201)
    assert amended["pending"]["number"] == 2 and amended["current_version"] == 1
    assert "contract_amendment_proposed" in kinds(api, buyer)
    api.post(f"/contracts/{cid}/amendments", buyer, {"summary": "another"}, expect=409)  # one at a time
    before = api.post(f"/contracts/{cid}/call-offs", requester, {"lines": [{"item_no": 1, "quantity": 100}]},
                      expect=201)
    assert (before["subtotal"], before["contract_version"]) == ("1750000", 1)
    api.post(f"/contracts/{cid}/versions/2/sign", world.buyer_members["finance"], expect=403)  # not a signer
    accepted = api.post(f"/contracts/{cid}/versions/2/sign", buyer)
    assert (accepted["current_version"], accepted["pending"]) == (2, None)
    assert "contract_amended" in kinds(api, vendor)
    after = api.post(f"/contracts/{cid}/call-offs", requester, {"lines": [{"item_no": 1, "quantity": 100}]},
                     expect=201)
    assert (after["subtotal"], after["contract_version"]) == ("1600000", 2)
    # earlier call-offs keep their prices
    assert api.get(f"/deals/{first['deal_id']}", buyer)["lines"][0]["unit_price"] == "17500"
    use = api.get(f"/contracts/{cid}", buyer)["utilisation"]
    assert (use["ordered_value"], use["call_offs"]) == ("23850000", 4)
    assert use["items"][0]["ordered_qty"] == 600

    # a call-off's deal runs like any other: paid, shipped, released; a cancelled one gives its value back
    pay(api, world, first["deal_id"])
    assert api.get(f"/deals/{first['deal_id']}", buyer)["status"] == "funded"
    api.post(f"/deals/{first['deal_id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{first['deal_id']}/confirm-delivery", buyer)
    api.post(f"/deals/{first['deal_id']}/accept", buyer)
    run_jobs()
    assert api.get(f"/deals/{first['deal_id']}", buyer)["status"] == "released"
    api.post(f"/deals/{second['deal_id']}/cancel", buyer, {"reason": "no longer needed"})
    use = api.get(f"/contracts/{cid}", buyer)["utilisation"]
    assert (use["ordered_value"], use["call_offs"]) == ("10350000", 3)
    listed = api.get(f"/contracts/{cid}/call-offs", buyer)["items"]
    assert [c["deal_status"] for c in listed][-2:] == ["cancelled", "released"]
    assert_ledger_sound(db)


def test_a_contract_from_a_price_list_is_signed_once_by_an_approver(api, world, db):
    buyer, vendor = world.buyer, world.vendors[1]
    requester, approver = world.buyer_members["requester"], world.buyer_members["approver"]
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": "10000000"}, expect=200)
    product = api.product(vendor, "PIPE-21", "Ống thép mạ kẽm phi 21", "50000", moq=10)
    price_list = api.post("/price-lists", vendor, {
        "buyer_org_id": buyer.org_id, "name": "Giá 2027", "valid_from": f"{_day(-1)}T00:00:00+00:00",
        "items": [{"product_id": product["id"], "min_qty": 10, "unit_price": "45000"},
                  {"product_id": product["id"], "min_qty": 500, "unit_price": "42000"}]}, expect=201)
    contract = api.post("/contracts", vendor, {
        "buyer_id": buyer.org_id, "price_list_id": price_list["id"], "title": "Ống thép 2027",
        "ends_on": _day(180), "max_value": "90000000",
        "items": [{"product_id": product["id"], "committed_qty": 1500}]}, expect=201)
    item = contract["terms"]["items"][0]
    assert (item["unit_price"], item["committed_qty"], item["sku"]) == ("45000", 1500, "PIPE-21")
    assert [(t["min_qty"], t["unit_price"]) for t in item["tiers"]] == [(500, "42000")]
    assert contract["source"] == "price_list" and contract["terms"]["vendor_accepted_at"] is not None
    # above the threshold: the requester may not sign for the buyer; the approvers were asked
    error = api.post(f"/contracts/{contract['id']}/versions/1/sign", requester, expect=403)["error"]
    assert error["code"] == "approval_required"
    assert "contract_proposed" in kinds(api, approver)
    assert api.post(f"/contracts/{contract['id']}/versions/1/sign", approver)["status"] == "active"
    # the approval was given once: a requester's call-off above the threshold is payable at once
    call_off = api.post(f"/contracts/{contract['id']}/call-offs", requester,
                        {"lines": [{"item_no": 1, "quantity": 600}], "delivery_region": "VN-HN"}, expect=201)
    assert call_off["subtotal"] == "25200000"  # the 500 tier: 42 000
    deal = api.get(f"/deals/{call_off['deal_id']}", buyer)
    assert (deal["status"], deal["lines"][0]["product_id"]) == ("awaiting_payment", product["id"])
    assert deal["terms"]["delivery_region"] == "VN-HN"
    # the other buyer sees nothing of it
    api.get(f"/contracts/{contract['id']}", world.other_buyer, expect=404)
    assert api.get("/contracts", world.other_buyer)["items"] == []


def test_decline_withdraw_and_lapse_end_an_unsigned_contract(api, world, db):
    buyer, vendor = world.buyer, world.vendors[0]
    body = {"vendor_id": vendor.org_id, "title": "Bulông 2027", "ends_on": _day(90), "max_value": "5000000",
            "items": [{"description": "Bulông M10", "unit": "piece", "unit_price": "3000"}]}
    declined = api.post("/contracts", buyer, body, expect=201)
    api.post(f"/contracts/{declined['id']}/versions/1/decline", buyer, {"reason": "my own"}, expect=403)
    out = api.post(f"/contracts/{declined['id']}/versions/1/decline", vendor, {"reason": "giá thép đang tăng"})
    assert (out["status"], out["reason"]) == ("declined", "giá thép đang tăng")
    assert "contract_declined" in kinds(api, buyer)

    withdrawn = api.post("/contracts", buyer, body, expect=201)
    api.post(f"/contracts/{withdrawn['id']}/versions/1/withdraw", vendor, expect=403)
    assert api.post(f"/contracts/{withdrawn['id']}/versions/1/withdraw", buyer)["status"] == "withdrawn"
    assert "contract_withdrawn" in kinds(api, vendor)
    api.post(f"/contracts/{withdrawn['id']}/versions/1/sign", vendor, expect=409)

    lapsed = api.post("/contracts", buyer, body, expect=201)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE deadlines SET due_at = now() - interval '1 minute' "
                             "WHERE subject_type = 'contract_version' AND kind = 'sign_due'"))
    sweep()
    db.session.remove()
    assert api.get(f"/contracts/{lapsed['id']}", buyer)["status"] == "lapsed"
    assert "contract_lapsed" in kinds(api, buyer) and "contract_lapsed" in kinds(api, vendor)


def test_reminders_expiry_termination_and_renewal(api, world, awarded, db):
    buyer, vendor = world.buyer, world.vendors[0]
    cid = awarded["contract"]["id"]
    api.post(f"/contracts/{cid}/versions/1/sign", vendor)
    call_off = api.post(f"/contracts/{cid}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 100}]},
                        expect=201)
    # 20 days before the end: one reminder each (the sweeper runs often; it tells once)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE contracts SET ends_on = current_date + 20 WHERE id = :id"), {"id": cid})
    sweep()
    sweep()
    db.session.remove()
    assert kinds(api, buyer).count("contract_expiring") == 1 and kinds(api, vendor).count("contract_expiring") == 1
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE contracts SET ends_on = current_date + 5 WHERE id = :id"), {"id": cid})
    sweep()
    db.session.remove()
    assert kinds(api, buyer).count("contract_expiring") == 2  # the 7-day reminder

    # renewal: a new contract with the same items, to start the day after this one ends
    renewal = api.post(f"/contracts/{cid}/renew", buyer, {"ends_on": _day(400)}, expect=201)
    assert (renewal["status"], renewal["renewed_from_id"], renewal["source"]) == ("proposed", cid, "renewal")
    assert renewal["starts_on"] == _day(6)
    assert [i["unit_price"] for i in renewal["terms"]["items"]] == ["17500", "90000"]
    api.post(f"/contracts/{cid}/renew", buyer, {"ends_on": _day(400)}, expect=409)  # one renewal at a time

    # terminated: no more call-offs; the deal under way is untouched
    api.post(f"/contracts/{cid}/terminate", vendor, {"reason": "x"}, expect=422)
    ended = api.post(f"/contracts/{cid}/terminate", vendor, {"reason": "ngừng sản xuất mặt hàng này"})
    assert (ended["status"], ended["ended_at"] is not None) == ("terminated", True)
    assert "contract_terminated" in kinds(api, buyer)
    error = api.post(f"/contracts/{cid}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 1}]},
                     expect=409)["error"]
    assert error["code"] == "contract_not_active"
    assert api.get(f"/deals/{call_off['deal_id']}", buyer)["status"] == "awaiting_payment"


def test_an_active_contract_expires_at_the_end_of_its_last_day(api, world, awarded, db):
    cid = awarded["contract"]["id"]
    api.post(f"/contracts/{cid}/versions/1/sign", world.vendors[0])
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE deadlines SET due_at = now() - interval '1 minute' "
                             "WHERE subject_type = 'contract' AND subject_id = :id AND kind = 'expiry'"), {"id": cid})
    sweep()
    db.session.remove()
    assert api.get(f"/contracts/{cid}", world.buyer)["status"] == "expired"
    assert "contract_expired" in kinds(api, world.vendors[0])
    assert "renew" in api.get(f"/contracts/{cid}", world.buyer)["actions"]


def test_bad_input_is_refused_and_changes_nothing(api, world, awarded):
    buyer, vendor = world.buyer, world.vendors[0]
    base = {"vendor_id": vendor.org_id, "title": "Bulông 2027", "ends_on": _day(90), "max_value": "5000000",
            "items": [{"description": "Bulông M10", "unit": "piece", "unit_price": "3000"}]}
    cases = [
        ({"ends_on": _day(-1)}, "ends_on"),
        ({"starts_on": _day(-3)}, "starts_on"),
        ({"committed_value": "6000000"}, "committed_value"),
        ({"items": [{"description": "Bulông M10", "unit": "piece"}]}, "items"),
        ({"items": [{"product_id": 999999, "unit_price": "1"}]}, "items"),
        ({"payment_terms": [{"name": "all", "percent": 100, "due": "net_days", "net_days": 30}]}, "payment_terms"),
        ({"vendor_id": None}, "vendor_id"),
    ]
    before = len(api.get("/contracts", buyer)["items"])
    for change, field in cases:
        error = api.post("/contracts", buyer, {**base, **change}, expect=422)["error"]
        assert field in error["fields"], (change, error)
    assert len(api.get("/contracts", buyer)["items"]) == before
    cid = awarded["contract"]["id"]
    api.post(f"/contracts/{cid}/versions/1/sign", vendor)
    error = api.post(f"/contracts/{cid}/call-offs", buyer, {"lines": [{"item_no": 9, "quantity": 1}]},
                     expect=422)["error"]
    assert "lines" in error["fields"]
    api.post(f"/contracts/{cid}/call-offs", buyer, {"lines": [{"item_no": 1, "quantity": 0}]}, expect=422)
    api.post(f"/contracts/{cid}/call-offs", vendor, {"lines": [{"item_no": 1, "quantity": 1}]}, expect=403)
    api.post(f"/contracts/{cid}/amendments", vendor, {"summary": "less", "max_value": "0"}, expect=422)
    assert api.get(f"/contracts/{cid}", buyer)["utilisation"]["call_offs"] == 0


def test_concurrent_call_offs_never_pass_the_maximum_value(api, world, awarded, app, db):
    cid = awarded["contract"]["id"]
    api.post(f"/contracts/{cid}/versions/1/sign", world.vendors[0])
    # each call-off is 7 200 000 of a 40 000 000 maximum: five fit, three of eight must be refused
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def call_off():
        client = app.test_client()
        barrier.wait()
        resp = client.post(f"/api/v1/contracts/{cid}/call-offs", json={"lines": [{"item_no": 2, "quantity": 80}]},
                           headers=world.buyer.headers)
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=call_off) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 5 + [409] * 3
    use = api.get(f"/contracts/{cid}", world.buyer)["utilisation"]
    assert (use["ordered_value"], use["remaining_value"], use["call_offs"]) == ("36000000", "4000000", 5)
