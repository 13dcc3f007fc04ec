"""CI smoke test: drive one deal end to end over real HTTP against the Procfile's web and worker.

Usage: python .ci/smoke.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE, ADMIN_EMAIL, ADMIN_PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
RUN = uuid.uuid4().hex[:8]
PASSWORD = "smoke-test-password"


def call(method, path, token=None, body=None, expect=200):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{BASE}/api/v1{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
    parsed = json.loads(payload) if payload else None
    if status != expect:
        raise SystemExit(f"{method} {path}: expected {expect}, got {status}: {payload[:500]!r}")
    return parsed


def upload(path, token, fields, filename, content):
    """A multipart/form-data POST, as a browser would send a file."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{BASE}/api/v1{path}", data=body, method="POST")
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status != 201:
            raise SystemExit(f"upload {path}: {resp.status}")


def register(kind, name):
    body = call("POST", "/auth/register", body={"email": f"{kind}-{RUN}@smoke.test", "password": PASSWORD,
                                                "name": name, "organization": {"name": name, "kind": kind}}, expect=201)
    return body["token"], body["organization"]["id"]


def main():
    for _ in range(60):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(1)
    spec = json.loads(urllib.request.urlopen(f"{BASE}/api/v1/openapi.json").read())
    assert "/api/v1/deals/{deal_id}/accept" in spec["paths"], "OpenAPI document lacks the deal paths"
    assert urllib.request.urlopen(f"{BASE}/api/v1/docs").status == 200
    admin = call("POST", "/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})["token"]
    vendor, vendor_id = register("vendor", f"Smoke Vendor {RUN}")
    call("PATCH", f"/vendors/{vendor_id}", vendor, {"legal_name": "Smoke Vendor Co., Ltd", "tax_code": "0312345673",
                                                    "regions": ["VN"], "monthly_capacity": 100000})
    upload(f"/vendors/{vendor_id}/documents", vendor, {"kind": "business_registration"}, "registration.pdf",
           b"%PDF-1.4\n% smoke test business registration\n%%EOF\n")
    call("POST", f"/vendors/{vendor_id}/verification", vendor)
    call("POST", f"/admin/vendors/{vendor_id}/verification", admin, {"decision": "verify"})
    call("POST", "/products", vendor, {"sku": "SMOKE-1", "name": "Máy cắt laser", "unit": "set", "moq": 1,
                                       "status": "active", "price_tiers": [{"min_qty": 1, "unit_price": "450000000"}]},
         expect=201)
    buyer, _ = register("buyer", f"Smoke Buyer {RUN}")
    rfq = call("POST", "/rfqs", buyer, {"title": "Máy cắt laser fiber", "delivery_region": "VN-SG",
                                        "lines": [{"description": "may cat laser", "quantity": 2, "unit": "set"}]},
               expect=201)
    call("POST", f"/rfqs/{rfq['id']}/matches", buyer, {"vendor_id": vendor_id}, expect=201)
    rfq = call("POST", f"/rfqs/{rfq['id']}/publish", buyer)
    quote = call("POST", f"/rfqs/{rfq['id']}/quotes", vendor, {
        "lead_time_days": 20, "freight": "2000000",
        "lines": [{"rfq_line_id": rfq["lines"][0]["id"], "unit_price": "440000000", "quantity": 2}]}, expect=201)
    deal = call("POST", f"/rfqs/{rfq['id']}/award", buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = call("POST", f"/deals/{deal['id']}/payments", buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        ins = m["instructions"]
        call("POST", "/admin/bank-transfers", admin, {"reference": ins["reference"], "amount": ins["amount"],
                                                      "currency": ins["currency"]})
    call("POST", f"/deals/{deal['id']}/shipments", vendor, {"carrier": "manual"}, expect=201)
    call("POST", f"/deals/{deal['id']}/confirm-delivery", buyer)
    call("POST", f"/deals/{deal['id']}/accept", buyer)
    for _ in range(60):  # the worker releases the money in the background
        status = call("GET", f"/deals/{deal['id']}", buyer)["status"]
        if status == "released":
            break
        time.sleep(1)
    else:
        raise SystemExit(f"deal {deal['id']} was not released by the worker (status {status})")
    summary = call("GET", f"/admin/deals/{deal['id']}/ledger", admin)["summary"]
    total = 2 * 440000000 + 2000000
    assert int(summary["funded"]) == total, summary
    assert int(summary["released"]) + int(summary["commission"]) == total and int(summary["held"]) == 0, summary
    assert call("GET", "/admin/ledger/trial-balance", admin)["currencies"]["VND"]["balanced"] is True
    print(f"smoke: deal {deal['id']} released through the worker; ledger {summary}")


if __name__ == "__main__":
    main()
