"""Services the vendor pages read: the onboarding checklist, the own-catalog listing (every status)."""

import pytest

from marketplace.actors import Actor, ActorRole
from marketplace.errors import InvalidInputError, NotFoundError
from marketplace.vendors import services

from ..factories import valid_tax_code


def vendor_actor(who, role="owner") -> Actor:
    return Actor(ActorRole.VENDOR, user_id=who.user_id, org_id=who.org_id, member_role=role)


def steps(who) -> dict:
    return dict(services.onboarding_checklist(who.org_id, vendor_actor(who)))


def test_the_checklist_follows_the_vendor_from_sign_up_to_verification(api):
    admin = api.platform_admin()
    vendor = api.register("vendor")
    assert list(steps(vendor)) == list(services.ONBOARDING_STEPS)
    assert not any(steps(vendor).values())
    assert services.can_submit_verification(services.get_vendor(vendor.org_id))

    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={
        "legal_name": "Công ty TNHH Thử", "tax_code": valid_tax_code(vendor.org_id), "regions": ["VN-SG"]}, expect=200)
    done = steps(vendor)
    assert done["profile"] and done["regions"] and not done["capacity"] and not done["documents"]

    api.call("PATCH", f"/vendors/{vendor.org_id}", vendor, json={"monthly_capacity": 0}, expect=200)
    api.upload_document(vendor)
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    done = steps(vendor)
    assert done["capacity"] and done["documents"] and done["submitted"] and not done["verified"]
    assert not services.can_submit_verification(services.get_vendor(vendor.org_id))

    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "reject", "reason": "blurry"})
    assert not steps(vendor)["submitted"]
    assert services.can_submit_verification(services.get_vendor(vendor.org_id))
    api.post(f"/vendors/{vendor.org_id}/verification", vendor)
    api.post(f"/admin/vendors/{vendor.org_id}/verification", admin, {"decision": "verify"})
    assert all(steps(vendor).values())


def test_the_checklist_of_another_vendor_is_not_found(api):
    one, other = api.register("vendor"), api.register("vendor")
    with pytest.raises(NotFoundError):
        services.onboarding_checklist(other.org_id, vendor_actor(one))


def test_own_products_lists_every_status_of_the_vendor_only_newest_first(api, world):
    vendor, other = world.vendors
    api.product(vendor, "DRAFT-1", "Bản nháp", status="draft")
    archived = api.product(vendor, "OLD-1", "Cũ")
    api.call("PATCH", f"/products/{archived['id']}", vendor, json={"status": "archived"}, expect=200)
    actor = vendor_actor(vendor)
    page = services.own_products(actor, {"limit": 50})
    skus = [p.sku for p in page["items"]]
    assert skus == ["OLD-1", "DRAFT-1", "BEAR-6205"]
    assert [p.sku for p in services.own_products(actor, {"limit": 50, "status": "archived"})["items"]] == ["OLD-1"]
    first = services.own_products(actor, {"limit": 2})
    rest = services.own_products(actor, {"limit": 2, "cursor": first["next_cursor"]})
    assert [p.sku for p in first["items"] + rest["items"]] == skus
    assert services.own_product(actor, archived["id"]).sku == "OLD-1"
    theirs = api.get("/products?q=REBAR")["items"][0]
    with pytest.raises(NotFoundError):
        services.own_product(actor, theirs["id"])


def test_update_price_list_replaces_items_and_keeps_the_buyer(api, world):
    vendor = world.vendors[1]
    products = {p["sku"]: p["id"] for p in api.get(f"/products?vendor_id={vendor.org_id}")["items"]}
    created = api.post("/price-lists", vendor, {"buyer_org_id": world.buyer.org_id, "name": "2027", "items": [
        {"product_id": products["BEAR-6206"], "min_qty": 50, "unit_price": "19500"}]}, expect=201)
    actor = vendor_actor(vendor)
    body = {"buyer_org_id": world.buyer.org_id, "name": "2027 bis", "currency": "VND", "items": [
        {"product_id": products["BEAR-6206"], "min_qty": 50, "unit_price": "19000"},
        {"product_id": products["REBAR-D16"], "min_qty": 10, "unit_price": "14000000"}]}
    updated = services.update_price_list(actor, created["id"], body)
    assert updated.name == "2027 bis"
    assert sorted((i.min_qty, i.unit_price) for i in updated.items) == [(10, 14000000), (50, 19000)]
    with pytest.raises(InvalidInputError):
        services.update_price_list(actor, created["id"], {**body, "buyer_org_id": world.other_buyer.org_id})
    with pytest.raises(InvalidInputError):
        services.update_price_list(actor, created["id"], {**body, "items": [
            {"product_id": api.get("/products?q=6205")["items"][0]["id"], "min_qty": 1, "unit_price": "1"}]})
    with pytest.raises(NotFoundError):
        services.update_price_list(vendor_actor(world.vendors[0]), created["id"], body)
