"""E-mail preferences per member: a topic turned off stops its e-mails but never its feed items; what asks
for an action is e-mailed anyway; the API reads and writes the caller's own choice."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.jobs import OutboxCommand


def _mailed(db, key: str) -> set[str]:
    db.session.expire_all()
    return {c.payload["to"] for c in db.session.execute(
        select(OutboxCommand).where(OutboxCommand.kind == "email.send", OutboxCommand.key.like(f"email:{key}:%"))
    ).scalars()}


def test_preferences_default_on_and_are_saved_per_member(api, world):
    finance = world.buyer_members["finance"]
    prefs = api.get("/account/notification-preferences", finance)
    assert prefs["email"] == {"deals": True, "rfqs": True, "disputes": True, "account": True}
    assert {"deal_payable", "rfq_approval_requested", "delivery_reported"} <= set(prefs["always_emailed"])
    saved = api.call("PUT", "/account/notification-preferences", finance,
                     json={"email": {"deals": False, "rfqs": False}}, expect=200).get_json()
    assert saved["email"] == {"deals": False, "rfqs": False, "disputes": True, "account": True}
    # topics left out keep their choice; another member of the same organisation is untouched
    again = api.call("PUT", "/account/notification-preferences", finance, json={"email": {"rfqs": True}},
                     expect=200).get_json()
    assert again["email"] == {"deals": False, "rfqs": True, "disputes": True, "account": True}
    assert api.get("/account/notification-preferences", world.buyer)["email"]["deals"] is True


def test_bad_preferences_are_refused_with_the_field_named(api, world):
    who = world.buyer
    body = api.call("PUT", "/account/notification-preferences", who, json={"email": {"spam": False}},
                    expect=422).get_json()
    assert "spam" in body["error"]["fields"]["email"]
    api.call("PUT", "/account/notification-preferences", who, json={}, expect=422)
    api.call("PUT", "/account/notification-preferences", who, json={"email": {"deals": "maybe"}}, expect=422)
    api.call("GET", "/account/notification-preferences", expect=401)


def test_a_topic_turned_off_stops_its_emails_but_not_the_feed_nor_what_asks_to_act(api, world, db):
    finance = world.buyer_members["finance"]
    api.call("PUT", "/account/notification-preferences", finance, json={"email": {"deals": False}}, expect=200)
    deal = api.funded_deal(world)
    n = deal["id"]
    # payment received: informational, so finance gets no e-mail; the owner still does
    assert finance.email not in _mailed(db, f"deal-{n}-payment-received")
    assert world.buyer.email in _mailed(db, f"deal-{n}-payment-received")
    # the organisation's feed (which finance reads) has it all the same
    assert "payment_received" in [x["kind"] for x in api.get("/notifications", finance)["items"]]
    # "pay this deal" asks for an action: e-mailed whatever the preference says
    assert finance.email in _mailed(db, f"deal-{n}-payable")
