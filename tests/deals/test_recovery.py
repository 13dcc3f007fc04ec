"""Redis is a transport: when it loses queued jobs, the sweeper re-drives from PostgreSQL's state."""

from datetime import timedelta

from marketplace.database import utcnow
from marketplace.escrow import ledger
from marketplace.jobs import redis_connection, sweep


def test_release_lost_with_redis_is_redriven_by_the_sweeper(api, world, run_jobs):
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    redis_connection().flushdb()  # the release job (and everything else queued) is gone
    assert run_jobs() == 0
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "accepted"
    assert sweep()["redrive_settlements"] == 0  # too fresh to call lost
    assert sweep(utcnow() + timedelta(minutes=5))["redrive_settlements"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
    s = ledger.deal_summary(deal["id"], "VND")
    assert s["released"] + s["commission"] == int(deal["total"]) and s["held"] == 0


def test_dispute_settlement_lost_with_redis_is_redriven(api, world, run_jobs):
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "not_received", "description": "never arrived"}, expect=201)
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    redis_connection().flushdb()
    sweep(utcnow() + timedelta(minutes=5))
    run_jobs()
    assert api.get(f"/disputes/{dispute['id']}", world.buyer)["status"] == "resolved"
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == int(deal["total"])


def test_release_redrive_waits_for_the_configured_delay(api, world, run_jobs, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDRIVE_AFTER_SECONDS", 600)
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    redis_connection().flushdb()
    assert sweep(utcnow() + timedelta(minutes=5))["redrive_settlements"] == 0  # within REDRIVE_AFTER_SECONDS
    assert sweep(utcnow() + timedelta(minutes=11))["redrive_settlements"] == 1
    run_jobs()
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "released"
