"""Accounts over HTTP: register, log in and out, tokens stored hashed, /me, members and roles."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

import marketplace.accounts
from marketplace import registry
from marketplace.accounts.models import ApiToken, Membership, Organization, User
from marketplace.accounts.services import ORGANIZATION_CREATED, create_organization
from marketplace.vendors.models import VendorProfile

from ..factories import PASSWORD


def _register_body(email="ana@example.test", kind="buyer", **org):
    return {"email": email, "password": PASSWORD, "name": "Ana",
            "organization": {"name": "Công ty Ana", "kind": kind, **org}}


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_register_buyer_returns_token_org_and_owner_role(api):
    body = api.post("/auth/register", json=_register_body(), expect=201)
    assert body["token_type"] == "Bearer" and body["token"]
    assert body["organization"]["kind"] == "buyer" and body["organization"]["name"] == "Công ty Ana"
    assert body["role"] == "owner"
    assert body["user"]["email"] == "ana@example.test"
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    me = api.get("/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me["user"]["id"] == body["user"]["id"]
    assert me["organization"]["id"] == body["organization"]["id"]
    assert me["role"] == "owner"
    assert [m["organization"]["id"] for m in me["memberships"]] == [body["organization"]["id"]]


def test_register_vendor_creates_an_unverified_vendor_profile(api):
    vendor = api.register("vendor")
    profile = api.get(f"/vendors/{vendor.org_id}")
    assert profile["verification_status"] == "unverified"
    assert api.get("/me", vendor)["organization"]["kind"] == "vendor"


def test_platform_organisations_cannot_self_register(api, db):
    resp = api.call("POST", "/auth/register", json=_register_body(kind="platform"), expect=422)
    err = resp.get_json()["error"]
    assert err["code"] == "invalid" and "organization" in err["fields"]
    assert _count(db, User) == 0 and _count(db, Organization) == 0


def test_duplicate_email_is_a_conflict_case_insensitively(api, db):
    api.post("/auth/register", json=_register_body("dup@example.test"), expect=201)
    resp = api.call("POST", "/auth/register", json=_register_body("DUP@Example.test"), expect=409)
    assert resp.get_json()["error"]["code"] == "email_taken"
    assert _count(db, User) == 1 and _count(db, Organization) == 1


def test_login_with_a_wrong_password_or_unknown_email_says_the_same(api):
    who = api.register("buyer")
    wrong = api.call("POST", "/auth/login", json={"email": who.email, "password": "not-the-password"}, expect=401)
    unknown = api.call("POST", "/auth/login", json={"email": "nobody@example.test", "password": PASSWORD}, expect=401)
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["message"]


def test_login_is_case_insensitive_on_email_and_returns_a_new_token(api):
    who = api.register("buyer")
    body = api.post("/auth/login", json={"email": who.email.upper(), "password": PASSWORD})
    assert body["token"] != who.token
    assert body["organization"]["id"] == who.org_id


def test_tokens_are_stored_hashed_never_raw(api, db):
    who = api.register("buyer")
    login = api.login(who.email)
    hashes = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert len(hashes) == 2
    for raw in (who.token, login.token):
        assert raw not in hashes
        assert all(raw not in h for h in hashes)
    # the raw value is nowhere in any column of the table
    for raw in (who.token, login.token):
        found = db.session.execute(sa.text("SELECT count(*) FROM api_tokens t WHERE strpos(t::text, :raw) > 0"),
                                   {"raw": raw}).scalar_one()
        assert found == 0


def test_passwords_are_hashed_with_argon2(api, db):
    who = api.register("buyer")
    stored = db.session.execute(select(User.password_hash).where(User.id == who.user_id)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_logout_revokes_only_that_token(api):
    who = api.register("buyer")
    other = api.login(who.email)
    api.call("POST", "/auth/logout", who, expect=204)
    resp = api.call("GET", "/me", who, expect=401)
    assert resp.get_json()["error"]["code"] == "bad_token"
    assert api.get("/me", other)["user"]["id"] == who.user_id
    # logging out again with the revoked token is refused, not a 500
    api.call("POST", "/auth/logout", who, expect=401)


def test_me_requires_a_token(api):
    resp = api.call("GET", "/me", expect=401)
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_owner_adds_a_member_who_can_log_in_with_that_role(api):
    owner = api.register("buyer")
    finance = api.add_member(owner, "finance")
    assert finance.org_id == owner.org_id
    assert api.get("/me", finance)["role"] == "finance"
    members = api.get(f"/organizations/{owner.org_id}/members", owner)["items"]
    assert sorted(m["role"] for m in members) == ["finance", "owner"]
    assert all("password" not in m for m in members)


def test_adding_an_existing_member_again_is_a_conflict(api, db):
    owner = api.register("buyer")
    body = {"email": "sam@example.test", "name": "Sam", "password": PASSWORD, "role": "requester"}
    api.post(f"/organizations/{owner.org_id}/members", owner, body, expect=201)
    api.call("POST", f"/organizations/{owner.org_id}/members", owner, json=body, expect=409)
    assert _count(db, Membership) == 2


def test_invalid_role_for_the_organisation_kind_is_422(api, db):
    owner = api.register("buyer")
    before = (_count(db, User), _count(db, Membership))
    for role in ("sales", "superuser", "admin-ish"):  # sales is a vendor role, not a buyer role
        resp = api.call("POST", f"/organizations/{owner.org_id}/members", owner,
                        json={"email": "x@example.test", "name": "X", "password": PASSWORD, "role": role}, expect=422)
        assert "role" in resp.get_json()["error"]["fields"]
    assert (_count(db, User), _count(db, Membership)) == before


def test_a_requester_cannot_add_members(api, db):
    owner = api.register("buyer")
    requester = api.add_member(owner, "requester")
    before = _count(db, Membership)
    resp = api.call("POST", f"/organizations/{owner.org_id}/members", requester,
                    json={"email": "y@example.test", "name": "Y", "password": PASSWORD, "role": "finance"}, expect=403)
    assert resp.get_json()["error"]["code"] == "forbidden"
    assert _count(db, Membership) == before


def test_members_of_another_organisation_are_not_found(api, db):
    owner = api.register("buyer")
    stranger = api.register("buyer")
    resp = api.call("GET", f"/organizations/{owner.org_id}/members", stranger, expect=404)
    assert resp.get_json()["error"]["code"] == "not_found"
    api.call("POST", f"/organizations/{owner.org_id}/members", stranger,
             json={"email": "z@example.test", "name": "Z", "password": PASSWORD, "role": "finance"}, expect=404)
    api.call("GET", "/organizations/999999/members", owner, expect=404)
    assert _count(db, Membership) == 2


def test_vendor_roles_are_vendor_roles(api):
    vendor = api.register("vendor")
    sales = api.add_member(vendor, "sales")
    assert api.get("/me", sales)["role"] == "sales"
    api.call("POST", f"/organizations/{vendor.org_id}/members", vendor,
             json={"email": "w@example.test", "name": "W", "password": PASSWORD, "role": "approver"}, expect=422)


def test_member_of_two_organisations_chooses_at_login(api):
    first = api.register("buyer")
    second = api.register("vendor")
    api.post(f"/organizations/{second.org_id}/members", second,
             {"email": first.email, "name": "Shared", "password": "whatever-not-used", "role": "sales"}, expect=201)
    body = api.post("/auth/login", json={"email": first.email, "password": PASSWORD, "organization_id": second.org_id})
    assert body["organization"]["id"] == second.org_id and body["role"] == "sales"
    api.call("POST", "/auth/login", json={"email": first.email, "password": PASSWORD, "organization_id": 999999},
             expect=404)
    me = api.get("/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert {m["organization"]["id"] for m in me["memberships"]} == {first.org_id, second.org_id}


def test_login_attempts_are_rate_limited_per_address_and_email(app, api):
    who = api.register("buyer")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        for _ in range(3):
            api.call("POST", "/auth/login", json={"email": who.email, "password": "wrong-password-x"}, expect=401)
        resp = api.call("POST", "/auth/login", json={"email": who.email, "password": "wrong-password-x"}, expect=429)
        assert resp.get_json()["error"]["code"] == "rate_limited"
        # another account from the same address is not locked out
        other = api.register("buyer")
        api.call("POST", "/auth/login", json={"email": other.email, "password": "correct-horse-battery"}, expect=200)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"


def test_the_login_limit_counts_an_email_however_it_is_typed(app, api):
    who = api.register("buyer")
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        api.call("POST", "/auth/login", json={"email": who.email, "password": "wrong-password-x"}, expect=401)
        api.call("POST", "/auth/login", json={"email": who.email.upper(), "password": "wrong-password-x"},
                 expect=401)
        api.call("POST", "/auth/login", json={"email": who.email.title(), "password": "wrong-password-x"}, expect=429)
        # a body the limiter cannot read still gets the parser's answer, not a 500
        api.call("POST", "/auth/login", json={"email": "\udc00x", "password": "x"}, expect=422)
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"


def test_registrations_are_rate_limited_per_address(app, api):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    try:
        api.register("buyer")
        api.register("vendor")
        resp = api.call("POST", "/auth/register", json={
            "email": "third@example.test", "password": "correct-horse-battery", "name": "Third",
            "organization": {"name": "Third Org", "kind": "buyer"}}, expect=429)
        assert resp.get_json()["error"]["code"] == "rate_limited"
        api.call("POST", "/auth/login", json={"email": "third@example.test", "password": "correct-horse-battery"},
                 expect=401)  # nothing was created
    finally:
        app.config["REGISTER_RATE_LIMIT"] = "10000 per minute"


def test_accounts_never_imports_vendors():
    offenders = []
    for path in Path(marketplace.accounts.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and "vendors" in (node.module or ""):
                offenders.append(f"{path.name}: from {node.module}")
            elif isinstance(node, ast.Import) and any("vendors" in a.name for a in node.names):
                offenders.append(f"{path.name}: import vendors")
    assert offenders == []


def test_a_new_vendor_organisation_gets_its_profile_through_the_published_fact(app, db):
    assert registry.current().listeners[ORGANIZATION_CREATED]
    vendor = create_organization("vendor", "Xưởng Cơ Khí")
    buyer = create_organization("buyer", "Người Mua")
    assert db.session.get(VendorProfile, vendor.id).legal_name == "Xưởng Cơ Khí"
    assert db.session.get(VendorProfile, buyer.id) is None
    db.session.rollback()  # the profile lives and dies with the organisation's transaction
    assert db.session.get(VendorProfile, vendor.id) is None


def test_the_approval_threshold_is_money_in_the_organisations_currency(api):
    owner = api.register("buyer")
    body = api.call("PATCH", f"/organizations/{owner.org_id}", owner, json={"currency": "USD",
                                                                           "approval_threshold": "1500.50"},
                    expect=200).get_json()
    assert (body["currency"], body["approval_threshold"]) == ("USD", "1500.50")
    bad = api.call("PATCH", f"/organizations/{owner.org_id}", owner, json={"approval_threshold": "1.505"},
                   expect=422).get_json()
    assert "approval_threshold" in bad["error"]["fields"]
    assert api.call("PATCH", f"/organizations/{owner.org_id}", owner, json={"approval_threshold": None},
                    expect=200).get_json()["approval_threshold"] is None


def test_members_page_with_a_cursor(api):
    owner = api.register("buyer")
    api.add_member(owner, "finance")
    first = api.get(f"/organizations/{owner.org_id}/members?limit=1", owner)
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = api.get(f"/organizations/{owner.org_id}/members?limit=1&cursor={first['next_cursor']}", owner)
    assert [m["role"] for m in first["items"] + rest["items"]] == ["owner", "finance"]
