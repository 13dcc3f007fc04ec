"""The batched reads that replaced per-row ones on list pages answer exactly what the per-row ones answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.actors import Actor, ActorRole
from marketplace.deals.services import dispute_case
from marketplace.errors import ConflictError, NotFoundError
from marketplace.rfq import services as rfq
from marketplace.vendors import services as vendors
from marketplace.vendors.models import Product


def _iso(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _actor(who, role: ActorRole) -> Actor:
    return Actor(role, user_id=who.user_id, org_id=who.org_id, member_role="owner")


def test_prices_for_many_products_equal_price_for_each(api, world, db):
    (v1, v2), buyer = world.vendors, world.buyer
    a = api.product(v1, "A-1", "Ổ bi A", "20000", moq=10)
    b = api.product(v1, "B-1", "Ổ bi B", "30000", moq=1)
    c = api.product(v2, "C-1", "Ổ bi C", "40000", moq=5)
    usd = api.product(v2, "D-1", "Ổ bi D", "5", moq=1, currency="USD")
    api.post("/price-lists", v1, {"buyer_org_id": buyer.org_id, "name": "old", "valid_from": _iso(-10), "items": [
        {"product_id": a["id"], "min_qty": 10, "unit_price": "19000"},
        {"product_id": b["id"], "min_qty": 1, "unit_price": "29000"}]}, expect=201)
    api.post("/price-lists", v1, {"buyer_org_id": buyer.org_id, "name": "new", "valid_from": _iso(-1),
                                  "valid_until": _iso(30), "items": [
                                      {"product_id": a["id"], "min_qty": 10, "unit_price": "18500"},
                                      {"product_id": a["id"], "min_qty": 100, "unit_price": "17000"}]}, expect=201)
    api.post("/price-lists", v1, {"buyer_org_id": buyer.org_id, "name": "future", "valid_from": _iso(5), "items": [
        {"product_id": b["id"], "min_qty": 1, "unit_price": "1000"}]}, expect=201)
    api.post("/price-lists", v2, {"buyer_org_id": world.other_buyer.org_id, "name": "theirs", "valid_from": _iso(-1),
                                  "items": [{"product_id": c["id"], "min_qty": 1, "unit_price": "1000"}]}, expect=201)
    db.session.remove()
    products = db.session.query(Product).filter(Product.id.in_([a["id"], b["id"], c["id"], usd["id"]])).all()
    for quantity in (1, 10, 99, 100, 5000):
        for org in (buyer.org_id, world.other_buyer.org_id, None):
            batched = vendors.prices_for(products, {p.id: quantity for p in products}, org)
            for product in products:
                try:
                    one = vendors.price_for(product, quantity, org)
                except ConflictError:  # the batch answers None where price_for refuses
                    one = None
                assert batched[product.id] == one, (product.sku, quantity, org)
    assert vendors.prices_for(products, {p.id: 200 for p in products}, buyer.org_id)[a["id"]]["unit_price"] == 17000


def test_documents_and_dispute_metrics_of_many_vendors_equal_each_vendors(api, world, db):
    admin = _actor(world.admin, ActorRole.ADMIN)
    v1, v2 = world.vendors
    api.upload_document(v1, kind="other", filename="second.pdf")
    deal = api.shipped_deal(world)[0]
    api.post(f"/deals/{deal['id']}/disputes", world.buyer, {"reason": "damaged", "description": "rusted"}, expect=201)
    ids = [v1.org_id, v2.org_id, world.buyer.org_id]
    documents = vendors.vendor_documents(ids[:2], admin, limit=50)
    for vendor_id in ids[:2]:
        assert documents[vendor_id] == vendors.list_vendor_documents(vendor_id, admin, {"limit": 50})["items"]
    assert len(documents[v1.org_id]) == 2
    assert vendors.vendor_documents([v1.org_id], _actor(v2, ActorRole.VENDOR)) == {v1.org_id: []}
    metrics = dispute_case.vendors_dispute_metrics(ids, window_days=90)
    for vendor_id in ids:
        assert metrics[vendor_id] == dispute_case.vendor_dispute_metrics(vendor_id, window_days=90)
    assert metrics[v1.org_id]["disputes"] == 1 and metrics[v1.org_id]["deals_shipped"] == 1


def test_rfqs_and_own_quotes_of_many_equal_each(api, world):
    v1, v2 = world.vendors
    invited = api.open_rfq(world.buyer, [v1])
    quoted = api.open_rfq(world.buyer, [v1, v2])
    api.quote(v1, quoted)
    other = api.open_rfq(world.buyer, [v2])
    vendor = _actor(v1, ActorRole.VENDOR)
    ids = [invited["id"], quoted["id"]]
    found = rfq.visible_rfqs(vendor, ids)
    assert {i: found[i] for i in ids} == {i: rfq.visible_rfq(vendor, i) for i in ids}
    with pytest.raises(NotFoundError):
        rfq.visible_rfqs(vendor, [*ids, other["id"]])
    quotes = rfq.own_quotes_on(vendor, [*ids, other["id"]])
    for rfq_id in [*ids, other["id"]]:
        assert quotes.get(rfq_id) == rfq.own_quote_on(vendor, rfq_id)
    assert set(quotes) == {quoted["id"]}
