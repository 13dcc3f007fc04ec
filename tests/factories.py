"""Factories: build users, organisations, catalog and deals through the HTTP API, as users would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def valid_tax_code(n: int) -> str:
    """A Vietnamese tax code (MST) with a correct check digit, different for each ``n``."""
    from stdnum.vn import mst

    base = 10_000_000 + n * 7
    while True:
        candidate = f"0{base:08d}"
        digit = mst.calc_check_digit(candidate)
        if len(digit) == 1:
            return candidate + digit
        base += 1


@dataclass
class Who:
    token: str
    org_id: int
    user_id: int
    email: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    admin: Who
    vendors: list[Who]
    buyer: Who
    buyer_members: dict[str, Who] = field(default_factory=dict)
    other_buyer: Who | None = None


class ApiClient:
    """Thin helper over Flask's test client that speaks JSON and checks statuses."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, who: Who | None = None, json=None, expect: int | None = None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers.update(who.headers)
        resp = self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers, **kw)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {path} -> {resp.status_code}: {resp.get_data(as_text=True)[:800]}"
        return resp

    def get(self, path, who=None, expect=200, **kw):
        return self.call("GET", path, who, expect=expect, **kw).get_json()

    def post(self, path, who=None, json=None, expect=200, **kw):
        return self.call("POST", path, who, json=json if json is not None else {}, expect=expect, **kw).get_json()

    # --- accounts ---------------------------------------------------------------------------------

    def register(self, kind: str, name: str | None = None, email: str | None = None) -> Who:
        n = next(_seq)
        email = email or f"{kind}{n}@example.test"
        body = self.post("/auth/register", json={"email": email, "password": PASSWORD, "name": f"{kind} person {n}",
                                                  "organization": {"name": name or f"{kind.title()} Org {n}", "kind": kind}},
                         expect=201)
        return Who(body["token"], body["organization"]["id"], body["user"]["id"], email)

    def add_member(self, owner: Who, role: str) -> Who:
        n = next(_seq)
        email = f"{role}{n}@example.test"
        self.post(f"/organizations/{owner.org_id}/members", owner,
                  {"email": email, "name": f"{role} {n}", "password": PASSWORD, "role": role}, expect=201)
        return self.login(email)

    def login(self, email: str) -> Who:
        body = self.post("/auth/login", json={"email": email, "password": PASSWORD})
        return Who(body["token"], body["organization"]["id"], body["user"]["id"], email)

    def platform_admin(self) -> Who:
        """Platform orgs cannot self-register; admins are created by operators (here: directly)."""
        from marketplace.accounts.services import add_membership, create_organization, create_user
        from marketplace.extensions import db

        n = next(_seq)
        org = create_organization("platform", f"Operator {n}")
        user = create_user(f"admin{n}@example.test", "Admin", PASSWORD, "en")
        add_membership(user, org, "admin")
        db.session.commit()
        return self.login(user.email)

    # --- vendors ----------------------------------------------------------------------------------

    def verified_vendor(self, admin: Who, regions=("VN",), name: str | None = None, capacity: int = 100000) -> Who:
        vendor = self.register("vendor", name)
        self.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={
            "legal_name": name or f"Vendor {vendor.org_id} Co., Ltd", "tax_code": valid_tax_code(vendor.org_id),
            "regions": list(regions), "monthly_capacity": capacity}, expect=200)
        self.upload_document(vendor)
        self.post(f"/vendors/{vendor.org_id}/verification", vendor)
        self.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
        return vendor

    def upload_document(self, vendor: Who, kind: str = "business_registration", content: bytes | None = None,
                        filename: str = "registration.pdf", expect: int | None = 201):
        """Upload a verification document (multipart), a small real PDF by default."""
        import io

        if content is None:
            content = b"%PDF-1.4\n% business registration " + filename.encode() + b"\n%%EOF\n"
        resp = self.call("POST", f"/vendors/{vendor.org_id}/documents", vendor, expect=expect,
                         data={"kind": kind, "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
        return resp.get_json()

    def product(self, vendor: Who, sku: str, name: str, price: str = "100000", moq: int = 1, **extra) -> dict:
        body = {"sku": sku, "name": name, "unit": "piece", "moq": moq, "status": "active", "currency": "VND",
                "price_tiers": [{"min_qty": moq, "unit_price": price}], **extra}
        return self.post("/products", vendor, body, expect=201)

    def build_world(self) -> World:
        admin = self.platform_admin()
        v1 = self.verified_vendor(admin, ("VN-SG", "VN-HN"), "Cơ khí Sài Gòn")
        v2 = self.verified_vendor(admin, ("VN",), "Thép Hà Nội")
        self.product(v1, "BEAR-6205", "Vòng bi 6205-2RS ball bearing", "18000", moq=100, hs_code="848210")
        self.product(v2, "BEAR-6206", "Ball bearing 6206 vòng bi", "21000", moq=50, hs_code="848210")
        self.product(v2, "REBAR-D16", "Thép thanh vằn D16 rebar", "14200000", moq=10, hs_code="721420")
        buyer = self.register("buyer", "Nhà máy May Việt Tiến")
        members = {role: self.add_member(buyer, role) for role in ("requester", "approver", "finance")}
        other = self.register("buyer", "Another Buyer")
        return World(admin=admin, vendors=[v1, v2], buyer=buyer, buyer_members=members, other_buyer=other)

    # --- the deal flow ----------------------------------------------------------------------------

    def open_rfq(self, buyer: Who, vendors: list[Who], quantity: int = 1000, visibility: str = "invite_only",
                 lines: list[dict] | None = None, deadline_days: int = 5) -> dict:
        rfq = self.post("/rfqs", buyer, {
            "title": "Vòng bi 6205 cho dây chuyền", "description": "ball bearings", "delivery_region": "VN-SG",
            "visibility": visibility,
            "quote_deadline": (datetime.now(timezone.utc) + timedelta(days=deadline_days)).isoformat(),
            "lines": lines or [{"description": "Vòng bi 6205-2RS", "quantity": quantity, "unit": "piece"}]}, expect=201)
        for v in vendors:
            self.post(f"/rfqs/{rfq['id']}/matches", buyer, {"vendor_id": v.org_id}, expect=201)
        return self.post(f"/rfqs/{rfq['id']}/publish", buyer)

    def quote(self, vendor: Who, rfq: dict, unit_price: str = "17500", freight: str = "500000", terms=None,
              expect: int = 201) -> dict:
        body = {"lead_time_days": 10, "freight": freight,
                "lines": [{"rfq_line_id": line["id"], "unit_price": unit_price, "quantity": line["quantity"]}
                          for line in rfq["lines"]]}
        if terms:
            body["payment_terms"] = terms
        return self.post(f"/rfqs/{rfq['id']}/quotes", vendor, body, expect=expect)

    def funded_deal(self, world: World, terms=None) -> dict:
        rfq = self.open_rfq(world.buyer, [world.vendors[0]])
        quote = self.quote(world.vendors[0], rfq, terms=terms)
        deal = self.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
        pay = self.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
        for m in pay["milestones"]:
            ins = m["instructions"]
            self.post("/admin/bank-transfers", world.admin,
                      {"reference": ins["reference"], "amount": ins["amount"], "currency": ins["currency"]})
        return self.get(f"/deals/{deal['id']}", world.buyer)
