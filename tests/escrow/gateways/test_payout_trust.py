"""Payouts only to a verified payout account: batches leave unverified accounts out; marking paid refuses them."""

from __future__ import annotations

from marketplace.escrow import ledger
from tests.factories import (
    TOTAL,
    assert_ledger_sound,
    released_deal,
    valid_tax_code,
)

COMMISSION = (TOTAL * 500 + 5000) // 10000
NEW_ACCOUNT = {"method": "bank_transfer", "bank_name": "ACB", "account_number": "2222333344445",
               "account_holder": "Somebody Else"}


def _vendor_without_payout_account(api, admin):
    vendor = api.register("vendor")
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={
        "legal_name": f"Vendor {vendor.org_id} JSC", "tax_code": valid_tax_code(vendor.org_id),
        "regions": ["VN"], "monthly_capacity": 100000}, expect=200)
    api.upload_document(vendor)
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    return vendor


def test_a_vendor_that_changes_its_payout_account_is_not_paid_until_re_verified(api, world, run_jobs, db):
    vendor, admin = world.vendors[0], world.admin
    released_deal(api, world, run_jobs, vendor)
    payable = ledger.vendor_payable(vendor.org_id)
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"payout_account": NEW_ACCOUNT}, expect=200)

    err = api.post("/admin/payouts", admin, {"include_refunds": False}, expect=409)["error"]
    assert err["code"] == "nothing_to_pay" and err["details"]["vendors_on_hold"] == [vendor.org_id]
    assert ledger.balance(payable, "VND") == TOTAL - COMMISSION

    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    batch = api.post("/admin/payouts", admin, {"include_refunds": False}, expect=201)
    assert [(p["org_id"], p["amount"]) for p in batch["payouts"]] == [(vendor.org_id, str(TOTAL - COMMISSION))]
    api.post(f"/admin/payouts/{batch['id']}/mark-paid", admin, {"bank_reference": "VCB-TRUST-1"})
    assert ledger.balance(payable, "VND") == 0
    assert_ledger_sound(db)


def test_a_batch_cannot_be_marked_paid_after_a_vendor_changed_its_account(api, world, run_jobs, db):
    vendor, admin = world.vendors[0], world.admin
    released_deal(api, world, run_jobs, vendor)
    payable = ledger.vendor_payable(vendor.org_id)
    batch = api.post("/admin/payouts", admin, {"include_refunds": False}, expect=201)
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"payout_account": NEW_ACCOUNT}, expect=200)

    err = api.post(f"/admin/payouts/{batch['id']}/mark-paid", admin, {"bank_reference": "VCB-X"}, expect=409)["error"]
    assert err["code"] == "payout_account_unverified" and err["details"]["vendors_on_hold"] == [vendor.org_id]
    assert api.get(f"/admin/payouts/{batch['id']}", admin)["status"] == "created"
    assert ledger.balance(payable, "VND") == TOTAL - COMMISSION  # reserved, not paid
    assert_ledger_sound(db)

    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    paid = api.post(f"/admin/payouts/{batch['id']}/mark-paid", admin, {"bank_reference": "VCB-Y"})
    assert paid["status"] == "paid" and ledger.balance(payable, "VND") == 0
    assert_ledger_sound(db)


def test_a_vendor_without_a_payout_account_is_left_out_and_others_are_paid(api, world, run_jobs, db):
    admin = world.admin
    bare = _vendor_without_payout_account(api, admin)
    assert api.get(f"/vendors/{bare.org_id}", bare)["payouts_on_hold"] is True
    released_deal(api, world, run_jobs, bare)
    released_deal(api, world, run_jobs, world.vendors[1])

    batch = api.post("/admin/payouts", admin, {"include_refunds": False}, expect=201)
    assert {p["org_id"] for p in batch["payouts"]} == {world.vendors[1].org_id}
    err = api.post("/admin/payouts", admin, {"org_ids": [bare.org_id]}, expect=409)["error"]
    assert err["details"]["vendors_on_hold"] == [bare.org_id]
    assert ledger.balance(ledger.vendor_payable(bare.org_id), "VND") == TOTAL - COMMISSION

    # adding an account to a verified vendor is a change like any other: an admin verifies it first
    body = api.call("PATCH", f"/vendors/{bare.org_id}", bare, json={"payout_account": NEW_ACCOUNT}, expect=200).get_json()
    assert body["verification_status"] == "pending" and body["pending_changes"]["payout_account"]["old"] is None
    api.post("/admin/payouts", admin, {"org_ids": [bare.org_id]}, expect=409)
    api.post(f"/admin/vendors/{bare.org_id}/verification", admin, {"decision": "verify"})
    second = api.post("/admin/payouts", admin, {"org_ids": [bare.org_id]}, expect=201)
    assert [p["org_id"] for p in second["payouts"]] == [bare.org_id]
    for b in (batch, second):
        api.post(f"/admin/payouts/{b['id']}/mark-paid", admin, {"bank_reference": f"B{b['id']}"})
    assert_ledger_sound(db)
