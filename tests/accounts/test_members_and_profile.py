"""Member roles (change, last owner), the profile (name, language, time zone) and password changes."""

from __future__ import annotations

from marketplace.accounts.models import Membership, User

from ..factories import PASSWORD


def _membership_id(db, org_id: int, user_id: int) -> int:
    return db.session.execute(Membership.for_org(org_id).where(Membership.user_id == user_id)).scalar_one().id


def test_an_owner_changes_a_members_role(api, world, db):
    buyer, requester = world.buyer, world.buyer_members["requester"]
    members = api.get(f"/organizations/{buyer.org_id}/members", buyer)["items"]
    row = next(m for m in members if m["user_id"] == requester.user_id)
    assert row["role"] == "requester" and row["id"] == _membership_id(db, buyer.org_id, requester.user_id)
    changed = api.call("PATCH", f"/organizations/{buyer.org_id}/members/{row['id']}", buyer,
                       json={"role": "approver"}, expect=200).get_json()
    assert changed["role"] == "approver" and changed["user_id"] == requester.user_id
    assert api.get("/me", requester)["role"] == "approver"


def test_role_changes_are_refused_when_they_should_be(api, world, db):
    buyer, requester = world.buyer, world.buyer_members["requester"]
    owner_row = _membership_id(db, buyer.org_id, buyer.user_id)
    req_row = _membership_id(db, buyer.org_id, requester.user_id)
    url = f"/organizations/{buyer.org_id}/members"
    # the last owner stays an owner
    resp = api.call("PATCH", f"{url}/{owner_row}", buyer, json={"role": "admin"}, expect=409)
    assert resp.get_json()["error"]["code"] == "last_owner"
    # a role that buyers do not have
    resp = api.call("PATCH", f"{url}/{req_row}", buyer, json={"role": "sales"}, expect=422)
    assert "role" in resp.get_json()["error"]["fields"]
    # only managers
    api.call("PATCH", f"{url}/{req_row}", requester, json={"role": "owner"}, expect=403)
    # another organisation's member, or another organisation: not found
    other_row = _membership_id(db, world.other_buyer.org_id, world.other_buyer.user_id)
    api.call("PATCH", f"{url}/{other_row}", buyer, json={"role": "admin"}, expect=404)
    api.call("PATCH", f"/organizations/{world.other_buyer.org_id}/members/{other_row}", buyer,
             json={"role": "admin"}, expect=404)
    api.call("PATCH", f"{url}/{req_row}", buyer, json={}, expect=422)
    assert api.get("/me", requester)["role"] == "requester"
    assert api.get("/me", buyer)["role"] == "owner"


def test_an_owner_may_step_down_once_there_is_another_owner(api, world, db):
    buyer, approver = world.buyer, world.buyer_members["approver"]
    url = f"/organizations/{buyer.org_id}/members"
    api.call("PATCH", f"{url}/{_membership_id(db, buyer.org_id, approver.user_id)}", buyer, json={"role": "owner"},
             expect=200)
    api.call("PATCH", f"{url}/{_membership_id(db, buyer.org_id, buyer.user_id)}", buyer, json={"role": "finance"},
             expect=200)


def test_an_admin_cannot_demote_an_owner(api, world, db):
    buyer = world.buyer
    admin = api.add_member(buyer, "admin")
    url = f"/organizations/{buyer.org_id}/members"
    second = api.add_member(buyer, "requester")
    api.call("PATCH", f"{url}/{_membership_id(db, buyer.org_id, second.user_id)}", buyer, json={"role": "owner"},
             expect=200)
    api.call("PATCH", f"{url}/{_membership_id(db, buyer.org_id, buyer.user_id)}", admin, json={"role": "finance"},
             expect=403)
    api.call("PATCH", f"{url}/{_membership_id(db, buyer.org_id, second.user_id)}", admin, json={"role": "owner"},
             expect=200)  # unchanged owner stays owner


def test_profile_name_language_and_time_zone(api, db):
    buyer = api.register("buyer")
    body = api.call("PATCH", "/me", buyer, json={"name": "Chị Lan", "locale": "en", "timezone": "Asia/Bangkok"},
                    expect=200).get_json()
    assert body["name"] == "Chị Lan" and body["locale"] == "en" and body["timezone"] == "Asia/Bangkok"
    resp = api.call("PATCH", "/me", buyer, json={"timezone": "Mars/Olympus"}, expect=422)
    assert "timezone" in resp.get_json()["error"]["fields"]
    api.call("PATCH", "/me", buyer, json={"locale": "fr"}, expect=422)
    assert db.session.get(User, buyer.user_id).timezone == "Asia/Bangkok"
    assert api.call("PATCH", "/me", buyer, json={"timezone": ""}, expect=200).get_json()["timezone"] is None


def test_password_change_needs_the_current_one_and_logs_out_other_sessions(api, db):
    buyer = api.register("buyer")
    other = api.login(buyer.email)
    resp = api.call("POST", "/me/password", buyer, json={"current_password": "wrong-password",
                                                         "new_password": "a-new-password-1"}, expect=422)
    assert "current_password" in resp.get_json()["error"]["fields"]
    api.call("POST", "/me/password", buyer, json={"current_password": PASSWORD, "new_password": "short"}, expect=422)
    api.call("POST", "/me/password", buyer, json={"current_password": PASSWORD, "new_password": "a-new-password-1"},
             expect=204)
    api.get("/me", buyer)  # this session stays
    api.call("GET", "/me", other, expect=401)  # the other one is logged out
    api.call("POST", "/auth/login", json={"email": buyer.email, "password": PASSWORD}, expect=401)
    api.call("POST", "/auth/login", json={"email": buyer.email, "password": "a-new-password-1"}, expect=200)
