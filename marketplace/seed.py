"""Demo data: an admin, three verified vendors with products, two buyer organisations, an open RFQ
with quotes, and one deal in progress. Idempotent: nothing happens when the demo admin exists."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from .accounts.models import MemberRole, Organization, OrgKind, User
from .accounts.services import add_membership, create_organization, create_user
from .actors import Actor, ActorRole
from .contracts.services import accept_version, place_call_off, propose_contract
from .database import utcnow
from .deals.services import (
    confirm_bank_transfer,
    confirm_delivery,
    make_offer,
    open_dispute,
    ship_deal,
    start_payment,
)
from .escrow.gateways.bank.gateway import GATEWAY as BANK_TRANSFER
from .escrow.models import MilestoneDue
from .extensions import db
from .rfq.models import RfqVisibility
from .rfq.services import (
    award_rfq,
    create_rfq,
    invite_vendor,
    publish_rfq,
    submit_quote,
)
from .shipping.services import add_manual_event
from .vendors.models import DocumentKind, Product, ProductStatus, VerificationDecision
from .vendors.services import (
    add_vendor_document,
    create_product,
    decide_verification,
    seed_hs_categories,
    submit_verification,
    update_vendor_profile,
)
from .vendors.services.hs_classifier import train as train_hs_classifier

PASSWORD = "demo-password-1"
ADMIN_EMAIL = "admin@demo.local"
#: the demo admin's fixed TOTP secret (platform admins need a second factor; in demo mode the login page
#: shows its current code). Public on purpose: the demo's accounts are public.
ADMIN_TOTP_SECRET = "DEMOADMINTOTPSECRETJBSWY3DPEHPK3"

VENDORS = [
    ("Công ty TNHH Cơ khí Sài Gòn", "0301234562", ["VN-SG", "VN-DN"], [
        ("LASER-1530", "Fiber laser cutting machine 1530", "Máy cắt laser fiber 1530", "845611", "set", 1, "450000000"),
        ("BEAR-6205", "Ball bearing 6205-2RS", "Vòng bi 6205-2RS", "848210", "piece", 100, "18000"),
        ("BEAR-6305", "Ball bearing 6305 ZZ", "Vòng bi cầu 6305 ZZ", "848210", "piece", 100, "32000"),
        ("BEAR-6204", "Deep groove ball bearing 6204", "Bạc đạn cầu 6204", "848210", "piece", 100, "15000"),
        ("BEAR-22210", "Spherical roller bearing 22210", "Vòng bi tang trống 22210", "848230", "piece", 20, "420000"),
        ("BEAR-32208", "Tapered roller bearing 32208", "Vòng bi côn 32208", "848220", "piece", 20, "210000"),
        ("LASER-3015", "Fiber laser cutter 3015 3kW", "Máy cắt laser fiber 3015 3kW", "845611", "set", 1, "690000000"),
        ("CNC-PLASMA", "CNC plasma cutting machine 1530", "Máy cắt plasma CNC 1530", "845690", "set", 1, "185000000"),
        ("PRESS-63T", "Hydraulic press brake 63 tonnes", "Máy chấn thủy lực 63 tấn", "846229", "set", 1, "320000000"),
        # shown without an HS code, as vendors often list: the classifier suggests one
        ("BEAR-6206", "Bearing 6206-2RS rubber sealed", "Vòng bi 6206-2RS nắp cao su", None, "piece", 100, "21000"),
        ("LASER-1560", "Fiber laser cutting machine 1560 2kW", "Máy cắt laser fiber 1560 2kW", None, "set", 1,
         "520000000"),
    ]),
    ("Công ty CP Thép Hà Nội", "0107654326", ["VN-HN", "VN-HP", "VN"], [
        ("HRC-3MM", "Hot-rolled steel coil 3mm", "Thép cuộn cán nóng 3mm", "720839", "tonne", 5, "15500000"),
        ("REBAR-D16", "Deformed rebar D16", "Thép thanh vằn D16", "721420", "tonne", 10, "14200000"),
        ("HRC-2MM", "Hot-rolled steel coil SS400 2mm", "Thép cuộn cán nóng SS400 2mm", "720839", "tonne", 5, "15800000"),
        ("HRC-5MM", "Hot-rolled steel coil 5mm", "Thép cuộn cán nóng 5mm", "720837", "tonne", 5, "15300000"),
        ("REBAR-D10", "Deformed rebar D10 CB300", "Thép thanh vằn D10 CB300", "721420", "tonne", 10, "14400000"),
        ("REBAR-D20", "Deformed rebar D20 CB400", "Thép thanh vằn D20 CB400", "721420", "tonne", 10, "14100000"),
        ("GALV-04", "Galvanised steel sheet 0.4mm", "Tôn mạ kẽm 0.4mm", "721049", "tonne", 2, "19500000"),
        ("GALV-08", "Galvanised steel coil 0.8mm", "Tôn cuộn mạ kẽm 0.8mm", "721049", "tonne", 2, "19200000"),
        ("WIRE-6", "Steel wire rod 6mm", "Thép cuộn phi 6", "721391", "tonne", 5, "14900000"),
        ("COLD-1MM", "Cold-rolled steel coil 1mm", "Thép cuộn cán nguội 1mm", "720917", "tonne", 5, "17100000"),
        ("GALV-12", "Galvanised steel sheet 1.2mm zinc coated", "Tôn kẽm 1.2mm", None, "tonne", 2, "19000000"),
    ]),
    ("Đà Nẵng Packaging JSC", "0401122333", ["VN-DN", "VN-SG", "VN-HN"], [
        ("CARTON-5L", "5-ply corrugated carton box 60x40x40", "Thùng carton 5 lớp 60x40x40", "481910", "piece", 500, "12500"),
        ("PALLET-EU", "Wooden pallet 1200x800", "Pallet gỗ 1200x800", "441510", "piece", 50, "180000"),
        ("CARTON-3L", "3-ply corrugated carton box 40x30x30", "Thùng carton 3 lớp 40x30x30", "481910", "piece", 500, "6500"),
        ("CARTON-7L", "7-ply corrugated carton box 80x60x60", "Thùng carton 7 lớp 80x60x60", "481910", "piece", 200, "32000"),
        ("PALLET-US", "Wooden pallet 1200x1000", "Pallet gỗ 1200x1000", "441510", "piece", 50, "210000"),
        ("PALLET-PL", "Plastic pallet 1200x1000", "Pallet nhựa 1200x1000", "392390", "piece", 50, "450000"),
        ("STRETCH-50", "Stretch film 50cm x 300m", "Màng co PE 50cm x 300m", "392010", "piece", 100, "95000"),
        ("TAPE-48", "OPP packing tape 48mm x 100m", "Băng keo OPP 48mm x 100m", "391910", "piece", 500, "14000"),
        ("PALLET-EU2", "Wooden pallet 1200x800 heat treated", "Pallet gỗ 1200x800 hun trùng", None, "piece", 50,
         "195000"),
    ]),
]

BUYERS = [
    ("Nhà máy May Việt Tiến (demo)", [(MemberRole.OWNER, "buyer1@demo.local"), (MemberRole.REQUESTER, "req1@demo.local"),
                                       (MemberRole.APPROVER, "approver1@demo.local"),
                                       (MemberRole.FINANCE, "finance1@demo.local")]),
    ("Vinamilk Logistics (demo)", [(MemberRole.OWNER, "buyer2@demo.local"), (MemberRole.REQUESTER, "req2@demo.local")]),
]


def seed_demo() -> list[str]:
    """Create the demo data set and return the login lines to print."""
    logins = [f"password for every demo account: {PASSWORD}"]
    existing = db.session.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one_or_none()
    if existing is not None:
        if not existing.has_second_factor:
            _demo_second_factor(existing)
            db.session.commit()
        return logins + ["demo data already present", ADMIN_CODE_LINE]
    seed_hs_categories()
    platform = create_organization(OrgKind.PLATFORM, "Marketplace Operator")
    admin = create_user(ADMIN_EMAIL, "Platform Admin", PASSWORD, "en")
    add_membership(admin, platform, MemberRole.ADMIN)
    _demo_second_factor(admin)
    admin_actor = Actor(ActorRole.ADMIN, admin.id, platform.id, MemberRole.ADMIN)
    logins.append(f"admin:  {ADMIN_EMAIL} ({ADMIN_CODE_LINE})")

    vendor_actors = []
    for i, (name, tax, regions, products) in enumerate(VENDORS, start=1):
        org = create_organization(OrgKind.VENDOR, name)
        user = create_user(f"vendor{i}@demo.local", f"Vendor {i} Sales", PASSWORD)
        add_membership(user, org, MemberRole.OWNER)
        actor = Actor(ActorRole.VENDOR, user.id, org.id, MemberRole.OWNER)
        update_vendor_profile(org.id, actor, {"legal_name": name, "tax_code": tax, "regions": regions,
                                              "monthly_capacity": 100000, "certifications": ["ISO 9001"]})
        add_vendor_document(org.id, actor, DocumentKind.BUSINESS_REGISTRATION, "dang-ky-kinh-doanh.pdf",
                            io.BytesIO(b"%PDF-1.4\n% demo business registration certificate\n%%EOF\n"))
        submit_verification(org.id, actor)
        decide_verification(org.id, admin_actor, VerificationDecision.VERIFY)
        for sku, en, vi, hs, unit, moq, price in products:
            create_product(actor, {"sku": sku, "name": en, "name_vi": vi, "description": f"{en} / {vi}", "hs_code": hs,
                                   "unit": unit, "moq": moq, "currency": "VND", "status": ProductStatus.ACTIVE,
                                   "price_tiers": [{"min_qty": moq, "unit_price": str(int(price))},
                                                   {"min_qty": moq * 10, "unit_price": str(int(price) * 95 // 100)}]})
        vendor_actors.append(actor)
        logins.append(f"vendor: vendor{i}@demo.local ({name})")

    buyer_actors = []
    for name, members in BUYERS:
        org = create_organization(OrgKind.BUYER, name, approval_threshold=2_000_000_000)
        actor = None
        for role, email in members:
            user = create_user(email, email.split("@")[0].title(), PASSWORD)
            add_membership(user, org, role)
            if role == MemberRole.OWNER:
                actor = Actor(ActorRole.BUYER, user.id, org.id, MemberRole.OWNER)
                also = ", ".join(e for r, e in members if r != MemberRole.OWNER)
                logins.append(f"buyer:  {email} ({name}, owner; also {also})")
        buyer_actors.append(actor)

    db.session.flush()
    buyer = buyer_actors[0]
    # an RFQ that went all the way to a funded deal
    done = create_rfq(buyer, {
        "title": "Vòng bi 6205 cho dây chuyền may", "description": "Ball bearings 6205-2RS", "delivery_region": "VN-SG",
        "incoterm": "DAP", "visibility": RfqVisibility.INVITE_ONLY, "quote_deadline": utcnow() + timedelta(days=5),
        "lines": [{"description": "Vòng bi 6205-2RS", "quantity": 2000, "unit": "piece", "hs_code": "848210"}]})
    invite_vendor(buyer, done.id, vendor_actors[0].org_id)
    publish_rfq(buyer, done.id)
    quote = submit_quote(vendor_actors[0], done.id, {
        "lead_time_days": 10, "freight": "1500000",
        "payment_terms": [{"name": "deposit", "percent": 30, "due": MilestoneDue.ON_AWARD.value},
                          {"name": "balance", "percent": 70, "due": MilestoneDue.BEFORE_SHIPMENT.value}],
        "lines": [{"rfq_line_id": done.lines[0].id, "unit_price": "17500", "quantity": 2000}]})
    deal = award_rfq(buyer, done.id, {"quote_ids": [quote.id]}).deals[0]
    start_payment(buyer, deal.id, BANK_TRANSFER)
    for m in deal.milestones:
        confirm_bank_transfer(admin_actor, m.payment_reference, m.amount, "VND")

    # a delivered deal the buyer found 200 coils short of: a dispute with the vendor's offer waiting for the buyer
    steel = create_rfq(buyer, {
        "title": "Thép cuộn cán nóng 3mm quý I", "description": "Hot-rolled coil 3mm for the cutting line",
        "delivery_region": "VN-HN", "incoterm": "DAP", "visibility": RfqVisibility.INVITE_ONLY,
        "quote_deadline": utcnow() + timedelta(days=5),
        "lines": [{"description": "Thép cuộn cán nóng 3mm", "quantity": 20, "unit": "tonne", "hs_code": "720839"}]})
    seller = vendor_actors[1]
    invite_vendor(buyer, steel.id, seller.org_id)
    publish_rfq(buyer, steel.id)
    steel_quote = submit_quote(seller, steel.id, {
        "lead_time_days": 7, "freight": "4000000",
        "lines": [{"rfq_line_id": steel.lines[0].id, "unit_price": "15500000", "quantity": 20}]})
    disputed = award_rfq(buyer, steel.id, {"quote_ids": [steel_quote.id]}).deals[0]
    start_payment(buyer, disputed.id, BANK_TRANSFER)
    for m in disputed.milestones:
        confirm_bank_transfer(admin_actor, m.payment_reference, m.amount, "VND")
    ship_deal(seller, disputed.id, {"carrier": "manual", "tracking_number": "HN-TRUCK-0420"})
    confirm_delivery(buyer, disputed.id)
    case = open_dispute(buyer, disputed.id, {
        "reason": "quantity_short", "description": "Chỉ nhận được 18 tấn trên 20 tấn; phiếu cân đính kèm.",
        "lines": [{"deal_line_id": disputed.lines[0].id, "quantity": 2}]})
    make_offer(seller, case.id, {"buyer_amount": "31000000", "return_required": False,
                                 "note": "Xe thứ hai bị thiếu 2 tấn; chúng tôi hoàn tiền 2 tấn."})

    # a deal shipped in parts: the first truck is on its way, the rest waits on the vendor's booking page
    cement = create_rfq(buyer, {
        "title": "Xi măng PCB40 và cát cho nhà xưởng mới", "description": "Cement and sand for the new workshop",
        "delivery_region": "VN-SG", "incoterm": "DAP", "visibility": RfqVisibility.INVITE_ONLY,
        "quote_deadline": utcnow() + timedelta(days=5),
        "lines": [{"description": "Xi măng PCB40 bao 50 kg", "quantity": 800, "unit": "bag", "hs_code": "252329"},
                  {"description": "Cát vàng xây dựng", "quantity": 30, "unit": "m3", "hs_code": "250590"}]})
    builder = vendor_actors[0]
    invite_vendor(buyer, cement.id, builder.org_id)
    publish_rfq(buyer, cement.id)
    cement_quote = submit_quote(builder, cement.id, {
        "lead_time_days": 5, "freight": "2500000",
        "lines": [{"rfq_line_id": cement.lines[0].id, "unit_price": "92000", "quantity": 800},
                  {"rfq_line_id": cement.lines[1].id, "unit_price": "450000", "quantity": 30}]})
    parted = award_rfq(buyer, cement.id, {"quote_ids": [cement_quote.id]}).deals[0]
    start_payment(buyer, parted.id, BANK_TRANSFER)
    for m in parted.milestones:
        confirm_bank_transfer(admin_actor, m.payment_reference, m.amount, "VND")
    first_truck = ship_deal(builder, parted.id, {
        "carrier": "manual", "note": "Xe 51C-123.45, tài xế Minh",
        "lines": [{"deal_line_id": parted.lines[0].id, "quantity": 400}]}).shipment
    add_manual_event(builder, first_truck.id, {"status": "picked_up", "location": "Kho Dĩ An, Bình Dương"})
    add_manual_event(builder, first_truck.id, {"status": "in_transit", "location": "Xa lộ Hà Nội, Thủ Đức",
                                               "description": "Đang trên đường tới nhà xưởng"})

    # an open RFQ with competing quotes
    open_rfq = create_rfq(buyer_actors[1], {
        "title": "Thùng carton 5 lớp và pallet gỗ", "description": "Cartons and pallets for the Bình Dương warehouse",
        "delivery_region": "VN-SG", "incoterm": "DAP", "visibility": RfqVisibility.OPEN,
        "quote_deadline": utcnow() + timedelta(days=7),
        "lines": [{"description": "Thùng carton 5 lớp 60x40x40", "quantity": 20000, "unit": "piece"},
                  {"description": "Pallet gỗ 1200x800", "quantity": 500, "unit": "piece"}]})
    publish_rfq(buyer_actors[1], open_rfq.id)
    for vendor, prices in ((vendor_actors[2], ("12000", "175000")), (vendor_actors[0], ("12900", "169000"))):
        submit_quote(vendor, open_rfq.id, {
            "lead_time_days": 14, "freight": "3000000",
            "lines": [{"rfq_line_id": open_rfq.lines[0].id, "unit_price": prices[0], "quantity": 20000},
                      {"rfq_line_id": open_rfq.lines[1].id, "unit_price": prices[1], "quantity": 500}]})
    # a signed one-year framework contract for cartons and pallets, with one call-off under way
    contract = _demo_contract(buyer, vendor_actors[2])
    model = train_hs_classifier()  # what the sweeper's first run does: codes suggested for the uncoded listings
    db.session.commit()
    if model is not None:
        logins.append(f"HS codes are suggested for the listings without one (learnt from {model.products} coded)")
    logins.append(f"contract #{contract.id} (buyer1 with vendor3) is active with one call-off")
    logins.append(f"deal #{deal.id} is funded and waiting for vendor1 to ship; RFQ #{open_rfq.id} is open with two quotes")
    logins.append(f"deal #{parted.id} is shipped in part: 400 of 800 bags on the way, the rest for vendor1 to ship")
    logins.append(f"deal #{disputed.id} is disputed (2 tonnes short): vendor2's offer waits for buyer1 on dispute #{case.id}")
    return logins


ADMIN_CODE_LINE = "second-factor code: shown on the login page in demo mode"


def _demo_contract(buyer: Actor, vendor: Actor):
    """A framework contract the buyer proposed and the vendor signed, with one call-off (a deal to pay)."""
    products = {p.sku: p for p in db.session.execute(select(Product).where(Product.vendor_id == vendor.org_id)).scalars()}
    contract = propose_contract(buyer, {
        "vendor_id": vendor.org_id, "title": "Thùng carton và pallet 2027", "ends_on": (utcnow() + timedelta(days=365)).date(),
        "max_value": "500000000", "committed_value": "300000000", "incoterm": "DAP", "lead_time_days": 7,
        "delivery_region": "VN-SG",
        "items": [{"product_id": products["CARTON-5L"].id, "unit_price": "12000", "committed_qty": 20000,
                   "tiers": [{"min_qty": 5000, "unit_price": "11500"}]},
                  {"product_id": products["PALLET-EU"].id, "unit_price": "170000", "committed_qty": 500}]})
    accept_version(vendor, contract.id, 1)
    place_call_off(buyer, contract.id, {"lines": [{"item_no": 1, "quantity": 6000}, {"item_no": 2, "quantity": 100}]})
    return contract


def _demo_second_factor(admin: User) -> None:
    """Turn on the demo admin's second factor with the fixed secret (no recovery codes)."""
    admin.totp_secret = ADMIN_TOTP_SECRET
    admin.totp_enabled_at = utcnow()
    db.session.flush()


def platform_org() -> Organization | None:
    """The platform operator's organisation, if the demo (or anyone) created one."""
    return db.session.execute(select(Organization).where(Organization.kind == OrgKind.PLATFORM)).scalars().first()
