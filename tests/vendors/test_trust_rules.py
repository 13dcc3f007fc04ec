"""Trust rules on vendor profiles: sensitive changes need re-verification; a tax code belongs to one vendor."""

from __future__ import annotations

from sqlalchemy import select, update

from marketplace.vendors.models import VendorProfile
from marketplace.vendors.services import tax_code_twins
from tests.factories import valid_tax_code

ACCOUNT = {"method": "bank_transfer", "bank_name": "Techcombank", "account_number": "1903123456789",
           "account_holder": "Cong ty Moi"}


def _patch(api, who, body, expect=200):
    return api.call("PATCH", f"/vendors/{who.org_id}", who, json=body, expect=expect).get_json()


def _kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", who)["items"]]


def test_a_verified_vendors_change_of_legal_name_and_account_goes_back_to_the_admin(api, world):
    vendor, admin = world.vendors[0], world.admin
    before = api.get(f"/vendors/{vendor.org_id}", vendor)
    assert before["verification_status"] == "verified" and before["payouts_on_hold"] is False
    assert "vendor_verified" in _kinds(api, vendor)

    body = _patch(api, vendor, {"legal_name": "Cong ty Moi TNHH", "payout_account": ACCOUNT})
    assert body["verification_status"] == "pending" and body["payouts_on_hold"] is True
    assert body["legal_name"] == "Cong ty Moi TNHH" and body["payout_account"]["account_number"] == ACCOUNT["account_number"]
    assert body["pending_changes"] == {
        "legal_name": {"old": before["legal_name"], "new": "Cong ty Moi TNHH"},
        "payout_account": {"old": before["payout_account"], "new": ACCOUNT},
    }
    # the vendor may not quote meanwhile and is told why
    assert "vendor_reverification" in _kinds(api, vendor)
    texts = [n["text"] for n in api.get("/notifications", vendor)["items"] if n["kind"] == "vendor_reverification"]
    assert "legal name, payout account" in texts[0] or "tên pháp lý, tài khoản nhận tiền" in texts[0]
    # the public sees neither the changes nor the account
    public = api.get(f"/vendors/{vendor.org_id}")
    assert "pending_changes" not in public and "payout_account" not in public

    # a further change of the same field keeps the first old value; the admin's queue shows old -> new
    _patch(api, vendor, {"legal_name": "Cong ty Moi Hon TNHH"})
    queue = api.get("/admin/vendors/verification-queue", admin, query_string={"status": "pending"})["items"]
    mine = next(v for v in queue if v["id"] == vendor.org_id)
    assert mine["pending_changes"]["legal_name"] == {"old": before["legal_name"], "new": "Cong ty Moi Hon TNHH"}
    assert mine["pending_changes"]["payout_account"]["new"] == ACCOUNT

    decided = api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    assert decided["verification_status"] == "verified" and decided["pending_changes"] is None
    assert decided["payouts_on_hold"] is False
    assert _kinds(api, vendor).count("vendor_verified") == 2


def test_a_rejected_reverification_tells_the_vendor_and_keeps_payouts_on_hold(api, world):
    vendor, admin = world.vendors[1], world.admin
    _patch(api, vendor, {"tax_code": valid_tax_code(vendor.org_id + 500_000)})
    body = api.post(f"/admin/vendors/{vendor.org_id}/verification", admin,
                    {"decision": "reject", "reason": "tax code does not match the registration"})
    assert body["verification_status"] == "rejected" and body["payouts_on_hold"] is True
    assert set(body["pending_changes"]) == {"tax_code"}
    assert "vendor_rejected" in _kinds(api, vendor)
    # the vendor resubmits; verifying approves the change
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    body = api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    assert body["verification_status"] == "verified" and body["pending_changes"] is None


def test_non_sensitive_fields_and_unchanged_values_change_freely(api, world):
    vendor = world.vendors[0]
    current = api.get(f"/vendors/{vendor.org_id}", vendor)
    body = _patch(api, vendor, {"description": "Vòng bi công nghiệp", "regions": ["VN-SG", "VN-HN"],
                                "monthly_capacity": 5000, "legal_name": current["legal_name"],
                                "tax_code": current["tax_code"], "payout_account": current["payout_account"]})
    assert body["verification_status"] == "verified" and body["pending_changes"] is None
    assert body["payouts_on_hold"] is False and body["monthly_capacity"] == 5000
    assert "vendor_reverification" not in _kinds(api, vendor)


def test_an_unverified_vendor_edits_its_identity_without_recording_changes(api):
    vendor = api.register("vendor")
    body = _patch(api, vendor, {"legal_name": "Moi", "tax_code": valid_tax_code(vendor.org_id), "payout_account": ACCOUNT})
    assert body["verification_status"] == "unverified" and body["pending_changes"] is None
    assert body["payouts_on_hold"] is True


def test_a_tax_code_used_by_another_vendor_is_refused_whatever_its_format(api, world):
    taken = api.get(f"/vendors/{world.vendors[0].org_id}")["tax_code"]
    newcomer = api.register("vendor")
    digits = taken.replace("-", "")
    for spelled in (taken, f" {digits[:4]} {digits[4:]} ", f"{digits[:5]}-{digits[5:]}"):
        err = _patch(api, newcomer, {"tax_code": spelled}, expect=409)["error"]
        assert err["code"] == "tax_code_taken", spelled
    assert api.get(f"/vendors/{newcomer.org_id}", newcomer)["tax_code"] is None
    # a verified vendor also may not take another's code, and resending its own is no change
    other = world.vendors[1]
    assert _patch(api, other, {"tax_code": taken}, expect=409)["error"]["code"] == "tax_code_taken"
    own = api.get(f"/vendors/{other.org_id}", other)["tax_code"]
    assert _patch(api, other, {"tax_code": own})["verification_status"] == "verified"
    # a free code is fine
    assert _patch(api, newcomer, {"tax_code": valid_tax_code(newcomer.org_id + 900_000)})["tax_code"]


def test_tax_codes_shared_before_the_rule_are_flagged_to_the_admins(api, world, db):
    """Duplicates from before the refusal (or imported around it) are not silently accepted: the
    verification queue names the other vendor."""
    first, second = world.vendors
    code = api.get(f"/vendors/{first.org_id}")["tax_code"]
    digits = code.replace("-", "")
    # as old data would hold it: the same code in another spelling, written past the service's check
    db.session.execute(update(VendorProfile).where(VendorProfile.id == second.org_id)
                       .values(tax_code=f"{digits[:5]} {digits[5:]}"))
    db.session.commit()
    twins = tax_code_twins([first.org_id, second.org_id, world.buyer.org_id])
    names = {v.id: v.legal_name for v in db.session.execute(select(VendorProfile)).scalars()}
    assert twins == {first.org_id: [(second.org_id, names[second.org_id])],
                     second.org_id: [(first.org_id, names[first.org_id])]}
    assert tax_code_twins([]) == {}
