"""The world schemathesis runs against: real objects in every state an operation needs to succeed, made through
the HTTP API as users would, and one known-good request for every operation that changes state (each on an object
of its own: a signed webhook, a valid statement CSV, a quote for the right RFQ lines, ...), so that every success
schema is exercised whatever random generation happens to guess."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine

from marketplace.extensions import db
from marketplace.vendors.services.hs_classifier import train as train_hs_classifier
from tests.factories import (
    PASSWORD,
    ApiClient,
    Who,
    World,
    awaiting_deal,
    csv_bytes,
    import_rows,
    row,
    signed_event,
    valid_tax_code,
)
from tests.ghn_server import SHOP_ID, TOKEN, GhnTestServer
from tests.shipping.test_partial_shipments import PNG as SIGNATURE_PNG

PDF = b"%PDF-1.4\n% schemathesis document\n%%EOF\n"
_n = itertools.count(1)


@dataclass
class Success:
    """One request expected to answer 2xx: ``label`` as schemathesis names the operation ("POST /api/v1/...")."""

    label: str
    who: str | None  #: the e-mail to log in as (None: anonymous)
    path_parameters: dict[str, int] = field(default_factory=dict)
    body: Any = None  #: None: no body
    query: dict | None = None
    headers: dict | None = None


@dataclass
class Seeded:
    identities: dict[str, str | None]  #: identity name -> e-mail (None: anonymous)
    ids: dict[str, int]  #: path-parameter name -> id of a real object, for the generated requests
    successes: list[Success]  #: the known-good requests, each on an object of its own, in this order


def _iso(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def _awarded(api: ApiClient, world: World, vendor: Who | None = None, awarder: Who | None = None) -> dict:
    vendor = vendor or world.vendors[0]
    rfq = api.open_rfq(world.buyer, [vendor])
    quote = api.quote(vendor, rfq)
    return api.post(f"/rfqs/{rfq['id']}/award", awarder or world.buyer, {"quote_ids": [quote["id"]]},
                    expect=201)["deals"][0]


def _released(api: ApiClient, world: World, run_jobs) -> dict:
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    deal = api.get(f"/deals/{deal['id']}", world.buyer)
    assert deal["status"] == "released", deal
    return deal


def seed(api: ApiClient, run_jobs) -> Seeded:
    """Build the world, the ids the generated requests use, and the known-good requests."""
    world = api.build_world()
    admin, buyer, vendor, vendor2 = world.admin, world.buyer, world.vendors[0], world.vendors[1]
    ok: list[Success] = []
    A = "/api/v1"

    # --- catalog: a category, a product of the fuzzed vendor, price lists, an import ---------------------
    category = api.post("/admin/categories", admin, {"code": "BEARINGS", "name_en": "Bearings", "name_vi": "Vòng bi"},
                        expect=201)
    product = api.product(vendor, "SEAL-6205", "Phớt chặn dầu 6205 oil seal", "5000", moq=10)
    price_list = api.post("/price-lists", vendor, {
        "buyer_org_id": buyer.org_id, "name": "Hợp đồng khung 2026", "valid_from": _iso(-1), "valid_until": _iso(30),
        "items": [{"product_id": product["id"], "min_qty": 10, "unit_price": "4500"}]}, expect=201)
    to_end = api.post("/price-lists", vendor, {
        "buyer_org_id": buyer.org_id, "name": "Khuyến mãi", "valid_from": _iso(-1), "valid_until": _iso(10),
        "items": [{"product_id": product["id"], "min_qty": 10, "unit_price": "4800"}]}, expect=201)
    catalog = b"sku,name,unit,unit_price\nIMP-1,Imported thing,piece,100\nIMP-2,,piece,-5\n"
    imp = api.call("POST", "/products/import", vendor, expect=202, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(catalog), "catalog.csv")}).get_json()
    run_jobs()
    ok += [
        Success(f"PATCH {A}/admin/categories/{{category_id}}", admin.email, {"category_id": category["id"]},
                {"name_vi": "Vòng bi, ổ lăn"}),
        Success(f"PUT {A}/admin/commission/categories/{{category_id}}", admin.email, {"category_id": category["id"]},
                {"bps": 300}),
        Success(f"POST {A}/admin/categories", admin.email, body={"code": "SEALS", "name_en": "Seals",
                                                                  "parent_id": category["id"]}),
        Success(f"POST {A}/products", vendor.email, body={
            "sku": "SEAL-6206", "name": "Phớt chặn dầu 6206 oil seal", "unit": "piece", "moq": 10, "status": "active",
            "currency": "VND", "price_tiers": [{"min_qty": 10, "unit_price": "5200"}]}),
        Success(f"PATCH {A}/products/{{product_id}}", vendor.email, {"product_id": product["id"]},
                {"name": "Phớt chặn dầu 6205-2RS oil seal"}),
        Success(f"POST {A}/price-lists", vendor.email, body={
            "buyer_org_id": world.other_buyer.org_id, "name": "Giá riêng", "valid_from": _iso(0),
            "valid_until": _iso(30), "items": [{"product_id": product["id"], "min_qty": 10, "unit_price": "4700"}]}),
        Success(f"POST {A}/price-lists/{{price_list_id}}/end", vendor.email, {"price_list_id": to_end["id"]}),
        Success(f"POST {A}/products/import", vendor.email, body={"file": catalog}),
    ]

    # --- HS code suggestions: coded listings to learn from, a trained model, listings with inferred codes -------
    kinds = (("Phớt chặn dầu cao su", "401693"), ("Vòng bi cầu", "848210"), ("Xi măng PCB40", "252329"))
    for i in range(24):
        name, code = kinds[i % 3]
        api.product(vendor2, f"HS-{i}", f"{name} {i}", "1000", hs_code=code)
    with api.client.application.app_context():
        train_hs_classifier()  # what the sweeper's job does; `product` (no code) gets its inferred code
        db.session.commit()
    to_accept = api.product(vendor, "SEAL-7", "Phớt chặn dầu cao su 7", "5000", moq=10)
    ok += [
        Success(f"POST {A}/products/hs-suggestions", vendor.email, body={"name": "Phớt chặn dầu 30x52x7"}),
        Success(f"GET {A}/products/{{product_id}}/hs-suggestion", vendor.email, {"product_id": product["id"]}),
        Success(f"POST {A}/products/{{product_id}}/hs-suggestion/accept", vendor.email,
                {"product_id": to_accept["id"]}),
    ]

    # --- vendors: a fresh vendor ready to submit, a document ------------------------------------------------
    fresh = api.register("vendor")
    api.call("PATCH", f"/vendors/{fresh.org_id}", fresh, json={"legal_name": "Fresh Vendor Co., Ltd",
                                                                "tax_code": valid_tax_code(fresh.org_id), "regions": ["VN"]}, expect=200)
    api.upload_document(fresh)
    ok += [
        Success(f"POST {A}/vendors/{{vendor_id}}/documents", vendor.email, {"vendor_id": vendor.org_id},
                {"kind": "business_registration", "file": PDF}),
        Success(f"POST {A}/vendors/{{vendor_id}}/verification", fresh.email, {"vendor_id": fresh.org_id}),
        Success(f"POST {A}/admin/vendors/{{vendor_id}}/verification", admin.email, {"vendor_id": fresh.org_id},
                {"decision": "verify"}),
        Success(f"PATCH {A}/vendors/{{vendor_id}}", vendor.email, {"vendor_id": vendor.org_id},
                {"description": "Vòng bi và phớt chặn dầu", "monthly_capacity": 120000}),
        Success(f"PUT {A}/admin/commission/vendors/{{vendor_id}}", admin.email, {"vendor_id": vendor2.org_id},
                {"bps": 400}),
        Success(f"GET {A}/vendors/{{vendor_id}}/events", vendor.email, {"vendor_id": vendor.org_id}),
        Success(f"POST {A}/auth/register", None, body={
            "email": f"newbuyer{next(_n)}@example.test", "password": PASSWORD, "name": "Người mới",
            "organization": {"name": "Công ty Mới", "kind": "buyer"}}),
        Success(f"POST {A}/auth/login", None, body={"email": buyer.email, "password": PASSWORD}),
        Success(f"POST {A}/auth/logout", buyer.email),
        Success(f"PATCH {A}/organizations/{{org_id}}", buyer.email, {"org_id": buyer.org_id}, {"locale": "vi"}),
        Success(f"POST {A}/organizations/{{org_id}}/members", buyer.email, {"org_id": buyer.org_id},
                {"email": f"member{next(_n)}@example.test", "name": "Người mua hàng", "password": "long-enough-pw",
                 "role": "requester"}),
    ]

    # --- stripe: onboarding, the account, a signed webhook ---------------------------------------------------
    body, signature = signed_event("account.updated", {"id": "acct_schemathesis", "object": "account"})
    ok += [
        Success(f"POST {A}/vendors/{{vendor_id}}/payout-account/stripe", vendor.email, {"vendor_id": vendor.org_id},
                {"return_url": "https://example.test/back"}),
        Success(f"GET {A}/vendors/{{vendor_id}}/payout-account/stripe", vendor.email, {"vendor_id": vendor.org_id}),
        Success(f"POST {A}/webhooks/stripe", None, body=body, headers={"Stripe-Signature": signature}),
    ]
    # --- GHN: an authentic carrier webhook (an order that is not ours: stored, then ignored) ------------------
    ok.append(Success(f"POST {A}/webhooks/carriers/{{carrier}}", None, {"carrier": "ghn"}, query={"token": GHN_HOOK},
                      body={"OrderCode": "GHNCONTRACT1", "Status": "picked", "Time": _iso(0), "Type": "switch_status"}))

    # --- rfq: a draft to invite to, an open RFQ to quote on, quotes to revise, reject and award ----------------
    draft = api.post("/rfqs", buyer, {"title": "Thép tấm SS400", "description": "steel plates",
                                      "delivery_region": "VN-SG", "quote_deadline": _iso(5),
                                      "lines": [{"description": "Thép tấm", "quantity": 10, "unit": "piece"}]},
                     expect=201)
    rfq = api.open_rfq(buyer, [vendor, vendor2])
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, expect=200,
             json={"addresses": [{"kind": "warehouse", "line1": "KCN Quang Minh", "region": "VN-HN"}]})
    quote = api.quote(vendor, rfq)
    to_reject = api.quote(vendor2, rfq)
    to_quote = api.open_rfq(buyer, [vendor2])
    to_award = api.open_rfq(buyer, [vendor])
    award_quote = api.quote(vendor, to_award)
    to_publish = api.post("/rfqs", buyer, {"title": "Ổ bi đỡ chặn", "delivery_region": "VN-SG", "quote_deadline": _iso(5),
                                           "lines": [{"description": "Ổ bi", "quantity": 50, "unit": "piece"}]},
                          expect=201)
    api.post(f"/rfqs/{to_publish['id']}/matches", buyer, {"vendor_id": vendor.org_id}, expect=201)
    to_cancel_rfq = api.open_rfq(buyer, [vendor2])
    to_withdraw = api.quote(vendor, api.open_rfq(buyer, [vendor]))
    ok += [
        Success(f"POST {A}/rfqs/{{rfq_id}}/quotes/freight-rates", vendor.email, {"rfq_id": rfq["id"]},
                {"parcels": [{"weight_grams": 800, "length_cm": 20, "width_cm": 15, "height_cm": 10}], "pallets": 1}),
        Success(f"POST {A}/rfqs", buyer.email, body={
            "title": "Dây curoa B-52", "description": "v-belts", "delivery_region": "VN-HN", "quote_deadline": _iso(7),
            "lines": [{"description": "Dây curoa", "quantity": 200, "unit": "piece"}]}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/publish", buyer.email, {"rfq_id": to_publish["id"]}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/cancel", buyer.email, {"rfq_id": to_cancel_rfq["id"]}),
        Success(f"POST {A}/quotes/{{quote_id}}/withdraw", vendor.email, {"quote_id": to_withdraw["id"]}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/matches", buyer.email, {"rfq_id": draft["id"]}, {"vendor_id": vendor.org_id}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/quotes", vendor2.email, {"rfq_id": to_quote["id"]}, {
            "lead_time_days": 7, "freight": "300000",
            "lines": [{"rfq_line_id": line["id"], "unit_price": "18000", "quantity": line["quantity"]}
                      for line in to_quote["lines"]]}),
        Success(f"POST {A}/quotes/{{quote_id}}/request-revision", buyer.email, {"quote_id": quote["id"]},
                {"message": "17,000 và chúng tôi chốt"}),
        Success(f"POST {A}/quotes/{{quote_id}}/revise", vendor.email, {"quote_id": quote["id"]}, {
            "lead_time_days": 10, "freight": "500000",
            "lines": [{"rfq_line_id": line["id"], "unit_price": "17000", "quantity": line["quantity"]}
                      for line in rfq["lines"]]}),
        Success(f"POST {A}/quotes/{{quote_id}}/reject", buyer.email, {"quote_id": to_reject["id"]},
                {"reason": "too expensive"}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/award", buyer.email, {"rfq_id": to_award["id"]},
                {"quote_ids": [award_quote["id"]]}),
        Success(f"GET {A}/rfqs/{{rfq_id}}/events", buyer.email, {"rfq_id": rfq["id"]}),
        Success(f"GET {A}/quotes/{{quote_id}}/events", vendor.email, {"quote_id": quote["id"]}),
    ]

    # --- people: roles, profile, password, read marks (the RFQs above notified the vendor) ------------------
    pw_user = api.register("buyer")
    finance_row = next(m["id"] for m in api.get(f"/organizations/{buyer.org_id}/members", buyer)["items"]
                       if m["user_id"] == world.buyer_members["finance"].user_id)
    note_id = api.get("/notifications", vendor)["items"][0]["id"]
    ok += [
        Success(f"PATCH {A}/organizations/{{org_id}}/members/{{membership_id}}", buyer.email,
                {"org_id": buyer.org_id, "membership_id": finance_row}, {"role": "finance"}),
        # a fresh user: changing the password revokes that user's other tokens
        Success(f"POST {A}/me/password", pw_user.email, body={"current_password": PASSWORD, "new_password": PASSWORD}),
        Success(f"POST {A}/notifications/{{notification_id}}/read", vendor.email, {"notification_id": note_id}),
    ]

    # --- deals in each state a verb needs ----------------------------------------------------------------------
    deal = api.funded_deal(world)
    shipped, shipment = api.shipped_deal(world)
    dispute = api.post(f"/deals/{shipped['id']}/disputes", buyer, {"reason": "damaged", "description": "rusty bearings"},
                       expect=201)
    to_decide_deal, _ = api.shipped_deal(world)
    to_decide = api.post(f"/deals/{to_decide_deal['id']}/disputes", buyer,
                         {"reason": "damaged", "description": "cracked rings"}, expect=201)
    to_dispute, _ = api.shipped_deal(world)
    to_withdraw_deal, _ = api.shipped_deal(world)
    to_withdraw_dispute = api.post(f"/deals/{to_withdraw_deal['id']}/disputes", buyer,
                                   {"reason": "damaged", "description": "one box wet"}, expect=201)
    to_ship = api.funded_deal(world)
    _, to_track = api.shipped_deal(world)
    to_confirm, _ = api.shipped_deal(world)
    to_accept, _ = api.shipped_deal(world)
    api.post(f"/deals/{to_accept['id']}/confirm-delivery", buyer)
    to_refund = api.funded_deal(world)
    to_cancel = _awarded(api, world)
    to_pay = _awarded(api, world)
    requester = world.buyer_members["requester"]
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": "1"}, expect=200)
    to_approve = _awarded(api, world, awarder=requester)
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": None}, expect=200)
    assert to_approve["status"] == "awaiting_approval", to_approve
    _, (to_transfer,) = awaiting_deal(api, world)
    _, to_cancel_shipment = api.shipped_deal(world)
    _, to_prove = api.shipped_deal(world)
    _, proved = api.shipped_deal(world)
    api.call("POST", f"/shipments/{proved['id']}/proof-of-delivery", vendor, expect=201,
             content_type="multipart/form-data", data={"receiver_name": "Trần Thị Bình",
                                                       "image": (io.BytesIO(SIGNATURE_PNG), "signature.png")})
    ok += [
        Success(f"POST {A}/shipments/{{shipment_id}}/cancel", vendor.email, {"shipment_id": to_cancel_shipment["id"]}),
        Success(f"POST {A}/shipments/{{shipment_id}}/proof-of-delivery", vendor.email, {"shipment_id": to_prove["id"]},
                {"receiver_name": "Lê Văn Cường", "image": SIGNATURE_PNG}),
        Success(f"GET {A}/shipments/{{shipment_id}}/proof-of-delivery/image", buyer.email,
                {"shipment_id": proved["id"]}),
        Success(f"POST {A}/deals/{{deal_id}}/shipments", vendor.email, {"deal_id": to_ship["id"]}, {"carrier": "manual"}),
        Success(f"POST {A}/shipping/rates", buyer.email, body={"origin": "VN-SG", "destination": "VN-HN", "pallets": 1,
                "parcels": [{"weight_grams": 1200, "length_cm": 40, "width_cm": 30, "height_cm": 20}]}),
        Success(f"GET {A}/shipments/{{shipment_id}}/documents/{{kind}}", buyer.email,
                {"shipment_id": to_track["id"], "kind": "delivery-note"}, query={"lang": "en"}),
        Success(f"POST {A}/shipments/{{shipment_id}}/events", vendor.email, {"shipment_id": to_track["id"]},
                {"status": "in_transit", "description": "Đã rời kho", "location": "Thủ Đức"}),
        Success(f"POST {A}/deals/{{deal_id}}/confirm-delivery", buyer.email, {"deal_id": to_confirm["id"]}),
        Success(f"POST {A}/deals/{{deal_id}}/accept", buyer.email, {"deal_id": to_accept["id"]}),
        Success(f"POST {A}/disputes/{{dispute_id}}/messages", vendor.email, {"dispute_id": to_withdraw_dispute["id"]},
                {"body": "Chúng tôi sẽ kiểm tra lô hàng"}),
        Success(f"POST {A}/disputes/{{dispute_id}}/withdraw", buyer.email, {"dispute_id": to_withdraw_dispute["id"]}),
        Success(f"GET {A}/disputes/{{dispute_id}}/events", vendor.email, {"dispute_id": dispute["id"]}),
        Success(f"POST {A}/admin/reconciliation", admin.email),
        Success(f"POST {A}/deals/{{deal_id}}/approve", buyer.email, {"deal_id": to_approve["id"]}),
        Success(f"POST {A}/deals/{{deal_id}}/cancel", buyer.email, {"deal_id": to_cancel["id"]},
                {"reason": "changed our mind"}),
        Success(f"POST {A}/deals/{{deal_id}}/payments", buyer.email, {"deal_id": to_pay["id"]},
                {"gateway": "bank_transfer"}),
        Success(f"POST {A}/admin/deals/{{deal_id}}/refund", admin.email, {"deal_id": to_refund["id"]},
                {"reason": "vendor cannot deliver"}),
        Success(f"POST {A}/deals/{{deal_id}}/disputes", buyer.email, {"deal_id": to_dispute["id"]},
                {"reason": "damaged", "description": "bent shafts"}),
        Success(f"POST {A}/admin/disputes/{{dispute_id}}/decision", admin.email, {"dispute_id": to_decide["id"]},
                {"rationale": "the evidence shows it", "outcome": "refund"}),
        Success(f"POST {A}/admin/bank-transfers", admin.email, body={
            "reference": to_transfer["reference"], "amount": str(to_transfer["amount"]), "currency": "VND"}),
    ]

    # --- bank statements: a matched (over-paid) line, an unmatched one, a line to assign ---------------------------
    _, (matched,) = awaiting_deal(api, world)
    _, (to_assign,) = awaiting_deal(api, world)
    imported = import_rows(api, admin, row(matched["amount"] + 700_000, matched["reference"]),
                           row(to_assign["amount"], "chuyen khoan khong ro noi dung"),
                           row(1_000, "no reference either"))
    lines = api.get("/admin/bank-statements/lines?state=unmatched", admin)["items"]
    assert len(lines) == 2, (imported, lines)
    ok += [
        Success(f"POST {A}/admin/bank-statements/lines/{{line_id}}/assign", admin.email, {"line_id": lines[0]["id"]},
                {"milestone_id": to_assign["id"]}),
        Success(f"POST {A}/admin/bank-statements", admin.email,
                body={"file": csv_bytes([row(2_000, "another unknown memo")])}),
    ]

    # --- payouts: a released deal's payable in a batch (paid below); the over-payment is owed in a new one -------------
    _released(api, world, run_jobs)
    batch = api.post("/admin/payouts", admin, {"org_ids": [vendor.org_id]}, expect=201)
    payout = batch["payouts"][0]
    ok += [
        Success(f"POST {A}/admin/payouts/{{batch_id}}/mark-paid", admin.email, {"batch_id": batch["id"]},
                {"bank_reference": "VCB-BATCH-0001"}),
        Success(f"POST {A}/admin/payouts", admin.email, body={}),
    ]

    # --- outbound webhooks: an endpoint of the buyer with a delivery to replay, another to delete -------------------
    hook = api.post("/webhooks/endpoints", buyer, {"url": "https://erp.example.test/hooks", "event_types": ["*"]},
                    expect=201)
    to_delete_hook = api.post("/webhooks/endpoints", buyer, {"url": "https://old.example.test/hooks",
                                                             "event_types": ["deal_funded"]}, expect=201)
    sent = api.post(f"/webhooks/endpoints/{hook['id']}/test", buyer, expect=202)
    ok += [
        Success(f"GET {A}/webhooks/event-types", buyer.email),
        Success(f"GET {A}/webhooks/endpoints", buyer.email),
        Success(f"POST {A}/webhooks/endpoints", buyer.email, body={
            "url": "https://wms.example.test/events", "description": "Kho Bình Dương",
            "event_types": ["deal_funded", "rfq_invitation"]}),
        Success(f"GET {A}/webhooks/endpoints/{{endpoint_id}}", buyer.email, {"endpoint_id": hook["id"]}),
        Success(f"PATCH {A}/webhooks/endpoints/{{endpoint_id}}", buyer.email, {"endpoint_id": hook["id"]},
                {"description": "ERP kế toán"}),
        Success(f"POST {A}/webhooks/endpoints/{{endpoint_id}}/rotate-secret", buyer.email, {"endpoint_id": hook["id"]}),
        Success(f"POST {A}/webhooks/endpoints/{{endpoint_id}}/test", buyer.email, {"endpoint_id": hook["id"]}),
        Success(f"GET {A}/webhooks/endpoints/{{endpoint_id}}/deliveries", buyer.email, {"endpoint_id": hook["id"]}),
        Success(f"POST {A}/webhooks/deliveries/{{delivery_id}}/replay", buyer.email, {"delivery_id": sent["id"]}),
        Success(f"DELETE {A}/webhooks/endpoints/{{endpoint_id}}", buyer.email, {"endpoint_id": to_delete_hook["id"]}),
    ]

    # --- partial acceptance: a delivered deal of its own, 900 of its 1,000 units accepted --------------------------
    partly, _ = api.shipped_deal(world)
    api.post(f"/deals/{partly['id']}/confirm-delivery", buyer)
    ok.append(Success(f"POST {A}/deals/{{deal_id}}/partial-acceptance", buyer.email, {"deal_id": partly["id"]},
                      {"lines": [{"deal_line_id": partly["lines"][0]["id"], "quantity": 900}],
                       "description": "100 vòng bi bị thiếu"}))

    # --- dispute evidence and the desk: a record of the seeded dispute, the case taken by the admin -------------
    record = api.get(f"/disputes/{dispute['id']}/evidence", vendor)["items"][0]
    ok += [
        Success(f"GET {A}/disputes/{{dispute_id}}/evidence/{{evidence_id}}/file", vendor.email,
                {"dispute_id": dispute["id"], "evidence_id": record["id"]}),
        Success(f"POST {A}/admin/disputes/{{dispute_id}}/assign", admin.email, {"dispute_id": dispute["id"]},
                {"assignee_id": None}),
    ]

    # --- dispute negotiation: offers to answer, escalation, evidence requests, a return in each step ---------------
    def _case(description: str, days_ago: int = 0) -> dict:
        with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=days_ago), tick=True):
            case_deal, _ = api.shipped_deal(world)
            return api.post(f"/deals/{case_deal['id']}/disputes", buyer,
                            {"reason": "damaged", "description": description}, expect=201)

    to_offer, to_accept_case, to_reject_case, to_withdraw_case = (_case(f"case {i}") for i in range(4))
    accept_offer = api.post(f"/disputes/{to_accept_case['id']}/offers", vendor, {"buyer_amount": "1000000"},
                            expect=201)
    reject_offer = api.post(f"/disputes/{to_reject_case['id']}/offers", vendor, {"buyer_amount": "1000000"},
                            expect=201)
    withdraw_offer = api.post(f"/disputes/{to_withdraw_case['id']}/offers", buyer, {"buyer_amount": "2000000"},
                              expect=201)
    to_escalate, to_ask, to_answer = (_case(f"old case {i}", days_ago=5) for i in range(3))
    for case in (to_ask, to_answer):
        api.post(f"/disputes/{case['id']}/escalate", buyer, {})
    evidence_request = api.post(f"/admin/disputes/{to_answer['id']}/evidence-requests", admin,
                                {"party": "vendor", "message": "the packing list"}, expect=201)
    returning = [_case(f"return {i}") for i in range(3)]
    for case in returning:
        api.post(f"/admin/disputes/{case['id']}/decision", admin,
                 {"outcome": "refund", "return_required": True, "rationale": "return the goods"})
    for case in returning[1:]:
        api.post(f"/disputes/{case['id']}/return-shipment", buyer, {"carrier": "manual"}, expect=201)
    ok += [
        Success(f"POST {A}/disputes/{{dispute_id}}/offers", vendor.email, {"dispute_id": to_offer["id"]},
                {"buyer_amount": "1500000", "return_required": False, "note": "hoàn một phần"}),
        Success(f"POST {A}/disputes/{{dispute_id}}/offers/{{offer_id}}/accept", buyer.email,
                {"dispute_id": to_accept_case["id"], "offer_id": accept_offer["id"]}, {}),
        Success(f"POST {A}/disputes/{{dispute_id}}/offers/{{offer_id}}/reject", buyer.email,
                {"dispute_id": to_reject_case["id"], "offer_id": reject_offer["id"]}, {"reason": "quá thấp"}),
        Success(f"POST {A}/disputes/{{dispute_id}}/offers/{{offer_id}}/withdraw", buyer.email,
                {"dispute_id": to_withdraw_case["id"], "offer_id": withdraw_offer["id"]}, {}),
        Success(f"POST {A}/disputes/{{dispute_id}}/escalate", vendor.email, {"dispute_id": to_escalate["id"]}, {}),
        Success(f"POST {A}/admin/disputes/{{dispute_id}}/evidence-requests", admin.email, {"dispute_id": to_ask["id"]},
                {"party": "buyer", "message": "ảnh chụp thùng hàng", "due_business_days": 2}),
        Success(f"POST {A}/disputes/{{dispute_id}}/evidence-requests/{{request_id}}/answer", vendor.email,
                {"dispute_id": to_answer["id"], "request_id": evidence_request["id"]}, {"answer": "đã gửi kèm"}),
        Success(f"POST {A}/disputes/{{dispute_id}}/return-shipment", buyer.email, {"dispute_id": returning[0]["id"]},
                {"carrier": "manual", "tracking_number": "RET-SEED-1"}),
        Success(f"POST {A}/disputes/{{dispute_id}}/return/receipt", vendor.email, {"dispute_id": returning[1]["id"]},
                {}),
        Success(f"POST {A}/disputes/{{dispute_id}}/return/rejection", vendor.email, {"dispute_id": returning[2]["id"]},
                {"reason": "hàng trả về không đúng"}),
    ]

    # --- analytics: the reports over the deals above, as JSON and CSV ----------------------------------
    ok += [
        Success(f"GET {A}/analytics/buyer", buyer.email, query={"currency": "VND"}),
        Success(f"GET {A}/analytics/buyer.csv", buyer.email),
        Success(f"GET {A}/analytics/vendor", vendor.email, query={"from": "2026-01-01"}),
        Success(f"GET {A}/analytics/vendor.csv", vendor.email),
    ]

    # --- catalog orders: one placed order per answer (confirm, reject, cancel), one awaiting approval -----------
    def _order(who: Who = buyer) -> dict:
        api.post("/cart/items", who, {"product_id": product["id"], "quantity": 10})
        return api.post("/orders", who, {}, expect=201)["orders"][0]

    to_confirm, to_reject, to_cancel, to_reorder = _order(), _order(), _order(), _order()
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": "1"}, expect=200)
    to_approve = _order(world.buyer_members["requester"])
    api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"approval_threshold": None}, expect=200)
    ok += [
        Success(f"POST {A}/cart/items", buyer.email, body={"product_id": product["id"], "quantity": 10}),
        Success(f"PUT {A}/cart/items/{{product_id}}", buyer.email, {"product_id": product["id"]}, {"quantity": 20}),
        Success(f"POST {A}/orders", buyer.email, body={"delivery_region": "VN-SG"}),
        Success(f"POST {A}/orders/{{order_id}}/reorder", buyer.email, {"order_id": to_reorder["id"]}),
        Success(f"DELETE {A}/cart/items/{{product_id}}", buyer.email, {"product_id": product["id"]}),
        Success(f"DELETE {A}/cart", buyer.email),
        Success(f"POST {A}/orders/{{order_id}}/confirm", vendor.email, {"order_id": to_confirm["id"]}),
        Success(f"GET {A}/vendors/{{vendor_id}}/order-terms", buyer.email, {"vendor_id": vendor.org_id}),
        Success(f"PUT {A}/vendors/{{vendor_id}}/order-terms", vendor.email, {"vendor_id": vendor.org_id},
                {"payment_terms": [{"name": "deposit", "percent": 30, "due": "before_shipment"},
                                   {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}]}),
        Success(f"POST {A}/orders/{{order_id}}/reject", vendor.email, {"order_id": to_reject["id"]},
                {"reason": "hết hàng cỡ này"}),
        Success(f"POST {A}/orders/{{order_id}}/cancel", buyer.email, {"order_id": to_cancel["id"]}, {}),
        Success(f"POST {A}/orders/{{order_id}}/approve", buyer.email, {"order_id": to_approve["id"]}),
        Success(f"POST {A}/deals/{{deal_id}}/reorder", buyer.email, {"deal_id": deal["id"]}),
    ]

    # --- deal documents: a released deal's PDFs, an e-invoice (XML and PDF), the month's commission statements ----
    documented = _released(api, world, run_jobs)
    e_invoice = (b"<HDon><DLHDon><TTChung><KHHDon>C26TAA</KHHDon><SHDon>7</SHDon><DVTTe>VND</DVTTe></TTChung><NDHDon>"
                 b"<NBan><MST>0100109106</MST></NBan><NMua><MST>0302118431</MST></NMua>"
                 b"<TToan><TgTTTBSo>1000</TgTTTBSo></TToan></NDHDon></DLHDon></HDon>")
    attached = api.call("POST", f"/deals/{documented['id']}/e-invoices", vendor, expect=201,
                        content_type="multipart/form-data",
                        data={"xml": (io.BytesIO(e_invoice), "hd.xml"), "pdf": (io.BytesIO(PDF), "hd.pdf")}).get_json()
    month = api.get(f"/vendors/{vendor.org_id}/commission-statements", vendor)["months"][0]
    ok += [
        Success(f"GET {A}/deals/{{deal_id}}/documents/{{kind}}", buyer.email,
                {"deal_id": documented["id"], "kind": "proforma-invoice"}, query={"lang": "en"}),
        Success(f"POST {A}/deals/{{deal_id}}/e-invoices", vendor.email, {"deal_id": documented["id"]},
                {"xml": e_invoice, "pdf": PDF}),
        Success(f"GET {A}/deals/{{deal_id}}/e-invoices", buyer.email, {"deal_id": documented["id"]}),
        Success(f"GET {A}/deals/{{deal_id}}/e-invoices/{{e_invoice_id}}/{{part}}", buyer.email,
                {"deal_id": documented["id"], "e_invoice_id": attached["id"], "part": "xml"}),
        Success(f"GET {A}/vendors/{{vendor_id}}/commission-statements", vendor.email, {"vendor_id": vendor.org_id}),
        Success(f"GET {A}/vendors/{{vendor_id}}/commission-statements/{{month}}.pdf", vendor.email,
                {"vendor_id": vendor.org_id, "month": month}, query={"lang": "vi"}),
        Success(f"GET {A}/vendors/{{vendor_id}}/commission-statements/{{month}}.csv", admin.email,
                {"vendor_id": vendor.org_id, "month": month}),
    ]

    # --- reviews: a released deal to rate, another rated by its buyer for the vendor to reply to ----------------
    to_review, reviewed = _released(api, world, run_jobs), _released(api, world, run_jobs)
    api.post(f"/deals/{reviewed['id']}/review", buyer, {"quality": 5, "on_time": 4, "communication": 5}, expect=201)
    ok += [
        Success(f"POST {A}/deals/{{deal_id}}/review", buyer.email, {"deal_id": to_review["id"]},
                {"quality": 4, "on_time": 5, "communication": 3, "comment": "Giao đúng hẹn"}),
        Success(f"POST {A}/deals/{{deal_id}}/review/reply", vendor.email, {"deal_id": reviewed["id"]},
                {"reply": "Cảm ơn quý khách"}),
        Success(f"GET {A}/vendors/{{vendor_id}}/reviews", None, {"vendor_id": vendor.org_id}),
        Success(f"GET {A}/vendors/{{vendor_id}}/scorecard", None, {"vendor_id": vendor.org_id}, query={"days": 90}),
    ]

    # --- framework contracts: one per verb (sign, decline, withdraw, amend, renew, terminate, call off) ----------
    def _contract(active: bool = True) -> dict:
        made = api.post("/contracts", buyer, {
            "vendor_id": vendor.org_id, "title": "Hợp đồng khung vòng bi", "ends_on": _iso(200)[:10],
            "max_value": "100000000", "items": [{"description": "Vòng bi 6205", "unit": "piece",
                                                 "unit_price": "17000", "committed_qty": 1000}]}, expect=201)
        if active:
            api.post(f"/contracts/{made['id']}/versions/1/sign", vendor)
        return made

    to_sign, to_decline, to_withdraw = _contract(False), _contract(False), _contract(False)
    to_call_off, to_amend, to_renew, to_terminate = _contract(), _contract(), _contract(), _contract()
    contract_rfq = api.open_rfq(buyer, [vendor])
    contract_quote = api.quote(vendor, contract_rfq)
    ok += [
        Success(f"POST {A}/contracts", buyer.email, body={
            "vendor_id": vendor.org_id, "title": "Ống thép 2027", "ends_on": _iso(100)[:10], "max_value": "5000000",
            "items": [{"description": "Ống thép phi 21", "unit": "m", "unit_price": "50000"}]}),
        Success(f"POST {A}/rfqs/{{rfq_id}}/award-contract", buyer.email, {"rfq_id": contract_rfq["id"]},
                {"quote_ids": [contract_quote["id"]], "ends_on": _iso(300)[:10]}),
        Success(f"GET {A}/contracts", buyer.email),
        Success(f"GET {A}/contracts/{{contract_id}}", vendor.email, {"contract_id": to_call_off["id"]}),
        Success(f"POST {A}/contracts/{{contract_id}}/versions/{{number}}/sign", vendor.email,
                {"contract_id": to_sign["id"], "number": 1}),
        Success(f"POST {A}/contracts/{{contract_id}}/versions/{{number}}/decline", vendor.email,
                {"contract_id": to_decline["id"], "number": 1}, {"reason": "giá chưa phù hợp"}),
        Success(f"POST {A}/contracts/{{contract_id}}/versions/{{number}}/withdraw", buyer.email,
                {"contract_id": to_withdraw["id"], "number": 1}),
        Success(f"POST {A}/contracts/{{contract_id}}/call-offs", buyer.email, {"contract_id": to_call_off["id"]},
                {"lines": [{"item_no": 1, "quantity": 100}]}),
        Success(f"GET {A}/contracts/{{contract_id}}/call-offs", buyer.email, {"contract_id": to_call_off["id"]}),
        Success(f"POST {A}/contracts/{{contract_id}}/amendments", vendor.email, {"contract_id": to_amend["id"]},
                {"summary": "Giá mới từ quý 2", "max_value": "120000000"}),
        Success(f"POST {A}/contracts/{{contract_id}}/renew", buyer.email, {"contract_id": to_renew["id"]},
                {"ends_on": _iso(600)[:10]}),
        Success(f"POST {A}/contracts/{{contract_id}}/terminate", vendor.email, {"contract_id": to_terminate["id"]},
                {"reason": "ngừng sản xuất"}),
    ]

    report = api.post("/admin/reconciliation", admin, expect=201)
    documents = api.get(f"/vendors/{vendor.org_id}/documents", vendor)["items"]
    ids = {
        "deal_id": deal["id"], "rfq_id": rfq["id"], "quote_id": quote["id"], "vendor_id": vendor.org_id,
        "org_id": buyer.org_id, "organization_id": buyer.org_id, "product_id": product["id"],
        "document_id": documents[0]["id"], "user_id": buyer.user_id, "shipment_id": shipment["id"],
        "dispute_id": dispute["id"], "report_id": report["id"], "category_id": category["id"],
        "price_list_id": price_list["id"], "import_id": imp["id"], "line_id": lines[1]["id"],
        "batch_id": batch["id"], "payout_id": payout["id"], "endpoint_id": hook["id"], "delivery_id": sent["id"],
    }
    ids["evidence_id"] = record["id"]
    ids["carrier"] = "ghn"  # type: ignore[assignment]  # the one carrier with a webhook
    ids["offer_id"], ids["request_id"] = accept_offer["id"], evidence_request["id"]
    ids["order_id"] = to_reorder["id"]
    ids["contract_id"], ids["number"] = to_call_off["id"], 1
    identities = {"anonymous": None, "buyer": buyer.email, "vendor": vendor.email, "admin": admin.email}
    return Seeded(identities, ids, ok)


GHN_HOOK = "ghn-contract-hook"


@pytest.fixture(scope="session")
def _ghn_peer():
    server = GhnTestServer()
    yield server
    server.close()


@pytest.fixture
def ghn_configured(app, _ghn_peer):
    """GHN enabled against its emulator (tests/ghn_server.py)."""
    keys = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_BASE", "GHN_WEBHOOK_TOKEN")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(GHN_TOKEN=TOKEN, GHN_SHOP_ID=SHOP_ID, GHN_API_BASE=_ghn_peer.url, GHN_WEBHOOK_TOKEN=GHN_HOOK)
    yield _ghn_peer
    app.config.update(saved)


@pytest.fixture
def seeded(api, run_jobs, stripe_server, ghn_configured) -> Seeded:  # the app talks to the Stripe and GHN peers
    return seed(api, run_jobs)
