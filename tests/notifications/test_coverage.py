"""Every party told of each step that concerns it: the right organisations get the feed item, the right
members get an e-mail in their language and time zone with the figures and a direct link; approvers and
platform admins are told what waits for them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.actors import Actor, ActorRole
from marketplace.database import utcnow
from marketplace.jobs import OutboxCommand, OutboxStatus, sweep
from marketplace.rfq.services.rfqs import build_rfq, submit_rfq
from tests.factories import TOTAL, assert_ledger_sound

PUBLIC = "https://cho.example.vn"
#: the factories' default deal: 18.000.000 ₫ at the platform's default 5 % commission
COMMISSION = TOTAL * 500 // 10_000


@pytest.fixture(autouse=True)
def _public_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)


def mails(db, key: str) -> dict[str, dict]:
    """The e-mails queued for the fact told under ``key`` (the organisation's key), by recipient."""
    db.session.expire_all()
    rows = db.session.execute(select(OutboxCommand).where(OutboxCommand.kind == "email.send",
                                                          OutboxCommand.key.like(f"email:{key}:%"))).scalars()
    return {c.payload["to"]: c.payload for c in rows}


def kinds(api, who) -> list[str]:
    return [n["kind"] for n in api.get("/notifications?limit=100", who)["items"]]


def reader(db, who, locale: str, zone: str | None = None) -> None:
    user = db.session.get(User, who.user_id)
    user.locale, user.timezone = locale, zone
    db.session.commit()


def local(iso: str, zone: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))


def test_the_buyer_and_the_vendor_hear_every_step_of_a_deal_with_its_figures(api, world, db, run_jobs):
    buyer, vendor, finance = world.buyer, world.vendors[0], world.buyer_members["finance"]
    reader(db, finance, "en", "Europe/London")  # one member reads English in another zone
    deal = api.funded_deal(world)
    n = deal["id"]
    page = f"{PUBLIC}/deals/{n}"

    # payable (pay-by date), then paid: the buyer's whole organisation is told, each member in their language
    assert {"deal_payable", "payment_received"} <= set(kinds(api, buyer))
    payable = mails(db, f"deal-{n}-payable")
    assert set(payable) == {buyer.email, finance.email, *(m.email for m in world.buyer_members.values())}
    received = mails(db, f"deal-{n}-payment-received")
    vi, en = received[buyer.email], received[finance.email]
    assert vi["subject"] == f"Đã nhận thanh toán 18.000.000\xa0₫ cho giao dịch #{n}"
    ship_by = local(deal["ship_by_at"], "Asia/Ho_Chi_Minh")
    assert f"{ship_by:%H:%M} ngày {ship_by:%d/%m/%Y} (GMT+07:00)" in vi["body"]
    assert vi["body"].startswith("Xin chào") and page in vi["body"] and "Cơ khí Sài Gòn" in vi["body"]
    assert en["subject"] == f"Payment of ₫18,000,000 received for deal #{n}"
    assert f"{local(deal['ship_by_at'], 'Europe/London'):%H:%M} (GMT+00:00)" in en["body"]
    assert en["body"].startswith("Hello") and page in en["body"] and "What next" in en["body"]
    # the vendor: funded, ship by
    funded = mails(db, f"deal-{n}-funded")[vendor.email]
    assert funded["subject"].startswith(f"Giao dịch #{n} đã được ký quỹ: hãy giao hàng trước {ship_by:%H:%M} ngày")
    assert "Nhà máy May Việt Tiến" in funded["body"] and page in funded["body"]

    # shipped: carrier and tracking number
    shipment = api.post(f"/deals/{n}/shipments", vendor, {"carrier": "manual", "tracking_number": "VN123456789"},
                        expect=201)
    shipped = mails(db, f"deal-{n}-shipped")[buyer.email]
    assert shipped["subject"] == f"Giao dịch #{n} đã được gửi đi, mã vận đơn {shipment['tracking_number']}"
    assert "Đơn vị vận chuyển: nhà cung cấp tự giao" in shipped["body"] and "7 ngày" in shipped["body"]
    assert "Carrier: the vendor's own delivery" in mails(db, f"deal-{n}-shipped")[finance.email]["body"]

    # delivered: by when to accept or dispute, and what silence means
    api.post(f"/deals/{n}/confirm-delivery", buyer)
    delivered = mails(db, f"deal-{n}-delivered")[buyer.email]
    ends = local(api.get(f"/deals/{n}/events?limit=100", buyer)["items"][-1]["at"], "Asia/Ho_Chi_Minh") \
        + timedelta(days=7)
    assert f"ngày {ends:%d/%m/%Y}" in delivered["subject"] and "18.000.000\xa0₫" in delivered["body"]
    note = next(x for x in api.get("/notifications", buyer)["items"] if x["kind"] == "deal_delivered")
    assert note["text"].startswith(f"Hàng của giao dịch #{n} đã được giao") and f"{ends:%d/%m/%Y}" in note["text"]

    # accepted, then released: the vendor hears of both with the payout; the buyer that the deal is complete
    api.post(f"/deals/{n}/accept", buyer)
    assert "deal_accepted" in kinds(api, vendor)
    run_jobs()
    released = mails(db, f"deal-{n}-released")[vendor.email]
    assert released["subject"] == f"Đã giải ngân {TOTAL - COMMISSION:,}\xa0₫ cho giao dịch #{n}".replace(",", ".")
    assert "Phí hoa hồng: 900.000\xa0₫" in released["body"] and page in released["body"]
    completed = mails(db, f"deal-{n}-completed")
    assert completed[finance.email]["subject"] == f"Deal #{n} is complete"
    assert "₫18,000,000 was released to Cơ khí Sài Gòn" in completed[finance.email]["body"]
    assert_ledger_sound(db)


def test_a_deal_above_the_threshold_is_mailed_to_the_approvers_and_not_to_the_requester(api, world, db):
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer, json={"approval_threshold": "10000000"},
             expect=200)
    requester, approver = world.buyer_members["requester"], world.buyer_members["approver"]
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", requester, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    assert deal["status"] == "awaiting_approval"
    asked = mails(db, f"deal-{deal['id']}-approval-requested")
    assert set(asked) == {world.buyer.email, approver.email}  # the owner and the approver; not requester, finance
    mail = asked[approver.email]
    assert mail["subject"] == f"Cần phê duyệt: giao dịch #{deal['id']} với Cơ khí Sài Gòn (18.000.000\xa0₫)"
    assert f"{PUBLIC}/deals/{deal['id']}" in mail["body"] and "phê duyệt hoặc hủy" in mail["body"]
    assert "luôn được gửi" in mail["body"]  # it asks for an action: it cannot be turned off
    # the organisation's feed shows it to everyone, the requester included
    assert "deal_approval_requested" in kinds(api, requester)
    assert "deal_payable" not in kinds(api, requester)
    # once approved, the organisation is asked to pay
    api.post(f"/deals/{deal['id']}/approve", approver)
    assert requester.email in mails(db, f"deal-{deal['id']}-payable")


def test_an_rfq_awaiting_approval_is_mailed_to_the_approvers_only(api, world, db):
    api.call("PATCH", f"/organizations/{world.buyer.org_id}", world.buyer, json={"approval_threshold": "10000000"},
             expect=200)
    requester, approver = world.buyer_members["requester"], world.buyer_members["approver"]
    who = Actor(ActorRole.BUYER, user_id=requester.user_id, org_id=requester.org_id, member_role="requester")
    rfq = build_rfq(who, {"title": "Vòng bi", "description": "", "incoterm": "DAP", "visibility": "open",
                          "delivery_region": "VN-SG", "quote_deadline": utcnow() + timedelta(days=3),
                          "lines": [{"description": "Vòng bi 6205", "quantity": 1000, "unit": "piece",
                                     "target_unit_price": "20000"}]})
    db.session.commit()
    submit_rfq(who, rfq.id)
    db.session.commit()
    asked = [m for k, m in _by_key(db, f"rfq-{rfq.id}-approval-").items()]
    assert {m["to"] for m in asked} == {world.buyer.email, approver.email}
    mail = next(m for m in asked if m["to"] == approver.email)
    assert mail["subject"] == f"Cần phê duyệt: yêu cầu báo giá #{rfq.id} (Vòng bi)"
    assert "20.000.000\xa0₫" in mail["body"] and f"{PUBLIC}/buyer/approvals" in mail["body"]
    assert "requester" in mail["body"]  # the requester's name ("requester <n>") says who asks


def _by_key(db, prefix: str) -> dict[str, dict]:
    db.session.expire_all()
    rows = db.session.execute(select(OutboxCommand).where(OutboxCommand.kind == "email.send",
                                                          OutboxCommand.key.like(f"email:{prefix}%"))).scalars()
    return {c.key: c.payload for c in rows}


def test_cancellation_and_refund_tell_the_other_side_why(api, world, db):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    api.post(f"/deals/{deal['id']}/cancel", world.buyer, {"reason": "đổi nhà cung cấp"})
    told = mails(db, f"deal-{deal['id']}-cancelled-{world.vendors[0].org_id}")[world.vendors[0].email]
    assert told["subject"] == f"Giao dịch #{deal['id']} đã bị hủy"
    assert "Nhà máy May Việt Tiến (bên mua) đã hủy" in told["body"] and "Lý do: đổi nhà cung cấp" in told["body"]
    assert not mails(db, f"deal-{deal['id']}-cancelled-{world.buyer.org_id}")  # the side that cancelled is not told
    # a vendor's cancellation is told to the buyer, an empty reason said so in the reader's language
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    other = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    api.post(f"/deals/{other['id']}/cancel", world.vendors[0])
    note = next(x for x in api.get("/notifications", world.buyer)["items"] if x["kind"] == "deal_cancelled")
    assert note["text"] == f"Cơ khí Sài Gòn (nhà cung cấp) đã hủy giao dịch #{other['id']}. Lý do: (không nêu lý do)"

    funded = api.funded_deal(world)
    api.post(f"/admin/deals/{funded['id']}/refund", world.admin, {"reason": "vendor cannot deliver"})
    buyer_mail = mails(db, f"deal-{funded['id']}-refunded")[world.buyer.email]
    assert buyer_mail["subject"] == f"Giao dịch #{funded['id']} đã được hoàn tiền (18.000.000\xa0₫)"
    assert "Lý do: vendor cannot deliver" in buyer_mail["body"]
    vendor_mail = mails(db, f"deal-{funded['id']}-refunded-vendor")[world.vendors[0].email]
    assert "không giao hàng" in vendor_mail["body"] and f"{PUBLIC}/deals/{funded['id']}" in vendor_mail["body"]
    assert_ledger_sound(db)


def test_platform_admins_are_told_of_verification_requests_and_sensitive_changes(api, world, db):
    admin = world.admin  # the platform admin reads English (factories)
    feed = api.get("/notifications?limit=100", admin)["items"]
    requested = [x for x in feed if x["kind"] == "vendor_verification_requested"]
    assert {x["data"]["vendor_id"] for x in requested} == {v.org_id for v in world.vendors}
    vendor = world.vendors[0]
    mail = next(iter(_by_key(db, f"vendor-{vendor.org_id}-submitted-").values()))
    assert mail["to"] == admin.email and mail["subject"] == "Vendor awaiting verification: Cơ khí Sài Gòn"
    assert f"{PUBLIC}/admin/verifications" in mail["body"] and "What to do" in mail["body"]
    # a verified vendor's new payout account: the admins are asked to re-verify, payouts on hold
    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"payout_account": {
        "method": "bank_transfer", "bank_name": "ACB", "account_number": "99887766",
        "account_holder": "Co khi Sai Gon"}},
        expect=200)
    change = next(x for x in api.get("/notifications", admin)["items"] if x["kind"] == "vendor_change_review")
    assert change["text"] == "Cơ khí Sài Gòn changed its payout account: it needs re-verification and its payouts" \
                             " are on hold"
    assert "vendor_reverification" in kinds(api, vendor)  # and the vendor is told, as before


def test_an_outgoing_call_that_gave_up_is_alerted_once_but_not_a_failed_email(api, world, db):
    for kind, key in (("stripe.transfer", "t-1"), ("email.send", "email:x:1")):
        db.session.add(OutboxCommand(kind=kind, key=key, payload={}, status=OutboxStatus.FAILED, attempts=8,
                                     last_error="ConnectionError: refused"))
    db.session.commit()
    assert sweep()["alert_failed_outbox"] == 1
    assert sweep()["alert_failed_outbox"] == 0
    alerts = [x for x in api.get("/notifications", world.admin)["items"] if x["kind"] == "outbox_failed"]
    assert len(alerts) == 1 and alerts[0]["data"]["command_kind"] == "stripe.transfer"
    assert "failed after 8 attempts: ConnectionError: refused" in alerts[0]["text"]


def test_the_buyer_gets_a_quote_with_its_vendor_total_and_validity(api, world, db):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    mail = mails(db, f"quote-{quote['id']}-1")[world.buyer.email]
    assert mail["subject"] == f"Báo giá mới từ Cơ khí Sài Gòn cho yêu cầu #{rfq['id']}: 18.000.000\xa0₫"
    valid = local(quote["valid_until"], "Asia/Ho_Chi_Minh")
    assert f"Hiệu lực đến: {valid:%H:%M} ngày {valid:%d/%m/%Y}" in mail["body"]
    assert f"{PUBLIC}/buyer/rfqs/{rfq['id']}" in mail["body"]
