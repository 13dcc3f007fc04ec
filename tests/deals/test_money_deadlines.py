"""The two money deadlines (issue 10): a deal not paid within PAYMENT_DUE_DAYS is cancelled by the sweeper
(a later transfer is the buyer's refund payable), and a funded deal left unshipped past its ship-by date plus
SHIP_GRACE_DAYS may be cancelled by the buyer with every held milestone refunded."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from marketplace.accounts.auth import _actor
from marketplace.accounts.services import authenticate
from marketplace.database import utcnow
from marketplace.deals.models import Deal
from marketplace.deals.services import get_deal, overview
from marketplace.escrow import ledger
from marketplace.jobs import sweep
from tests.factories import (
    TOTAL,
    assert_ledger_sound,
    awaiting_deal,
    balances,
    import_rows,
    row,
)

PAY, GRACE = 7, 3  # the default PAYMENT_DUE_DAYS and SHIP_GRACE_DAYS


def actor_of(who):
    return _actor(authenticate(who.token))


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", who)["items"]]


def _money(db, world, deal) -> dict:
    db.session.expire_all()
    return overview.money_summary(get_deal(actor_of(world.buyer), deal["id"]))


def _move_ship_by(db, deal, ship_by: datetime) -> None:
    """Pretend the deal was funded long ago: its ship-by date is ``ship_by``."""
    db.session.execute(update(Deal).where(Deal.id == deal["id"]).values(ship_by_at=ship_by))
    db.session.commit()


def test_an_unpaid_deal_is_cancelled_after_the_payment_deadline_and_both_are_told(api, world, run_jobs, db, app):
    assert app.config["PAYMENT_DUE_DAYS"] == PAY
    deal, (m,) = awaiting_deal(api, world)
    buyer, vendor = actor_of(world.buyer), actor_of(world.vendors[0])
    step = overview.next_step(buyer, get_deal(buyer, deal["id"]))
    assert step.action == "transfer" and step.lapse == "auto_cancel"
    assert timedelta(days=PAY - 1) < step.deadline - utcnow() <= timedelta(days=PAY)
    assert overview.next_step(vendor, get_deal(vendor, deal["id"])).lapse == "auto_cancel"

    assert sweep(utcnow() + timedelta(days=PAY, minutes=-5))["deadlines"] == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "awaiting_payment"
    assert sweep(utcnow() + timedelta(days=PAY, minutes=1))["deadlines"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "cancelled"
    events = api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]
    lapse = [e for e in events if e["name"] == "cancel"]
    assert len(lapse) == 1 and lapse[0]["actor_role"] == "system" and lapse[0]["payload"] == {"deadline": "payment_due"}
    for who in (world.buyer, world.vendors[0]):
        note = api.get("/notifications", who)["items"][0]
        assert note["kind"] == "payment_lapsed" and note["data"]["deal_id"] == deal["id"]
    # the milestone takes no more money: the admin's confirmation is refused...
    body = api.post("/admin/bank-transfers", world.admin,
                    {"reference": m["reference"], "amount": str(m["amount"]), "currency": "VND"}, expect=409)
    assert body["error"]["code"] == "milestone_cancelled"
    assert sweep(utcnow() + timedelta(days=PAY + 30))["deadlines"] == 0  # nothing left to fire
    assert_ledger_sound(db)


def test_a_late_transfer_after_the_lapse_becomes_a_refund_payable(api, world, run_jobs, db):
    deal, (m,) = awaiting_deal(api, world)
    assert sweep(utcnow() + timedelta(days=PAY, minutes=1))["deadlines"] == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "cancelled"
    refund = ledger.buyer_refund_payable(deal["buyer_id"])
    before = balances(refund)[refund]
    (line,) = import_rows(api, world.admin, row(TOTAL, m["reference"]))["lines"]
    assert (line["state"], line["reason"]) == ("duplicate", "deal_not_payable")
    assert balances(refund)[refund] == before + TOTAL
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "cancelled"
    assert _money(db, world, deal)["held"] == 0
    assert_ledger_sound(db)


def test_an_unshipped_deal_warns_the_vendor_then_the_buyer_may_cancel_for_a_full_refund(api, world, run_jobs, db,
                                                                                       app):
    assert app.config["SHIP_GRACE_DAYS"] == GRACE
    deal = api.funded_deal(world)
    assert deal["status"] == "funded" and _money(db, world, deal)["held"] == TOTAL
    # the buyer may not cancel a funded deal while the vendor still has time
    body = api.post(f"/deals/{deal['id']}/cancel", world.buyer, {"reason": "too slow"}, expect=409)
    assert body["error"]["code"] == "ship_grace_pending"
    since = datetime.fromisoformat(body["error"]["details"]["cancellable_from"])
    ship_by = datetime.fromisoformat(body["error"]["details"]["ship_by_at"])
    assert since - ship_by == timedelta(days=GRACE)
    assert "ship_by_due" not in _kinds(api, world.vendors[0])

    # one day before the ship-by date the vendor is warned, once
    _move_ship_by(db, deal, utcnow() + timedelta(hours=20))
    assert sweep()["warn_unshipped"] == 1
    sweep()
    assert _kinds(api, world.vendors[0]).count("ship_by_due") == 1
    note = api.get("/notifications", world.vendors[0])["items"][0]
    assert note["data"]["deal_id"] == deal["id"] and note["data"]["cancellable_from"] in note["text"]

    # past the ship-by date, within the grace: still refused; the page names the consequence
    _move_ship_by(db, deal, utcnow() - timedelta(days=GRACE - 1))
    api.post(f"/deals/{deal['id']}/cancel", world.buyer, expect=409)
    buyer, vendor = actor_of(world.buyer), actor_of(world.vendors[0])
    step = overview.next_step(vendor, get_deal(vendor, deal["id"]))
    assert step.action == "ship" and step.lapse == "buyer_may_cancel"
    assert "cancel" not in overview.allowed_actions(buyer, get_deal(buyer, deal["id"]))

    # after the grace: the vendor may not cancel, the buyer may, and gets every held milestone back
    _move_ship_by(db, deal, utcnow() - timedelta(days=GRACE, minutes=1))
    db.session.expire_all()
    assert overview.next_step(buyer, get_deal(buyer, deal["id"])).action == "cancel_unshipped"
    assert "cancel" in overview.allowed_actions(buyer, get_deal(buyer, deal["id"]))
    api.post(f"/deals/{deal['id']}/cancel", world.vendors[0], expect=409)
    refund = ledger.buyer_refund_payable(deal["buyer_id"])
    before = balances(refund)[refund]
    cancelled = api.post(f"/deals/{deal['id']}/cancel", world.buyer, {"reason": "never shipped"})
    assert cancelled["status"] == "cancelled"
    money = _money(db, world, deal)
    assert money["held"] == 0 and money["refunded"] == TOTAL and money["released_gross"] == 0
    assert balances(refund)[refund] == before + TOTAL
    assert "deal_cancelled_unshipped" in _kinds(api, world.vendors[0])
    # cancelling again changes nothing; shipping is no longer possible
    api.post(f"/deals/{deal['id']}/cancel", world.buyer)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=409)
    run_jobs()
    assert _money(db, world, deal)["refunded"] == TOTAL
    assert_ledger_sound(db)
