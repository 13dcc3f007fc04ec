"""What issue 11 asks each carrier to show, the same scenario for GHN, GHTK and Viettel Post over HTTP against their
emulators on real PostgreSQL, Redis and an RQ worker: a two-line deal shipped in two partial shipments, each tracked
by the carrier's own webhooks (GHN JSON, GHTK form-encoded, VTP JSON with its token) sent twice and out of order;
the deal is delivered and its inspection window starts once, when the second shipment arrives; no money moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.database import utcnow
from tests.factories import assert_ledger_sound
from tests.shipping import test_ghn, test_ghtk, test_vtp
from tests.shipping.test_ghn import _ghn_peer, ghn  # noqa: F401  (fixtures)
from tests.shipping.test_ghtk import _ghtk_peer, ghtk  # noqa: F401  (fixtures)
from tests.shipping.test_partial_shipments import TWO_LINES
from tests.shipping.test_vtp import _vtp_peer, vtp  # noqa: F401  (fixtures)

#: carrier -> (its statuses for picked up, out for delivery, delivered; how to post one webhook)
CARRIERS = {
    "ghn": (("picked", "delivering", "delivered"), lambda api, raw: test_ghn._deliver(api, raw)),
    "ghtk": ((3, 4, 5), lambda api, raw: test_ghtk._deliver(api, raw)),
    "vtp": ((105, 508, 501), lambda api, raw: test_vtp._deliver(api, raw)),
}


def _count(db, sql: str, **params) -> int:
    return db.session.execute(sa.text(sql), params).scalar_one()


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_two_partial_shipments_tracked_by_repeated_out_of_order_webhooks_deliver_the_deal_once(
        carrier, request, api, world, run_jobs, db):
    peer = request.getfixturevalue(carrier)
    (picked, delivering, delivered), post = CARRIERS[carrier]
    deal = api.funded_deal(world, lines=TWO_LINES)
    a, b = (line["id"] for line in deal["lines"])
    transfers = _count(db, "SELECT count(*) FROM ledger_transfers")
    vendor = world.vendors[0]
    first = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": carrier, "weight_grams": 30_000, "lines": [
        {"deal_line_id": a, "quantity": 600}, {"deal_line_id": b, "quantity": 150}]}, expect=201)
    second = api.post(f"/deals/{deal['id']}/shipments", vendor, {"carrier": carrier, "weight_grams": 20_000},
                      expect=201)
    assert [(x["deal_line_id"], x["quantity"]) for x in second["lines"]] == [(b, 250)]
    assert len(peer.state.orders) == 2  # one carrier order per shipment
    now = utcnow()
    hooks = {(code, status): peer.webhook(code, status, now - timedelta(hours=hours))
             for code in (first["tracking_number"], second["tracking_number"])
             for status, hours in ((picked, 6), (delivering, 2), (delivered, 1))}
    one, two = first["tracking_number"], second["tracking_number"]
    # the first arrives: delivered before picked up, each sent twice
    for key in ((one, delivered), (one, picked), (one, delivered), (one, delivering), (one, picked)):
        assert post(api, hooks[key]).status_code == 200
    run_jobs()
    assert api.get(f"/shipments/{first['id']}", world.buyer)["status"] == "delivered"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "shipped"
    inspections = "SELECT count(*) FROM deadlines WHERE subject_type = 'deal' AND subject_id = :id AND kind = " \
                  "'inspection'"
    assert _count(db, inspections, id=deal["id"]) == 0
    # the second arrives out of order, twice, with a resend of the first's delivered among them
    for key in ((two, delivering), (two, delivered), (one, delivered), (two, picked), (two, delivered)):
        assert post(api, hooks[key]).status_code == 200
    run_jobs()
    assert api.get(f"/shipments/{second['id']}", world.buyer)["status"] == "delivered"
    plan = api.get(f"/deals/{deal['id']}/shipping-plan", world.buyer)
    assert plan["complete"] and [(x["delivered"], x["remaining"]) for x in plan["lines"]] == [(600, 0), (400, 0)]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "delivered"
    assert _count(db, inspections, id=deal["id"]) == 1
    events = [e["name"] for e in api.get(f"/deals/{deal['id']}/events?limit=100", world.buyer)["items"]]
    assert events.count("confirm_delivery") == 1
    # six distinct reports stored per carrier, the resends dropped
    assert _count(db, "SELECT count(*) FROM carrier_webhook_events WHERE carrier = :c", c=carrier) == 6
    assert _count(db, "SELECT count(*) FROM ledger_transfers") == transfers
    assert_ledger_sound(db)
