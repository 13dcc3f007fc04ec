"""Idempotency-Key on POSTs that move money or change a deal's state."""

from marketplace.escrow import ledger


def _confirm_body(deal):
    m = deal["milestones"][0]
    return {"reference": m["payment_reference"], "amount": m["amount"], "currency": "VND"}


def test_same_key_same_body_returns_the_stored_response_once(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    headers = {"Idempotency-Key": "award-1"}
    first = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [quote["id"]]},
                     headers=headers, expect=201)
    second = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [quote["id"]]},
                      headers=headers, expect=201)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json() == second.get_json()
    assert len(api.get("/deals", world.buyer)["items"]) == 1


def test_same_key_other_body_is_refused(api, world):
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    headers = {"Idempotency-Key": "k-2"}
    api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [quote["id"]]}, headers=headers,
             expect=201)
    resp = api.call("POST", f"/rfqs/{rfq['id']}/award", world.buyer, json={"quote_ids": [quote["id"], 999]},
                    headers=headers, expect=422)
    assert resp.get_json()["error"]["code"] == "idempotency_key_reused"


def test_money_post_replayed_moves_money_once(api, world):
    deal = api.funded_deal(world)
    held = ledger.total_held()["VND"]
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201, headers={"Idempotency-Key": "s"})
    again = api.call("POST", f"/deals/{deal['id']}/shipments", world.vendors[0], json={},
                     headers={"Idempotency-Key": "s"}, expect=201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get(f"/deals/{deal['id']}/shipments", world.buyer)["items"]) == 1
    assert ledger.total_held()["VND"] == held


def test_keys_are_scoped_per_user_and_errors_are_replayed_too(api, world):
    headers = {"Idempotency-Key": "shared"}
    a = api.call("POST", "/deals/999/accept", world.buyer, json={}, headers=headers, expect=404)
    b = api.call("POST", "/deals/999/accept", world.buyer, json={}, headers=headers, expect=404)
    assert b.headers.get("Idempotent-Replayed") == "true" and a.get_json() == b.get_json()
    other = api.call("POST", "/deals/999/accept", world.other_buyer, json={}, headers=headers, expect=404)
    assert "Idempotent-Replayed" not in other.headers


def test_bad_key_is_a_422(api, world):
    resp = api.call("POST", "/deals/1/accept", world.buyer, json={}, headers={"Idempotency-Key": "x" * 300},
                    expect=422)
    assert resp.get_json()["error"]["fields"]
