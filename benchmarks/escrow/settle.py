"""Benchmark: settle N funded milestones with two RQ workers, next to RQ's own no-op throughput.

Usage: python -m benchmarks.escrow.settle [--deals 10000] [--workers 2] [--single]

Creates a scratch database on the configured server (DATABASE_URL, or the embedded PostgreSQL),
migrates it, books N funded and accepted single-milestone deals (what ``fund_milestone`` books, set-based),
then measures, in the same run and on the same Redis:
  1. RQ's own throughput: N no-op jobs drained by the same number of worker processes;
  2. settlement throughput: the N deals released by the jobs production queues for deals the sweep accepts
     together (``enqueue_releases``: ``release_deals`` jobs of up to 50 deals), drained likewise; ``--single``
     queues one ``release_deal`` job per deal instead, as for deals accepted one by one.
The figure is the ratio settlements/s ÷ no-op jobs/s, each rate over the span from the first job's start to the
last one's end (RQ's timestamps: the workers' start-up is left out; the wall time with it is printed too). At the end the ledger is checked and the run fails
(exit status 1, ``ledger check: FAILED``) unless every deal was released, debits = credits, no pending
transfer is left, account totals equal the transfers, and sampled deals conserve money
(funded = released + commission + refunded + held).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa


def noop() -> None:
    """The baseline job: does nothing."""


def _book_deals(n: int, bulk: bool = True) -> None:
    """N accepted deals of one funded milestone each, booked through the real escrow services."""
    from marketplace.accounts.models import Organization, User
    from marketplace.deals.models import Deal
    from marketplace.escrow.models import Milestone
    from marketplace.escrow.services import fund_milestone
    from marketplace.extensions import db
    from marketplace.rfq.models import Quote, Rfq
    from marketplace.vendors.models import VendorProfile

    buyer = Organization(kind="buyer", name="Bench buyer")
    user = User(email=f"bench-{uuid.uuid4().hex[:6]}@bench.test", name="bench", password_hash="x")
    vendors = [Organization(kind="vendor", name=f"Bench vendor {i}") for i in range(50)]
    db.session.add_all([buyer, user, *vendors])
    db.session.flush()
    db.session.add_all([VendorProfile(id=v.id, regions=["VN"], certifications=[], status="verified") for v in vendors])
    rfq = Rfq(buyer_id=buyer.id, created_by=user.id, title="bench", currency="VND", status="awarded")
    db.session.add(rfq)
    db.session.flush()
    quotes = [Quote(rfq_id=rfq.id, vendor_id=v.id, currency="VND", incoterm="DAP", lead_time_days=1,
                    valid_until=sa.func.now(), payment_terms=[]) for v in vendors]
    db.session.add_all(quotes)
    db.session.flush()
    for start in range(0, n, 500):
        deals = []
        for i in range(start, min(n, start + 500)):
            q = quotes[i % len(quotes)]
            amount = 1_000_000 + i * 137
            deal = Deal(rfq_id=rfq.id, quote_id=q.id, buyer_id=buyer.id, vendor_id=q.vendor_id, status="accepted",
                        currency="VND", subtotal=amount, freight=0, total=amount, commission_bps=500, terms={},
                        gateway="bank_transfer")
            deal.milestones = [Milestone(seq=1, name="full", percent=100, due="before_shipment", amount=amount,
                                         status="awaiting_payment", payment_reference=f"B{i}")]
            deals.append(deal)
        db.session.add_all(deals)
        db.session.flush()
        if bulk:
            _fund_in_bulk(deals, "bank_transfer")
        else:
            for deal in deals:
                fund_milestone(deal, deal.milestones[0], "bank_transfer")
        db.session.commit()


def _fund_in_bulk(deals: list, gateway: str) -> None:
    """What :func:`fund_milestone` books for each deal's one milestone (the same accounts, transfer ids, codes,
    amounts and milestone state), in a few set-based statements per batch rather than ~8 round trips per deal:
    setting up 10,000 deals otherwise takes longer than measuring them on a loaded machine. Not measured."""
    from sqlalchemy.dialects.postgresql import insert

    from marketplace.database import utcnow
    from marketplace.escrow import ledger
    from marketplace.escrow.ledger import MilestoneStep, PostingCode
    from marketplace.escrow.ledger.accounts import kind_of
    from marketplace.escrow.models import (
        LedgerAccount,
        LedgerTransfer,
        MilestoneStatus,
        TransferKind,
    )
    from marketplace.extensions import db

    currency = deals[0].currency
    clearing = ledger.clearing_account(gateway)
    codes = {clearing, *(ledger.escrow_account(d.id) for d in deals), *(ledger.vendor_payable(d.vendor_id) for d in deals)}
    db.session.execute(insert(LedgerAccount).values([{"code": c, "currency": currency, "kind": kind_of(c)} for c in sorted(codes)])
                       .on_conflict_do_nothing(index_elements=["code", "currency"]))
    ids = dict(db.session.execute(sa.select(LedgerAccount.code, LedgerAccount.id).where(
        LedgerAccount.code.in_(codes), LedgerAccount.currency == currency)).all())
    now = utcnow()
    legs = {MilestoneStep.FUND: (TransferKind.POSTED, PostingCode.FUND, lambda d: (clearing, ledger.escrow_account(d.id))),
            MilestoneStep.HOLD: (TransferKind.PENDING, PostingCode.HOLD,
                                 lambda d: (ledger.escrow_account(d.id), ledger.vendor_payable(d.vendor_id)))}
    for step, (kind, code, accounts) in legs.items():  # every fund before any hold: a hold needs its escrow funded
        rows = []
        for d in deals:
            m, (debit, credit) = d.milestones[0], accounts(d)
            rows.append({"id": ledger.milestone_transfers(m.id)[step], "kind": kind, "debit_account_id": ids[debit],
                         "credit_account_id": ids[credit], "amount": m.amount, "currency": currency, "deal_id": d.id,
                         "milestone_id": m.id, "code": code, "meta": {}, "created_at": now})
        db.session.execute(insert(LedgerTransfer).values(rows))
    for d in deals:
        d.milestones[0].status = MilestoneStatus.FUNDED
        d.milestones[0].funded_at = now
    db.session.flush()


def _drain(env: dict, workers: int) -> float:
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "marketplace.cli", "worker", "--burst"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    for p in procs:
        p.wait()
    return time.perf_counter() - started


def _busy_span(job_ids: list[str]) -> float:
    """Seconds from the first of these jobs starting to the last one ending (RQ's own timestamps): the drain
    without the workers' start-up (importing the app, connecting, the first sweep), a fixed cost that would
    otherwise dominate small runs and flatter the slower job type (the longer drain hides more of it)."""
    from rq.job import Job

    from marketplace.jobs import redis_connection

    starts, ends = [], []
    for i in range(0, len(job_ids), 1000):
        for job in Job.fetch_many(job_ids[i:i + 1000], connection=redis_connection()):
            if job is not None and job.started_at and job.ended_at:
                starts.append(job.started_at)
                ends.append(job.ended_at)
    return (max(ends) - min(starts)).total_seconds()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--single", action="store_true",
                    help="one release_deal job per deal (deals accepted one by one) instead of the sweep's batches")
    args = ap.parse_args()

    from marketplace import embedded
    from marketplace.settings import PROJECT_ROOT

    base = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(PROJECT_ROOT / "instance", "postgres")
    redis_url = os.environ.get("REDIS_URL") or embedded.ensure_redis(PROJECT_ROOT / "instance")
    db_url = embedded.create_database(base, f"mkt_bench_{uuid.uuid4().hex[:8]}")
    prefix = f"bench{uuid.uuid4().hex[:6]}-"
    # REDRIVE_AFTER_SECONDS: the workers' sweeper would otherwise re-drive every release still queued after two
    # minutes (a second, no-op job per deal), which measures the queue's length rather than a settlement
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, QUEUE_PREFIX=prefix, PYTHONPATH=os.getcwd(),
               REDRIVE_AFTER_SECONDS=os.environ.get("REDRIVE_AFTER_SECONDS", "86400"))
    try:
        from flask_migrate import upgrade

        from marketplace.app import create_app
        from marketplace.deals.services import enqueue_releases
        from marketplace.extensions import db
        from marketplace.jobs import enqueue, get_queue

        app = create_app({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "QUEUE_PREFIX": prefix})
        with app.app_context():
            upgrade(revision="heads")
            t0 = time.perf_counter()
            _book_deals(args.deals)
            booking = time.perf_counter() - t0
            q = get_queue("default")
            noop_ids = [q.enqueue("benchmarks.escrow.settle.noop").id for _ in range(args.deals)]
            noop_s = _drain(env, args.workers)
            noop_busy = _busy_span(noop_ids)
            ids = db.session.execute(sa.text("SELECT id FROM deals ORDER BY id")).scalars().all()
            db.session.rollback()  # no transaction left open while the workers run
            if args.single:  # each deal accepted alone (a buyer's click): one release_deal job per deal
                job_ids = [enqueue("marketplace.deals.jobs.release_deal", deal_id, queue="money",
                                   job_id=f"release-deal-{deal_id}").id for deal_id in ids]
            else:  # accepted by the sweep (lapsed inspections, up to 500 per transaction): the jobs it queues
                job_ids = [job_id for start in range(0, len(ids), 500) for job_id in enqueue_releases(ids[start:start + 500])]
            settle_s = _drain(env, args.workers)
            settle_busy = _busy_span(job_ids)

            from marketplace.escrow import ledger

            db.session.expire_all()
            released = db.session.execute(sa.text("SELECT count(*) FROM deals WHERE status = 'released'")).scalar()
            tb = ledger.trial_balance()["VND"]
            recomputed = ledger.recomputed_balances()
            from marketplace.escrow.models import LedgerAccount

            totals_ok = all((a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending) ==
                            tuple(recomputed[a.id][k] for k in ("dp", "cp", "dpe", "cpe"))
                            for a in db.session.query(LedgerAccount))
            conserved = all(
                (s := ledger.deal_summary(i, "VND"))["funded"] == s["released"] + s["commission"] + s["refunded"] + s["held"]
                for i in ids[:: max(1, len(ids) // 500)])
        noop_rate, settle_rate = args.deals / noop_busy, args.deals / settle_busy
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"booked {args.deals} funded deals in {booking:.1f}s")
        print(f"no-op jobs:   {args.deals} in {noop_busy:.1f}s = {noop_rate:.0f} jobs/s ({args.workers} workers; "
              f"{noop_s:.1f}s with the workers' start-up)")
        print(f"settlements:  {args.deals} in {settle_busy:.1f}s = {settle_rate:.0f} settlements/s ({args.workers} workers, "
              f"{len(job_ids)} jobs; {settle_s:.1f}s with the workers' start-up)")
        print(f"ratio settlements/no-op: {settle_rate / noop_rate:.2f} (with start-up: {noop_s / settle_s:.2f})")
        print(f"released deals: {released}/{args.deals}; debits=credits: {tb['debits'] == tb['credits']}; "
              f"pending left: {tb['debits_pending']}; account totals match transfers: {totals_ok}; "
              f"deals conserve money (sampled): {conserved}")
        # the money invariants, asserted: a fast settlement that books anything else is a failed run
        ledger_ok = (released == args.deals and tb["debits"] == tb["credits"] and tb["debits_pending"] == 0
                     and tb["credits_pending"] == 0 and totals_ok and conserved)
        print(f"ledger check: {'passed' if ledger_ok else 'FAILED'}")
        if not ledger_ok:
            raise SystemExit("ledger check failed: see the line above")
    finally:
        embedded.drop_database(db_url)


if __name__ == "__main__":
    main()
