"""An organisation's tax code (MST): set by its owners and admins, shown back, refused when malformed."""


def test_an_owner_sets_the_organisations_tax_code(api, world):
    buyer = world.buyer
    body = api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"tax_code": "0301234567"},
                    expect=200).get_json()
    assert body["tax_code"] == "0301234567"
    bad = api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"tax_code": "x"}, expect=422).get_json()
    assert list(bad["error"]["fields"]) == ["tax_code"]
    assert api.get("/me", buyer)["organization"]["tax_code"] == "0301234567"
    cleared = api.call("PATCH", f"/organizations/{buyer.org_id}", buyer, json={"tax_code": None}, expect=200)
    assert cleared.get_json()["tax_code"] is None
