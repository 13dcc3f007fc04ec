"""A vendor's default payment terms for catalog orders: set by its sellers, checked like a quote's, read by buyers,
and paid by the deal a confirmed order becomes (earlier deals keep theirs)."""

import pytest

TERMS = [{"name": "deposit", "percent": 30, "due": "before_shipment"},
         {"name": "balance", "percent": 70, "due": "net_days", "net_days": 30}]


def test_the_vendors_order_terms_are_checked_and_read_by_buyers(api, world):
    vendor = world.vendors[0]
    default = api.get(f"/vendors/{vendor.org_id}/order-terms", world.buyer)
    assert default["default"] is True and [t["percent"] for t in default["payment_terms"]] == [100]
    for bad in ([{"name": "a", "percent": 60, "due": "before_shipment"}],  # not 100
                [{"name": "a", "percent": 100, "due": "net_days", "net_days": 30}],  # nothing before shipment
                [{"name": "a", "percent": 100, "due": "net_days"}],  # days missing
                []):
        body = api.call("PUT", f"/vendors/{vendor.org_id}/order-terms", vendor, json={"payment_terms": bad},
                        expect=422).get_json()
        assert "payment_terms" in body["error"]["fields"]
    assert api.get(f"/vendors/{vendor.org_id}/order-terms", world.buyer)["default"] is True  # nothing changed
    api.call("PUT", f"/vendors/{vendor.org_id}/order-terms", world.buyer, json={"payment_terms": TERMS}, expect=403)
    api.call("PUT", f"/vendors/{world.vendors[1].org_id}/order-terms", vendor, json={"payment_terms": TERMS},
             expect=404)
    saved = api.call("PUT", f"/vendors/{vendor.org_id}/order-terms", vendor, json={"payment_terms": TERMS},
                     expect=200).get_json()
    assert saved["default"] is False and [(t["percent"], t["due"], t.get("net_days")) for t in
                                          saved["payment_terms"]] == [(30, "before_shipment", None),
                                                                      (70, "net_days", 30)]
    assert api.get(f"/vendors/{vendor.org_id}/order-terms", world.buyer)["payment_terms"] == saved["payment_terms"]


@pytest.mark.parametrize("custom", [False, True])
def test_a_confirmed_order_is_paid_by_the_vendors_terms(api, world, custom):
    vendor = world.vendors[0]
    if custom:
        api.call("PUT", f"/vendors/{vendor.org_id}/order-terms", vendor, json={"payment_terms": TERMS}, expect=200)
    product = api.get(f"/products?q=6205", world.buyer)["items"][0]
    api.post("/cart/items", world.buyer, {"product_id": product["id"], "quantity": product["moq"]})
    order = api.post("/orders", world.buyer, {"delivery_region": "VN-SG"}, expect=201)["orders"][0]
    deal_id = api.post(f"/orders/{order['id']}/confirm", vendor)["deal_id"]
    deal = api.get(f"/deals/{deal_id}", world.buyer)
    shares = [(m["percent"], m["due"]) for m in deal["milestones"]]
    assert shares == ([(30, "before_shipment"), (70, "net_days")] if custom else [(100, "before_shipment")])
    assert sum(int(m["amount"]) for m in deal["milestones"]) == int(deal["total"])
