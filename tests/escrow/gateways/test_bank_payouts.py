"""Payout batches: amounts are reserved once, paid once, and each organisation sees only its own payouts."""

from __future__ import annotations

from marketplace.escrow import ledger
from tests.factories import (
    TOTAL,
    assert_ledger_sound,
    awaiting_deal,
    import_rows,
    released_deal,
    row,
)

CLEARING = ledger.clearing_account("bank_transfer")
COMMISSION = (TOTAL * 500 + 5000) // 10000


def _released_deal(api, world, run_jobs, vendor_index=0) -> dict:
    return released_deal(api, world, run_jobs, world.vendors[vendor_index])


def test_batch_reserves_payables_and_marking_paid_twice_pays_once(api, world, run_jobs, db):
    vendor = world.vendors[0]
    _released_deal(api, world, run_jobs)
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL + 700_000, m["reference"]))  # 700 000 over-paid: owed back
    payable, refund = ledger.vendor_payable(vendor.org_id), ledger.buyer_refund_payable(world.buyer.org_id)
    assert ledger.balance(payable, "VND") == TOTAL - COMMISSION
    assert ledger.balance(refund, "VND") == 700_000
    clearing_before = ledger.balance(CLEARING, "VND")

    batch = api.post("/admin/payouts", world.admin, {}, expect=201)
    assert batch["status"] == "created"
    owed = {(p["kind"], p["org_id"]): p["amount"] for p in batch["payouts"]}
    assert owed == {("vendor", vendor.org_id): str(TOTAL - COMMISSION), ("refund", world.buyer.org_id): "700000"}
    # reserved, not yet paid: a second batch finds nothing
    err = api.post("/admin/payouts", world.admin, {}, expect=409)
    assert err["error"]["code"] == "nothing_to_pay"
    assert ledger.balance(payable, "VND") == TOTAL - COMMISSION
    assert_ledger_sound(db)

    paid = api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "VCB-BATCH-0001"})
    assert paid["status"] == "paid" and paid["bank_reference"] == "VCB-BATCH-0001"
    assert {p["status"] for p in paid["payouts"]} == {"paid"}
    assert ledger.balance(payable, "VND") == 0 and ledger.balance(refund, "VND") == 0
    assert ledger.balance(CLEARING, "VND") == clearing_before - (TOTAL - COMMISSION) - 700_000

    again = api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "OTHER"})
    assert again["status"] == "paid" and again["bank_reference"] == "VCB-BATCH-0001"
    assert ledger.balance(CLEARING, "VND") == clearing_before - (TOTAL - COMMISSION) - 700_000
    assert api.post("/admin/payouts", world.admin, {}, expect=409)["error"]["code"] == "nothing_to_pay"
    assert [b["id"] for b in api.get("/admin/payouts", world.admin)["items"]] == [batch["id"]]
    assert_ledger_sound(db)


def test_new_money_after_a_batch_goes_into_the_next_batch_only(api, world, run_jobs, db):
    vendor = world.vendors[0]
    _released_deal(api, world, run_jobs)
    first = api.post("/admin/payouts", world.admin, {"include_refunds": False}, expect=201)
    _released_deal(api, world, run_jobs)
    second = api.post("/admin/payouts", world.admin, {"include_refunds": False}, expect=201)
    assert [p["amount"] for p in first["payouts"]] == [str(TOTAL - COMMISSION)]
    assert [p["amount"] for p in second["payouts"]] == [str(TOTAL - COMMISSION)]
    for batch in (second, first):
        api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": f"B{batch['id']}"})
    assert ledger.balance(ledger.vendor_payable(vendor.org_id), "VND") == 0
    assert_ledger_sound(db)


def test_a_batch_for_selected_organisations_leaves_the_others_owed(api, world, run_jobs, db):
    v1, v2 = world.vendors
    _released_deal(api, world, run_jobs, 0)
    _released_deal(api, world, run_jobs, 1)
    batch = api.post("/admin/payouts", world.admin, {"org_ids": [v2.org_id]}, expect=201)
    assert [p["org_id"] for p in batch["payouts"]] == [v2.org_id]
    api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "X"})
    assert ledger.balance(ledger.vendor_payable(v1.org_id), "VND") == TOTAL - COMMISSION
    assert ledger.balance(ledger.vendor_payable(v2.org_id), "VND") == 0
    assert_ledger_sound(db)


def test_vendors_see_their_own_payouts_and_not_another_vendors(api, world, run_jobs):
    v1, v2 = world.vendors
    _released_deal(api, world, run_jobs, 0)
    batch = api.post("/admin/payouts", world.admin, {}, expect=201)
    (payout,) = batch["payouts"]
    mine = api.get("/payouts", v1)["items"]
    assert [p["id"] for p in mine] == [payout["id"]] and mine[0]["amount"] == str(TOTAL - COMMISSION)
    assert api.get(f"/payouts/{payout['id']}", v1)["status"] == "created"
    assert api.get("/payouts", v2)["items"] == []
    err = api.get(f"/payouts/{payout['id']}", v2, expect=404)
    assert err["error"]["code"] == "not_found"
    api.get(f"/payouts/{payout['id']}", world.buyer, expect=404)
    assert [p["id"] for p in api.get("/payouts", world.admin)["items"]] == [payout["id"]]
    api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "VCB-1"})
    seen = api.get(f"/payouts/{payout['id']}", v1)
    assert seen["status"] == "paid" and seen["bank_reference"] == "VCB-1"


def test_buyers_see_their_refund_payouts(api, world, db):
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m["reference"]), row(TOTAL, m["reference"]))  # paid twice
    batch = api.post("/admin/payouts", world.admin, {}, expect=201)
    (payout,) = batch["payouts"]
    assert (payout["kind"], payout["org_id"], payout["amount"]) == ("refund", world.buyer.org_id, str(TOTAL))
    assert [p["id"] for p in api.get("/payouts", world.buyer)["items"]] == [payout["id"]]
    assert api.get("/payouts", world.other_buyer)["items"] == []
    api.get(f"/payouts/{payout['id']}", world.other_buyer, expect=404)
    assert_ledger_sound(db)


def test_only_admins_create_and_mark_batches(api, world):
    api.post("/admin/payouts", world.vendors[0], {}, expect=403)
    api.post("/admin/payouts/1/mark-paid", world.vendors[0], {"bank_reference": "x"}, expect=403)
    api.post("/admin/payouts/999/mark-paid", world.admin, {"bank_reference": "x"}, expect=404)
    api.post("/admin/payouts/999/mark-paid", world.admin, {}, expect=422)
    assert api.post("/admin/payouts", world.admin, {}, expect=409)["error"]["code"] == "nothing_to_pay"


def test_concurrent_batches_reserve_each_payable_once(app, api, world, run_jobs, db):
    import threading

    from marketplace.actors import Actor
    from marketplace.errors import ConflictError
    from marketplace.escrow.gateways.bank import payouts

    _released_deal(api, world, run_jobs)
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL + 300_000, m["reference"]))
    barrier = threading.Barrier(4)
    outcomes = []

    def create():
        with app.app_context():
            barrier.wait()
            try:
                batch = payouts.create_payout_batch(Actor("admin", user_id=world.admin.user_id))
                db.session.commit()
                outcomes.append(sum(p.amount for p in batch.payouts))
            except ConflictError:
                db.session.rollback()
                outcomes.append(0)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] > 0 and sum(outcomes) == TOTAL - COMMISSION + 300_000
    batches = api.get("/admin/payouts", world.admin)["items"]
    assert sum(int(p["amount"]) for b in batches for p in b["payouts"]) == TOTAL - COMMISSION + 300_000
    for b in batches:
        api.post(f"/admin/payouts/{b['id']}/mark-paid", world.admin, {"bank_reference": f"B{b['id']}"})
    assert ledger.balance(ledger.vendor_payable(world.vendors[0].org_id), "VND") == 0
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == 0
    assert_ledger_sound(db)
