"""Partial acceptance over HTTP: the buyer accepts 900 of 1,000 units; that share of the escrow (goods plus
freight pro rata) is released less commission, the rest stays held under a quantity-short dispute whose
decision then settles exactly what is left. Money is conserved and moves once, whatever is repeated."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.deals.models import Deal, Milestone
from marketplace.escrow import ledger
from marketplace.escrow.models import LedgerTransfer
from marketplace.escrow.services import fund_milestone, release_part, settle_milestone
from marketplace.money import allocate, commission_for
from tests.escrow.test_money_properties import parties  # noqa: F401 - the fixture: a buyer, a vendor, an RFQ
from tests.factories import assert_ledger_sound

TWO_MILESTONES = [{"name": "deposit", "percent": 30, "due": "on_award"},
                  {"name": "balance", "percent": 70, "due": "before_shipment"}]
TOTAL = 17500 * 1000 + 500000  # 1,000 units at 17,500 VND plus 500,000 VND freight
RELEASED = TOTAL * 9 // 10  # 900 units' value (15,750,000) and 90% of the freight (450,000)


def _delivered(api, world) -> dict:
    deal, _ = api.shipped_deal(world, terms=TWO_MILESTONES)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    return api.get(f"/deals/{deal['id']}", world.buyer)


def _accept(api, world, deal, quantity=900, expect=200, who=None, **extra):
    body = {"lines": [{"deal_line_id": deal["lines"][0]["id"], "quantity": quantity}],
            "description": "100 bearings missing from the delivery", **extra}
    return api.post(f"/deals/{deal['id']}/partial-acceptance", who or world.buyer, body, expect=expect)


def _summary(deal_id: int) -> dict:
    s = ledger.deal_summary(deal_id, "VND")
    assert s["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"]
    return s


def _commission(deal, shares) -> int:
    return sum(commission_for(share, deal["commission_bps"]) for share in shares)


def test_nine_hundred_of_a_thousand_releases_ninety_percent_and_disputes_the_rest(api, world, db, run_jobs):
    deal = _delivered(api, world)
    assert _summary(deal["id"])["held"] == TOTAL
    body = _accept(api, world, deal)
    shares = [RELEASED * 30 // 100, RELEASED * 70 // 100]  # spread over the milestones pro rata: 4,860,000 + 11,340,000
    commission = _commission(deal, shares)
    assert body["status"] == "disputed" and body["dispute_id"]
    assert (body["accepted_value"], body["freight_released"], body["released"], body["commission"],
            body["released_net"], body["held"]) == (
        "15750000", "450000", str(RELEASED), str(commission), str(RELEASED - commission), str(TOTAL - RELEASED))
    assert [(l["quantity"], l["accepted"], l["withheld"]) for l in body["lines"]] == [(1000, 900, 100)]

    s = _summary(deal["id"])
    assert (s["released"], s["commission"], s["refunded"], s["held"]) == (RELEASED - commission, commission, 0,
                                                                        TOTAL - RELEASED)
    assert ledger.balance(ledger.vendor_payable(world.vendors[0].org_id), "VND") == RELEASED - commission
    shown = api.get(f"/deals/{deal['id']}", world.buyer)
    assert shown["status"] == "disputed"
    assert [(m["status"], m["released"], m["commission"]) for m in shown["milestones"]] == [
        ("funded", str(shares[0] - commission_for(shares[0], deal["commission_bps"])),
         str(commission_for(shares[0], deal["commission_bps"]))),
        ("funded", str(shares[1] - commission_for(shares[1], deal["commission_bps"])),
         str(commission_for(shares[1], deal["commission_bps"])))]
    assert_ledger_sound(db)

    dispute = api.get(f"/disputes/{body['dispute_id']}", world.buyer)
    assert dispute["reason"] == "quantity_short" and dispute["status"] == "open"
    assert dispute["description"] == "100 bearings missing from the delivery"
    vendor_feed = api.get("/notifications", world.vendors[0])["items"]
    told = next(n for n in vendor_feed if n["kind"] == "deal_partly_accepted")
    assert str(deal["id"]) in told["text"] and "900/1000" in told["text"]
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events", world.buyer)["items"]]
    assert "accept_partly" in events

    # the admin refunds the rest: exactly what is still held goes back, the released part stays released
    api.post(f"/admin/disputes/{body['dispute_id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    run_jobs()
    assert api.get(f"/disputes/{body['dispute_id']}", world.buyer)["status"] == "resolved"
    s = _summary(deal["id"])
    assert (s["released"], s["commission"], s["refunded"], s["held"]) == (RELEASED - commission, commission,
                                                                        TOTAL - RELEASED, 0)
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == TOTAL - RELEASED
    shown = api.get(f"/deals/{deal['id']}", world.buyer)
    assert shown["status"] == "resolved"
    assert [m["status"] for m in shown["milestones"]] == ["split", "split"]
    assert sum(int(m["refunded"]) for m in shown["milestones"]) == TOTAL - RELEASED
    assert_ledger_sound(db)


def test_the_rest_released_by_decision_settles_the_second_hold_once(api, world, db, run_jobs):
    deal = _delivered(api, world)
    body = _accept(api, world, deal, quantity=333)
    released, held = int(body["released"]), int(body["held"])
    assert released + held == TOTAL
    api.post(f"/admin/disputes/{body['dispute_id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "release"})
    run_jobs()
    s = _summary(deal["id"])
    assert (s["released"] + s["commission"], s["refunded"], s["held"]) == (TOTAL, 0, 0)
    milestones = api.get(f"/deals/{deal['id']}", world.buyer)["milestones"]
    assert [m["status"] for m in milestones] == ["released", "released"]
    # each milestone: its first hold posted partly, its second hold posted in full, nothing voided
    ids = {t.id for t in LedgerTransfer.query.filter_by(deal_id=deal["id"])}
    for m in milestones:
        assert {f"m{m['id']}.release", f"m{m['id']}.hold2", f"m{m['id']}.release2"} <= ids
        assert f"m{m['id']}.void" not in ids and f"m{m['id']}.void2" not in ids
    assert_ledger_sound(db)


def test_a_split_decision_divides_exactly_what_is_still_held(api, world, db, run_jobs):
    deal = _delivered(api, world)
    body = _accept(api, world, deal)
    held = int(body["held"])
    api.post(f"/admin/disputes/{body['dispute_id']}/decision", world.admin,
             {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "900001"})
    decided = api.get(f"/disputes/{body['dispute_id']}", world.buyer)["decision"]
    assert decided["held"] == str(held)
    run_jobs()
    s = _summary(deal["id"])
    assert s["refunded"] == held - 900001 and s["held"] == 0
    assert s["released"] + s["commission"] == RELEASED + 900001
    assert_ledger_sound(db)


def test_an_admin_may_not_split_more_than_is_still_held(api, world):
    deal = _delivered(api, world)
    body = _accept(api, world, deal)
    api.post(f"/admin/disputes/{body['dispute_id']}/decision", world.admin,
             {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": str(int(body["held"]) + 1)}, expect=422)


def test_withdrawing_the_dispute_releases_the_rest(api, world, db, run_jobs):
    deal = _delivered(api, world)
    body = _accept(api, world, deal)
    api.post(f"/disputes/{body['dispute_id']}/withdraw", world.buyer)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    s = _summary(deal["id"])
    assert (s["released"] + s["commission"], s["refunded"], s["held"]) == (TOTAL, 0, 0)
    assert_ledger_sound(db)


def test_repeating_the_acceptance_changes_nothing(api, world, db):
    deal = _delivered(api, world)
    first = _accept(api, world, deal)
    before = (_summary(deal["id"]), LedgerTransfer.query.filter_by(deal_id=deal["id"]).count())
    again = _accept(api, world, deal)
    assert again == first
    assert (_summary(deal["id"]), LedgerTransfer.query.filter_by(deal_id=deal["id"]).count()) == before
    # another split of the same deal is refused, and so is a plain acceptance now
    assert _accept(api, world, deal, quantity=800, expect=409)["error"]["code"] == "already_partly_accepted"
    api.post(f"/deals/{deal['id']}/accept", world.buyer, expect=409)
    # the same request with an Idempotency-Key replays its answer
    key = {"Idempotency-Key": "partial-1"}
    body = {"lines": [{"deal_line_id": deal["lines"][0]["id"], "quantity": 900}],
            "description": "100 bearings missing from the delivery"}
    r1 = api.post(f"/deals/{deal['id']}/partial-acceptance", world.buyer, body, headers=key)
    r2 = api.post(f"/deals/{deal['id']}/partial-acceptance", world.buyer, body, headers=key)
    assert r1 == r2 == first
    assert (_summary(deal["id"]), LedgerTransfer.query.filter_by(deal_id=deal["id"]).count()) == before
    assert_ledger_sound(db)


def test_the_escrow_verbs_move_money_once(api, world, db):
    deal = _delivered(api, world)
    _accept(api, world, deal)
    before = _summary(deal["id"])
    row = db.session.get(Deal, deal["id"])
    for m in row.milestones:
        assert release_part(row, m, 1) is False  # released in part once
        assert m.is_partly_released() and m.held_amount > 0
    db.session.commit()
    assert _summary(deal["id"]) == before
    for m in row.milestones:
        assert settle_milestone(row, m, 0) is True
        assert settle_milestone(row, m, m.amount) is False  # settles once
    db.session.commit()
    s = _summary(deal["id"])
    assert s["held"] == 0 and s["refunded"] == TOTAL - RELEASED
    assert_ledger_sound(db)


def test_a_failure_halfway_moves_nothing(api, world, db):
    deal = _delivered(api, world)
    second = deal["milestones"][1]["id"]
    # the second milestone's rest cannot be held again: a transfer already owns its fixed id (other figures)
    ledger.transfer(f"m{second}.hold2", ledger.clearing_account("crash_test"), "test:crash", 1, "VND", code="fund")
    db.session.commit()
    err = _accept(api, world, deal, expect=409)
    assert err["error"]["code"] == "transfer_mismatch"
    # the first milestone's release (done before the failure) rolled back with everything else
    s = _summary(deal["id"])
    assert (s["released"], s["commission"], s["held"]) == (0, 0, TOTAL)
    shown = api.get(f"/deals/{deal['id']}", world.buyer)
    assert shown["status"] == "delivered"
    assert [m["released"] for m in shown["milestones"]] == ["0", "0"]
    assert api.get(f"/deals/{deal['id']}/events", world.buyer)["items"][-1]["name"] != "accept_partly"
    assert not [n for n in api.get("/notifications", world.vendors[0])["items"] if n["kind"] == "deal_partly_accepted"]
    assert_ledger_sound(db)


def test_bad_input_is_refused(api, world):
    deal = _delivered(api, world)
    line = deal["lines"][0]["id"]

    def refused(lines, field="lines", description="100 bearings missing"):
        err = api.post(f"/deals/{deal['id']}/partial-acceptance", world.buyer,
                       {"lines": lines, "description": description}, expect=422)["error"]
        assert field in err["fields"], err
        return err

    refused([{"deal_line_id": line, "quantity": 1001}])  # more than delivered
    refused([{"deal_line_id": line, "quantity": -1}])
    refused([{"deal_line_id": line + 1000, "quantity": 10}])  # not a line of this deal
    refused([{"deal_line_id": line, "quantity": 10}, {"deal_line_id": line, "quantity": 10}])  # twice
    assert refused([{"deal_line_id": line, "quantity": 1000}])["code"] == "nothing_withheld"
    refused([{"deal_line_id": line, "quantity": 0}])  # nothing accepted: that is a dispute
    refused([])
    refused([{"deal_line_id": line, "quantity": "900"}])  # numbers, not strings
    refused([{"deal_line_id": line, "quantity": 900}], field="description", description="")
    assert _summary(deal["id"])["held"] == TOTAL
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"


def test_only_the_buyer_of_a_delivered_deal_may_accept_part(api, world):
    deal, _ = api.shipped_deal(world, terms=TWO_MILESTONES)
    # shipped, not yet delivered: the inspection has not started
    assert _accept(api, world, deal, expect=409)["error"]["code"] == "illegal_transition"
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    _accept(api, world, deal, expect=404, who=world.other_buyer)  # another organisation's deal does not exist
    _accept(api, world, deal, expect=403, who=world.vendors[0])
    api.post(f"/deals/{deal['id']}/accept", world.buyer)  # accepted in full: too late to accept part
    assert _accept(api, world, deal, expect=409)["error"]["code"] == "illegal_transition"


def test_a_deal_disputed_otherwise_cannot_be_accepted_in_part(api, world, db):
    deal = _delivered(api, world)
    api.post(f"/deals/{deal['id']}/disputes", world.buyer, {"reason": "damaged", "description": "rusty bearings"},
             expect=201)
    err = _accept(api, world, deal, expect=409)["error"]
    assert err["code"] == "illegal_transition" and err["details"]["state"] == "disputed"
    assert _summary(deal["id"])["held"] == TOTAL
    assert_ledger_sound(db)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(currency=st.sampled_from(["VND", "USD", "KWD"]),
       total=st.integers(min_value=1, max_value=10**12),
       weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=4),
       bps=st.integers(min_value=0, max_value=10_000),
       first=st.lists(st.fractions(min_value=0, max_value=1), min_size=4, max_size=4),
       then=st.lists(st.fractions(min_value=0, max_value=1), min_size=4, max_size=4))
def test_releasing_in_two_parts_conserves_money(db, parties, currency, total, weights, bps, first, then):  # noqa: F811
    deal = Deal(rfq_id=parties["rfq"], quote_id=parties["quote"], buyer_id=parties["buyer"], vendor_id=parties["vendor"],
                status="disputed", currency=currency, subtotal=total, freight=0, total=total, commission_bps=bps,
                terms={}, gateway="bank_transfer")
    amounts = [a for a in allocate(total, weights) if a > 0]
    deal.milestones = [Milestone(seq=i + 1, name=f"m{i}", percent=1, due="before_shipment", amount=a,
                                 status="awaiting_payment") for i, a in enumerate(amounts)]
    db.session.add(deal)
    db.session.flush()
    vendor_gross = 0
    for m, part, rest in zip(deal.milestones, first, then):
        fund_milestone(deal, m, "bank_transfer")
        early = int(m.amount * part)
        release_part(deal, m, early)
        assert release_part(deal, m, early) is False or early == 0  # released in part once
        assert m.held_amount == (m.amount - early if early < m.amount else 0)
        later = int(m.held_amount * rest)
        vendor_gross += early + later
        if m.held_amount or not m.is_settled():
            settle_milestone(deal, m, later)
        assert settle_milestone(deal, m, 0) is False  # settles once, whatever is asked later
        assert m.released_amount + m.refunded_amount == m.amount and m.held_amount == 0
    db.session.commit()

    s = ledger.deal_summary(deal.id, currency)
    assert s["funded"] == total
    assert s["released"] + s["commission"] + s["refunded"] + s["held"] == total
    assert s["held"] == 0 and s["released"] + s["commission"] == vendor_gross
    for cur, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"] and row["debits_pending"] == row["credits_pending"], cur
