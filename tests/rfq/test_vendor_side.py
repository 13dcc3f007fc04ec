"""The vendor's side of RFQs, as its pages read it: invitations with the rationale, the open board, its quotes,
what it may do with a quote and its next step, the buyers it may make a price list for."""

from datetime import timedelta

from marketplace.actors import Actor, ActorRole
from marketplace.database import utcnow
from marketplace.extensions import db
from marketplace.rfq import services
from marketplace.rfq.models import Rfq


def vendor_actor(who, role="owner") -> Actor:
    return Actor(ActorRole.VENDOR, user_id=who.user_id, org_id=who.org_id, member_role=role)


def test_invitations_board_and_known_buyers(api, world):
    v1, v2 = world.vendors
    invited = api.open_rfq(world.buyer, [v1])
    board = api.open_rfq(world.other_buyer, [], visibility="open")
    unverified = api.register("vendor")

    mine = services.vendor_invitations(vendor_actor(v1), {"limit": 50})["items"]
    assert [i.rfq_id for i in mine] == [invited["id"]] and mine[0].rationale == {"manual": True}
    assert services.invitation_for(vendor_actor(v1), invited["id"]).vendor_id == v1.org_id
    assert services.invitation_for(vendor_actor(v1), board["id"]) is None
    assert services.vendor_invitations(vendor_actor(v2), {"limit": 50})["items"] == []

    assert [r.id for r in services.board_page(vendor_actor(v2), {"limit": 50})["items"]] == [board["id"]]
    assert services.board_page(vendor_actor(unverified), {"limit": 50})["items"] == []

    assert [o.id for o in services.known_buyers(vendor_actor(v1))] == sorted(
        [world.buyer.org_id, world.other_buyer.org_id],
        key=lambda i: {world.buyer.org_id: "Nhà máy May Việt Tiến", world.other_buyer.org_id: "Another Buyer"}[i])
    assert [o.id for o in services.known_buyers(vendor_actor(v2))] == [world.other_buyer.org_id]
    assert services.known_buyers(vendor_actor(unverified)) == []


def test_quote_next_step_and_actions_follow_the_quote(api, world):
    v1 = world.vendors[0]
    actor = vendor_actor(v1)
    newcomer = api.register("vendor")
    rfq_id = api.open_rfq(world.buyer, [v1])["id"]
    rfq = db.session.get(Rfq, rfq_id)
    assert services.may_quote(actor, rfq) and not services.may_quote(vendor_actor(v1, "fulfilment"), rfq)
    assert not services.may_quote(vendor_actor(newcomer), rfq)  # not verified
    step = services.rfq_next_step(actor, rfq, None)
    assert step.action == "submit_quote" and step.deadline == rfq.quote_deadline and step.lapse == "rfq_closes"

    quote_id = api.quote(v1, {"id": rfq_id, "lines": [{"id": l.id, "quantity": l.quantity} for l in rfq.lines]})["id"]
    quote, rfq = services.own_quote_on(actor, rfq_id), db.session.get(Rfq, rfq_id)
    assert quote.id == quote_id and not services.may_quote(actor, rfq)
    assert [q.id for q in services.vendor_quotes(actor, {"limit": 50})["items"]] == [quote_id]
    assert services.vendor_quotes(actor, {"limit": 50, "status": "withdrawn"})["items"] == []
    assert services.quote_actions(actor, quote) == ["revise", "withdraw"]
    assert services.quote_actions(vendor_actor(world.vendors[1]), quote) == []
    step = services.rfq_next_step(actor, rfq, quote)
    assert step.action is None and step.waiting_for == "buyer" and step.lapse == "quote_expires"
    assert step.deadline == quote.valid_until

    api.post(f"/quotes/{quote_id}/request-revision", world.buyer, {"message": "Giảm 5% nhé"})
    quote, rfq = services.own_quote_on(actor, rfq_id), db.session.get(Rfq, rfq_id)
    step = services.quote_next_step(actor, quote)
    assert step.action == "revise_requested" and step.deadline == rfq.quote_deadline

    rfq.quote_deadline = utcnow() - timedelta(minutes=1)  # past the deadline: only withdrawing is left
    db.session.commit()
    quote = services.own_quote_on(actor, rfq_id)
    assert services.quote_actions(actor, quote) == ["withdraw"]

    api.post(f"/quotes/{quote_id}/withdraw", v1)
    quote = services.own_quote_on(actor, rfq_id)
    assert services.quote_actions(actor, quote) == []
    assert services.quote_next_step(actor, quote).action is None
