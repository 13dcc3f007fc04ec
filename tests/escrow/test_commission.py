"""Commission: platform default, category rules (deepest wins), vendor override; exact rounding."""

from marketplace.escrow import ledger
from marketplace.extensions import db as _db


def _category(code, parent=None):
    from marketplace.vendors.models import Category

    cat = Category(code=code, name_en=code, level=0 if parent is None else parent.level + 1,
                   parent_id=parent.id if parent else None, source="marketplace")
    _db.session.add(cat)
    _db.session.flush()
    cat.path = f"{parent.path if parent else '/'}{cat.id}/"
    _db.session.commit()
    _db.session.refresh(cat)
    _db.session.expunge(cat)  # a plain record for the test: requests end their own sessions
    return cat


def _deal(api, world, vendor, category_id=None, currency="VND", price="17500", quantity=1000):
    rfq = api.post("/rfqs", world.buyer, {
        "title": "commission test", "currency": currency, "delivery_region": "VN-SG",
        "lines": [{"description": "bearings", "quantity": quantity, "unit": "piece",
                   **({"category_id": category_id} if category_id else {})}]}, expect=201)
    api.post(f"/rfqs/{rfq['id']}/matches", world.buyer, {"vendor_id": vendor.org_id}, expect=201)
    rfq = api.post(f"/rfqs/{rfq['id']}/publish", world.buyer)
    quote = api.quote(vendor, rfq, unit_price=price, freight="0")
    return api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]


def test_rates_resolve_vendor_then_deepest_category_then_default(api, world):
    machinery = _category("MACHINERY")
    bearings = _category("BEARINGS", machinery)
    api.call("PUT", f"/admin/commission/categories/{machinery.id}", world.admin, json={"bps": 300}, expect=200)
    assert _deal(api, world, world.vendors[0], bearings.id)["commission_bps"] == 300
    api.call("PUT", f"/admin/commission/categories/{bearings.id}", world.admin, json={"bps": 250}, expect=200)
    assert _deal(api, world, world.vendors[0], bearings.id)["commission_bps"] == 250
    api.call("PUT", f"/admin/commission/vendors/{world.vendors[0].org_id}", world.admin, json={"bps": 100}, expect=200)
    assert _deal(api, world, world.vendors[0], bearings.id)["commission_bps"] == 100
    assert _deal(api, world, world.vendors[1])["commission_bps"] == 500  # platform default
    rates = api.get("/admin/commission", world.admin)
    assert {"vendor_id": world.vendors[0].org_id, "bps": 100} in rates["vendors"]


def test_bad_rates_and_unknown_categories_are_refused(api, world):
    api.call("PUT", "/admin/commission/categories/999999", world.admin, json={"bps": 300}, expect=404)
    api.call("PUT", f"/admin/commission/vendors/{world.vendors[0].org_id}", world.admin, json={"bps": 10001},
             expect=422)
    api.call("PUT", f"/admin/commission/vendors/{world.vendors[0].org_id}", world.buyer, json={"bps": 1}, expect=403)
    api.post("/rfqs", world.buyer, {"title": "x" * 5, "lines": [{"description": "a", "quantity": 1, "unit": "kg",
                                                                  "category_id": 999999}]}, expect=422)


def test_commission_in_usd_rounds_half_up_per_milestone(api, world, run_jobs, db):
    api.call("PUT", f"/admin/commission/vendors/{world.vendors[0].org_id}", world.admin, json={"bps": 250}, expect=200)
    deal = _deal(api, world, world.vendors[0], currency="USD", price="0.01", quantity=50)  # 0.50 USD
    assert deal["total"] == "0.50"
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    for m in pay["milestones"]:
        api.post("/admin/bank-transfers", world.admin, {"reference": m["instructions"]["reference"],
                                                        "amount": m["instructions"]["amount"], "currency": "USD"})
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    s = ledger.deal_summary(deal["id"], "USD")
    # 50 cents x 2.5 % = 1.25 cents -> 1 cent (half up of 1.25); the vendor keeps 49 cents
    assert s == {"funded": 50, "released": 49, "commission": 1, "refunded": 0, "held": 0}
