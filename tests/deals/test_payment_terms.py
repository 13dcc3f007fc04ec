"""Payment terms due after delivery (issue 12, part 3): a deal ships once what is due before shipment is held;
the rest falls due at delivery (net N days, or on delivery with a grace), is reminded, goes overdue, and is
paid into escrow, held until the release or released at once after it. The ledger stays sound at every step
and a sweeper tick run twice changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.deals.services.terms import DUE_REMINDER, ON_DELIVERY_GRACE
from marketplace.escrow import ledger
from marketplace.jobs import sweep
from marketplace.money import commission_for
from tests.factories import TOTAL, assert_ledger_sound, balances, import_rows, row

NET_30 = [{"name": "deposit", "percent": 30, "due": "before_shipment"},
          {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}]
ON_DELIVERY = [{"name": "deposit", "percent": 50, "due": "on_award"},
               {"name": "on delivery", "percent": 50, "due": "on_delivery"}]
DEPOSIT, BALANCE = TOTAL * 30 // 100, TOTAL - TOTAL * 30 // 100


def _deal(api, world, terms) -> tuple[dict, dict]:
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, terms=terms)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    return deal, pay


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", who)["items"]]


def _mails(db, kind_text: str) -> list[str]:
    with db.engine.connect() as conn:
        return [r.payload["to"] for r in conn.execute(sa.text(
            "SELECT payload FROM outbox_commands WHERE kind = 'email.send' AND key LIKE :k ORDER BY id"),
            {"k": f"email:{kind_text}:%"})]


def _page(app, who, deal_id: int, lang: str) -> str:
    """The deal page as ``who`` reads it in ``lang`` (a session cookie holding the member's token)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["token"], session["lang"] = who.token, lang
    resp = client.get(f"/deals/{deal_id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _held_and_released(deal_id: int, vendor_org: int) -> dict:
    return {"escrow": ledger.balance(ledger.escrow_account(deal_id), "VND"),
            "vendor": ledger.balance(ledger.vendor_payable(vendor_org), "VND"),
            "commission": ledger.balance(ledger.COMMISSION, "VND")}


def test_quote_terms_are_validated(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    v = world.vendors[0]
    cases = [
        ([{"name": "all", "percent": 100, "due": "net_days"}], ("0", "net_days")),  # no number of days
        ([{"name": "a", "percent": 30, "due": "before_shipment", "net_days": 10},
          {"name": "b", "percent": 70, "due": "on_delivery"}], ("0", "net_days")),  # days on another term
        ([{"name": "all", "percent": 100, "due": "net_days", "net_days": 400}], ("0", "net_days")),
    ]
    for terms, (index, field) in cases:
        body = api.quote(v, rfq, terms=terms, expect=422)
        assert field in body["error"]["fields"]["payment_terms"][index], body
    # credit only: nothing would be held before the goods leave
    body = api.quote(v, rfq, terms=[{"name": "all", "percent": 100, "due": "net_days", "net_days": 30}], expect=422)
    assert "before shipment" in str(body["error"]["fields"]["payment_terms"])
    quote = api.quote(v, rfq, terms=NET_30)
    assert quote["payment_terms"][1] == {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}


def test_thirty_before_shipment_seventy_net_30_falls_due_is_reminded_goes_overdue_and_is_paid(
        api, world, run_jobs, db, app):
    vendor, buyer, finance = world.vendors[0], world.buyer, world.buyer_members["finance"]
    deal, pay = _deal(api, world, NET_30)
    deposit, balance = pay["milestones"]
    # only what is due before shipment is payable now; the balance waits for the delivery
    assert "instructions" in deposit and deposit["status"] == "awaiting_payment"
    assert "instructions" not in balance and balance["status"] == "pending" and balance["due_at"] is None
    assert int(deposit["instructions"]["amount"]) == DEPOSIT
    import_rows(api, world.admin, row(DEPOSIT, deposit["instructions"]["reference"]))
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["status"] == "funded"  # 30 % held: the vendor may ship
    assert [m["status"] for m in got["milestones"]] == ["funded", "pending"]
    assert_ledger_sound(db)
    # the sweeper has nothing to do before delivery
    assert sweep(utcnow() + timedelta(days=90))["sweep_payment_terms"] == 0

    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["status"] == "delivered"
    m = got["milestones"][1]
    assert m["status"] == "awaiting_payment" and m["net_days"] == 30 and m["payment_reference"]
    due = datetime.fromisoformat(m["due_at"])
    assert timedelta(days=30) - timedelta(minutes=5) < due - utcnow() <= timedelta(days=30)
    assert "milestone_due" in _kinds(api, buyer)
    assert finance.email in _mails(db, f"milestone-{m['id']}-due")  # the buyer's finance is e-mailed
    assert world.buyer_members["requester"].email not in _mails(db, f"milestone-{m['id']}-due")
    # the deal page shows what is secured and what is owed, with the due date
    money = api.get(f"/deals/{deal['id']}/payments", buyer)["milestones"][1]
    assert money["instructions"]["reference"] == m["payment_reference"]
    assert int(money["instructions"]["amount"]) == BALANCE and money["overdue"] is False

    # accepted and released: the vendor gets the 30 %, the 70 % is still owed
    api.post(f"/deals/{deal['id']}/accept", buyer)
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "released"
    assert _held_and_released(deal["id"], vendor.org_id)["escrow"] == 0
    assert_ledger_sound(db)

    # 4 days before: nothing; 3 days before: reminded once
    assert sweep(due - DUE_REMINDER - timedelta(days=1))["sweep_payment_terms"] == 0
    assert sweep(due - DUE_REMINDER + timedelta(minutes=1))["sweep_payment_terms"] == 1
    assert sweep(due - DUE_REMINDER + timedelta(minutes=2))["sweep_payment_terms"] == 0  # twice: a no-op
    assert _kinds(api, buyer).count("milestone_due_soon") == 1
    assert len(_mails(db, f"milestone-{m['id']}-due-soon")) >= 1
    assert "milestone_overdue_vendor" not in _kinds(api, vendor)
    assert_ledger_sound(db)

    # past the due date: overdue, both sides told, no money moved
    before = _held_and_released(deal["id"], vendor.org_id)
    assert sweep(due + timedelta(minutes=1))["sweep_payment_terms"] == 1
    assert sweep(due + timedelta(minutes=2))["sweep_payment_terms"] == 0
    assert _held_and_released(deal["id"], vendor.org_id) == before
    got = api.get(f"/deals/{deal['id']}", vendor)
    assert got["milestones"][1]["overdue"] is True and got["milestones"][1]["status"] == "awaiting_payment"
    assert _kinds(api, buyer).count("milestone_overdue") == 1
    assert _kinds(api, vendor).count("milestone_overdue_vendor") == 1
    # both sides' deal pages show what is secured, what is owed and that it is late, in vi and en
    vi = _page(app, vendor, deal["id"], "vi")
    assert "30 ngày sau khi giao hàng" in vi and "Bên mua còn nợ (chưa ký quỹ)" in vi and "Quá hạn" in vi
    en = _page(app, buyer, deal["id"], "en")
    assert "30 days after delivery" in en and "Still owed by the buyer (not in escrow)" in en and "Overdue" in en
    assert_ledger_sound(db)

    # the buyer pays late by bank transfer: released to the vendor at once, less commission
    vendor_before = ledger.balance(ledger.vendor_payable(vendor.org_id), "VND")
    import_rows(api, world.admin, row(BALANCE, m["payment_reference"]))
    got = api.get(f"/deals/{deal['id']}", vendor)
    paid = got["milestones"][1]
    assert paid["status"] == "released" and paid["overdue"] is False
    fee = commission_for(BALANCE, got["commission_bps"])
    assert int(paid["commission"]) == fee and int(paid["released"]) == BALANCE - fee
    assert ledger.balance(ledger.vendor_payable(vendor.org_id), "VND") - vendor_before == BALANCE - fee
    assert _held_and_released(deal["id"], vendor.org_id)["escrow"] == 0
    assert "milestone_paid" in _kinds(api, vendor)
    assert "Overdue" not in _page(app, buyer, deal["id"], "en")
    assert_ledger_sound(db)
    # the same statement line again, and the sweeper again: nothing moves twice
    after = _held_and_released(deal["id"], vendor.org_id)
    assert sweep(due + timedelta(days=10))["sweep_payment_terms"] == 0
    run_jobs()
    assert _held_and_released(deal["id"], vendor.org_id) == after
    assert_ledger_sound(db)


def test_a_balance_paid_before_acceptance_is_held_and_released_with_the_rest(api, world, run_jobs, db):
    vendor, buyer = world.vendors[0], world.buyer
    deal, pay = _deal(api, world, NET_30)
    import_rows(api, world.admin, row(DEPOSIT, pay["milestones"][0]["instructions"]["reference"]))
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
    ref = api.get(f"/deals/{deal['id']}", buyer)["milestones"][1]["payment_reference"]
    # paid within the inspection window: held in escrow for the vendor, not yet released
    api.post("/admin/bank-transfers", world.admin, {"reference": ref, "amount": str(BALANCE), "currency": "VND"})
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["status"] == "delivered" and [m["status"] for m in got["milestones"]] == ["funded", "funded"]
    assert balances(ledger.escrow_account(deal["id"]))[ledger.escrow_account(deal["id"])] == TOTAL
    # a second confirmation of the same transfer changes nothing
    api.post("/admin/bank-transfers", world.admin, {"reference": ref, "amount": str(BALANCE), "currency": "VND"})
    assert balances(ledger.escrow_account(deal["id"]))[ledger.escrow_account(deal["id"])] == TOTAL
    assert_ledger_sound(db)
    api.post(f"/deals/{deal['id']}/accept", buyer)
    run_jobs()
    run_jobs()
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["status"] == "released" and [m["status"] for m in got["milestones"]] == ["released", "released"]
    assert ledger.balance(ledger.escrow_account(deal["id"]), "VND") == 0
    # nothing left to remind or mark overdue
    assert sweep(utcnow() + timedelta(days=60))["sweep_payment_terms"] == 0
    assert "milestone_overdue" not in _kinds(api, buyer)
    assert_ledger_sound(db)


def test_on_delivery_falls_due_with_a_grace_and_a_dispute_freezes_it(api, world, run_jobs, db):
    vendor, buyer = world.vendors[0], world.buyer
    deal, pay = _deal(api, world, ON_DELIVERY)
    half = TOTAL // 2
    import_rows(api, world.admin, row(half, pay["milestones"][0]["instructions"]["reference"]))
    assert api.get(f"/deals/{deal['id']}", buyer)["status"] == "funded"
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
    m = api.get(f"/deals/{deal['id']}", buyer)["milestones"][1]
    due = datetime.fromisoformat(m["due_at"])
    assert ON_DELIVERY_GRACE - timedelta(minutes=5) < due - utcnow() <= ON_DELIVERY_GRACE
    # reminded DUE_REMINDER before the end of the grace, then overdue
    assert sweep(due - DUE_REMINDER + timedelta(minutes=1))["sweep_payment_terms"] == 1
    assert sweep(due + timedelta(minutes=1))["sweep_payment_terms"] == 1
    assert api.get(f"/deals/{deal['id']}", buyer)["milestones"][1]["overdue"] is True
    assert_ledger_sound(db)
    # a dispute freezes the term: a transfer then is kept for the buyer, not held for the vendor
    api.post(f"/deals/{deal['id']}/disputes", buyer,
             {"reason": "damaged", "description": "the bearings arrived rusty"}, expect=201)
    body = api.post("/admin/bank-transfers", world.admin,
                    {"reference": m["payment_reference"], "amount": str(TOTAL - half), "currency": "VND"}, expect=409)
    assert body["error"]["code"] == "milestone_not_payable"
    import_rows(api, world.admin, row(TOTAL - half, m["payment_reference"]))
    refund = ledger.buyer_refund_payable(buyer.org_id)
    assert balances(refund)[refund] == TOTAL - half
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["milestones"][1]["status"] == "awaiting_payment"
    assert ledger.balance(ledger.escrow_account(deal["id"]), "VND") == half
    assert_ledger_sound(db)


def test_a_short_net_term_is_not_reminded_twice_a_dispute_pauses_it_and_its_resolution_cancels_it(
        api, world, run_jobs, db):
    vendor, buyer = world.vendors[0], world.buyer
    deal, pay = _deal(api, world, [{"name": "deposit", "percent": 50, "due": "on_award"},
                                   {"name": "net 1", "percent": 50, "due": "net_days", "net_days": 1}])
    import_rows(api, world.admin, row(TOTAL // 2, pay["milestones"][0]["instructions"]["reference"]))
    api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", buyer)
    due = datetime.fromisoformat(api.get(f"/deals/{deal['id']}", buyer)["milestones"][1]["due_at"])
    # the notice that it fell due was the reminder: nothing more before the date
    assert sweep(due - timedelta(hours=1))["sweep_payment_terms"] == 0
    assert "milestone_due_soon" not in _kinds(api, buyer) and "milestone_due" in _kinds(api, buyer)
    # a dispute freezes the term: no overdue while it runs
    dispute = api.post(f"/deals/{deal['id']}/disputes", buyer,
                       {"reason": "damaged", "description": "the bearings arrived rusty"}, expect=201)
    assert sweep(due + timedelta(days=5))["sweep_payment_terms"] == 0
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["milestones"][1]["overdue"] is False and "milestone_overdue" not in _kinds(api, buyer)
    assert_ledger_sound(db)
    # the decision splits what is held; the unpaid term is cancelled with the resolution
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin,
             {"rationale": "the evidence shows it", "outcome": "release"})
    run_jobs()
    got = api.get(f"/deals/{deal['id']}", buyer)
    assert got["status"] == "resolved" and [m["status"] for m in got["milestones"]] == ["released", "cancelled"]
    assert ledger.balance(ledger.escrow_account(deal["id"]), "VND") == 0
    assert sweep(due + timedelta(days=10))["sweep_payment_terms"] == 0
    assert_ledger_sound(db)
