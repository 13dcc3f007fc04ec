"""Settlement offers between the parties over HTTP: the vendor offers a partial refund on a quantity-short
dispute, the buyer accepts and the ledger moves exactly that split; offers are superseded, rejected with a
reason, withdrawn, and refused with 409 codes once they are not open or not the actor's to answer."""

from __future__ import annotations

from marketplace.escrow import ledger

from ..factories import TOTAL, assert_ledger_sound

#: 200 of the 1,000 ordered bearings never arrived: their value at 17,500 VND each
SHORT = 200 * 17500


def _short_dispute(api, world) -> tuple[dict, dict]:
    deal, _ = api.shipped_deal(world)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "quantity_short", "description": "800 of 1,000 bearings arrived"}, expect=201)
    return deal, dispute


def _sound(db, deal_id: int) -> dict:
    assert_ledger_sound(db)
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"], s
    return s


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications?limit=100", who)["items"]]


def test_a_partial_refund_offer_accepted_by_the_buyer_moves_exactly_that_split(api, world, run_jobs, db):
    deal, dispute = _short_dispute(api, world)
    did, vendor, buyer = dispute["id"], world.vendors[0], world.buyer
    assert deal["total"] == str(TOTAL)

    offer = api.post(f"/disputes/{did}/offers", vendor,
                     {"buyer_amount": str(SHORT), "note": "200 pieces short: we refund their value"}, expect=201)
    assert (offer["status"], offer["party"], offer["held"]) == ("open", "vendor", str(TOTAL))
    assert (offer["buyer_amount"], offer["vendor_amount"]) == (str(SHORT), str(TOTAL - SHORT))
    # the vendor's offer is its answer: the case negotiates, with the negotiation deadline shown
    shown = api.get(f"/disputes/{did}", buyer)
    assert shown["status"] == "negotiating" and shown["deadline_kind"] == "negotiation" and shown["deadline_at"]
    assert "dispute_offer_made" in _kinds(api, buyer)

    accepted = api.post(f"/disputes/{did}/offers/{offer['id']}/accept", buyer, {}, expect=200)
    assert accepted["status"] == "decided" and accepted["deadline_at"] is None
    decision = accepted["decision"]
    assert decision["by"] == "parties" and decision["offer_id"] == offer["id"] and decision["outcome"] == "split"
    assert decision["rationale"] == "200 pieces short: we refund their value"
    assert decision["allocations"] == [{"party": "vendor", "amount": str(TOTAL - SHORT)},
                                       {"party": "buyer", "amount": str(SHORT)}]
    assert api.get(f"/disputes/{did}/offers", vendor)["items"][0]["status"] == "accepted"

    # final like an admin's decision: another acceptance, an admin, a new offer are refused
    again = api.post(f"/disputes/{did}/offers/{offer['id']}/accept", buyer, {}, expect=409)
    assert again["error"]["code"] == "already_decided"
    assert again["error"]["details"]["decision"]["by"] == "parties"
    body = api.post(f"/admin/disputes/{did}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"}, expect=409)
    assert body["error"]["code"] == "already_decided"
    assert api.post(f"/disputes/{did}/offers", buyer, {"buyer_amount": str(TOTAL)},
                    expect=409)["error"]["code"] == "already_decided"

    run_jobs()
    assert api.get(f"/disputes/{did}", buyer)["status"] == "resolved"
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "resolved"
    s = _sound(db, deal["id"])
    assert s["refunded"] == SHORT and s["released"] + s["commission"] == TOTAL - SHORT and s["held"] == 0
    for who in (buyer, vendor, world.admin):  # everyone heard of each change
        assert "dispute_state_changed" in _kinds(api, who)


def test_offers_are_superseded_rejected_and_withdrawn_with_409_codes(api, world, run_jobs, db):
    deal, dispute = _short_dispute(api, world)
    did, vendor, buyer = dispute["id"], world.vendors[0], world.buyer
    url = f"/disputes/{did}/offers"
    first = api.post(url, vendor, {"buyer_amount": "1000000"}, expect=201)
    second = api.post(url, vendor, {"vendor_amount": str(TOTAL - 2000000), "note": "a better one"}, expect=201)
    assert second["buyer_amount"] == "2000000"
    offers = {o["id"]: o for o in api.get(url, buyer)["items"]}
    assert offers[first["id"]]["status"] == "superseded" and offers[second["id"]]["status"] == "open"
    # a superseded offer cannot be accepted; the vendor cannot accept its own
    assert api.post(f"{url}/{first['id']}/accept", buyer, {}, expect=409)["error"]["code"] == "offer_not_open"
    assert api.post(f"{url}/{second['id']}/accept", vendor, {}, expect=409)["error"]["code"] == "own_offer"

    rejected = api.post(f"{url}/{second['id']}/reject", buyer, {"reason": "200 pieces are worth 3,500,000"})
    assert rejected["status"] == "rejected" and rejected["reason"] == "200 pieces are worth 3,500,000"
    assert "dispute_offer_rejected" in _kinds(api, vendor)
    assert api.post(f"{url}/{second['id']}/withdraw", vendor, {}, expect=409)["error"]["code"] == "offer_not_open"

    # the buyer's counter-offer: only the vendor may answer it, only the buyer may withdraw it
    counter = api.post(url, buyer, {"buyer_amount": str(SHORT), "vendor_amount": str(TOTAL - SHORT)}, expect=201)
    assert api.post(f"{url}/{counter['id']}/withdraw", vendor, {}, expect=409)["error"]["code"] == "not_own_offer"
    assert api.post(f"{url}/{counter['id']}/reject", buyer, {"reason": "x"}, expect=409)["error"]["code"] == "own_offer"
    assert api.post(f"{url}/{counter['id']}/withdraw", buyer, {})["status"] == "withdrawn"
    assert api.post(f"{url}/{counter['id']}/accept", vendor, {}, expect=409)["error"]["code"] == "offer_not_open"

    # amounts must fit the held money; admins decide instead; other organisations see nothing
    for body, field in (({"buyer_amount": "1", "vendor_amount": "1"}, "buyer_amount"),
                        ({"buyer_amount": str(TOTAL + 1)}, "buyer_amount"), ({"note": "no amount"}, "buyer_amount"),
                        ({"vendor_amount": "12.5"}, "vendor_amount")):
        assert field in api.post(url, vendor, body, expect=422)["error"]["fields"]
    assert api.post(url, vendor, {"vendor_amount": str(TOTAL), "return_required": True},
                    expect=409)["error"]["code"] == "return_without_refund"
    api.post(url, world.admin, {"buyer_amount": "1"}, expect=403)
    api.post(url, world.other_buyer, {"buyer_amount": "1"}, expect=404)
    api.get(url, world.other_buyer, expect=404)
    api.post(f"{url}/999999/accept", buyer, {}, expect=404)

    # nothing moved: the case is still argued and everything is held
    assert api.get(f"/disputes/{did}", buyer)["status"] == "negotiating"
    assert _sound(db, deal["id"])["held"] == TOTAL


def test_an_admin_decision_closes_the_open_offers(api, world, run_jobs, db):
    deal, dispute = _short_dispute(api, world)
    did = dispute["id"]
    offer = api.post(f"/disputes/{did}/offers", world.vendors[0], {"buyer_amount": "1000000"}, expect=201)
    decided = api.post(f"/admin/disputes/{did}/decision", world.admin,
                       {"outcome": "split", "buyer_amount": str(SHORT), "rationale": "the packing list shows 800"})
    assert decided["decision"]["rationale"] == "the packing list shows 800" and decided["decision"]["by"] == "admin"
    assert decided["decision"]["allocations"][1] == {"party": "buyer", "amount": str(SHORT)}
    assert api.get(f"/disputes/{did}/offers", world.buyer)["items"][0]["status"] == "closed"
    body = api.post(f"/disputes/{did}/offers/{offer['id']}/accept", world.buyer, {}, expect=409)
    assert body["error"]["code"] == "already_decided"
    run_jobs()
    assert _sound(db, deal["id"])["refunded"] == SHORT


def test_an_admin_decides_with_allocation_lines_that_must_add_up(api, world, run_jobs, db):
    deal, dispute = _short_dispute(api, world)
    url = f"/admin/disputes/{dispute['id']}/decision"
    lines = [{"kind": "release_to_vendor", "amount": str(TOTAL - SHORT)}, {"kind": "refund_to_buyer", "amount": "1"}]
    assert "allocations" in api.post(url, world.admin, {"rationale": "the evidence shows it", "outcome": "split", "allocations": lines},
                                     expect=422)["error"]["fields"]
    lines[1]["amount"] = str(SHORT)
    assert "outcome" in api.post(url, world.admin, {"rationale": "the evidence shows it", "outcome": "refund", "allocations": lines},
                                 expect=422)["error"]["fields"]
    decided = api.post(url, world.admin, {"outcome": "split", "allocations": lines, "rationale": "800 arrived"})
    assert decided["decision"]["allocations"] == [{"party": "vendor", "amount": str(TOTAL - SHORT)},
                                                  {"party": "buyer", "amount": str(SHORT)}]
    run_jobs()
    s = _sound(db, deal["id"])
    assert s["refunded"] == SHORT and s["held"] == 0
