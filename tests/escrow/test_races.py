"""Races on real PostgreSQL: many sessions settling the same deal at once move money exactly once."""

from __future__ import annotations

import threading

from marketplace.escrow import ledger
from marketplace.escrow.models import LedgerTransfer


def _race(app, n: int, fn, *args) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def run():
        with app.app_context():
            barrier.wait()
            try:
                out = fn(*args)
            except Exception as exc:  # a loser may be refused; it must never move money
                out = exc
            with lock:
                results.append(out)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _accepted_deal(api, world):
    deal = api.funded_deal(world, terms=[{"name": "deposit", "percent": 30, "due": "on_award"},
                                         {"name": "balance", "percent": 70, "due": "before_shipment"}])
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    api.post(f"/deals/{deal['id']}/accept", world.buyer)
    return deal


def test_eight_concurrent_release_jobs_release_once(app, api, world, db):
    from marketplace.deals.jobs import release_deal

    deal = _accepted_deal(api, world)
    results = _race(app, 8, release_deal, deal["id"])
    assert results.count(True) == 1 and results.count(False) == 7
    db.session.expire_all()
    transfers = [t.id for t in ledger.deal_ledger(deal["id"])]
    assert sorted(t for t in transfers if t.endswith(".release")) == sorted(
        f"m{m['id']}.release" for m in deal["milestones"])
    s = ledger.deal_summary(deal["id"], "VND")
    assert s["released"] + s["commission"] == int(deal["total"]) and s["held"] == 0


def test_concurrent_dispute_settlements_move_money_once(app, api, world, db, run_jobs):
    from marketplace.deals.jobs import settle_dispute

    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "half of it is broken"}, expect=201)
    total = int(deal["total"])
    api.post(f"/admin/disputes/{dispute['id']}/decision", world.admin,
             {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": str(total // 2)})
    results = _race(app, 6, settle_dispute, dispute["id"])
    assert results.count(True) == 1
    run_jobs()  # the queued settlement job, too, finds nothing left to do
    db.session.expire_all()
    refunds = db.session.query(LedgerTransfer).filter(LedgerTransfer.deal_id == deal["id"],
                                                      LedgerTransfer.code == "refund").all()
    assert len(refunds) == 1 and refunds[0].amount == total - total // 2
    s = ledger.deal_summary(deal["id"], "VND")
    assert s == {"funded": total, "released": total // 2 - s["commission"], "commission": s["commission"],
                 "refunded": total - total // 2, "held": 0}
