"""The deal's timeline speaks the API's money: decimal strings with their currency, never minor units."""


def test_money_in_the_deal_timeline_is_decimal_strings(api, world):
    deal = api.funded_deal(world)
    events = api.get(f"/deals/{deal['id']}/events", world.buyer)["items"]
    created = next(e for e in events if e["name"] == "create")
    assert created["payload"]["total"] == deal["total"] and created["payload"]["currency"] == "VND"
    funded = [e for e in events if e["name"] == "milestone_funded"]
    assert funded and all(isinstance(e["payload"]["amount"], str) and e["payload"]["currency"] == "VND"
                          for e in funded)
    assert sum(int(e["payload"]["amount"]) for e in funded) == int(deal["total"])
