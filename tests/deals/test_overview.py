"""The deal pages' reads: search, the viewer's next step and actions, the timeline, the money summary."""

from __future__ import annotations

from marketplace.accounts.auth import _actor
from marketplace.accounts.services import authenticate
from marketplace.deals.services import get_deal, overview


def actor_of(who):
    return _actor(authenticate(who.token))


def test_search_by_number_goods_and_counterparty_newest_first(api, world):
    first = api.funded_deal(world)
    second = api.funded_deal(world)
    buyer = actor_of(world.buyer)
    ids = [d.id for d in overview.search_deals(buyer, {"limit": 20})["items"]]
    assert ids == [second["id"], first["id"]]
    assert [d.id for d in overview.search_deals(buyer, {"q": f"#{first['id']}"})["items"]] == [first["id"]]
    assert len(overview.search_deals(buyer, {"q": "6205-2RS"})["items"]) == 2
    assert len(overview.search_deals(buyer, {"q": "Sài Gòn"})["items"]) == 2  # the vendor's name
    assert overview.search_deals(buyer, {"q": "nothing like this"})["items"] == []
    assert overview.search_deals(buyer, {"status": "shipped"})["items"] == []
    page = overview.search_deals(buyer, {"limit": 1})
    assert page["next_cursor"] and [d.id for d in overview.search_deals(
        buyer, {"limit": 1, "cursor": page["next_cursor"]})["items"]] == [first["id"]]
    other = actor_of(world.other_buyer)
    assert overview.search_deals(other, {"q": str(first["id"])})["items"] == []


def test_next_step_and_actions_follow_the_deal_for_each_side(api, world, db):
    deal, _ = api.shipped_deal(world)
    buyer, vendor, admin = actor_of(world.buyer), actor_of(world.vendors[0]), actor_of(world.admin)
    d = get_deal(buyer, deal["id"])
    assert overview.next_step(buyer, d).action == "confirm_delivery"
    assert overview.next_step(vendor, d).waiting_for == "buyer"
    assert {"confirm_delivery", "open_dispute"} <= overview.allowed_actions(buyer, d)
    assert overview.allowed_actions(vendor, d) == {"track"}
    assert "confirm_delivery" not in overview.allowed_actions(admin, d)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    db.session.expire_all()
    d = get_deal(buyer, deal["id"])
    step = overview.next_step(buyer, d)
    assert step.action == "accept" and step.lapse == "auto_accept" and step.deadline is not None
    assert overview.next_step(vendor, d).deadline == step.deadline


def test_timeline_names_the_people_and_money_summary_after_release(api, world, run_jobs, db):
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "manual"}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    run_jobs()
    db.session.expire_all()
    buyer = actor_of(world.buyer)
    events = overview.deal_timeline(buyer, deal["id"])
    names = [e["name"] for e in events]
    assert names[0] == "create" and "fund" in names and names[-1] == "release"
    assert events[0]["user"] and events[0]["organization"] == "Nhà máy May Việt Tiến"
    money = overview.money_summary(get_deal(buyer, deal["id"]))
    assert money["held"] == 0 and money["refunded"] == 0 and money["commission"] > 0
    assert money["released"] + money["commission"] == money["total"]
    assert overview.next_step(buyer, get_deal(buyer, deal["id"])).action is None
