"""Profile one settlement: the SQL statements a ``release_deal`` job sends, with their time.

Usage: python -m benchmarks.escrow.profile_release [--deals 20] [--explain] [--cprofile 200]

Creates a scratch database (as :mod:`benchmarks.escrow.settle` does), books a few funded deals, runs the
production job function in-process for each, and prints the statements of the last one (transaction
control included: BEGIN/SAVEPOINT/COMMIT), then the mean count and time per release. ``--explain`` replays the
statements of one more release (rolled back) under ``EXPLAIN (ANALYZE, BUFFERS)`` and prints each plan, to spot
a statement whose cost grows with the tables; ``--cprofile N`` runs N releases under :mod:`cProfile` and prints
the functions with the most cumulative time (the Python hot spots of a release).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
import uuid

import sqlalchemy as sa
from sqlalchemy import event

from benchmarks.escrow.settle import _book_deals


def _growth(seen: list[list], walls: list[float], buckets: int = 5) -> None:
    """Per fifth of the releases (in order): mean wall time, SQL time, and the slowest kinds of statement, to see
    whether a release gets dearer as the tables fill."""
    size = len(walls) // buckets
    if size < 10:
        return
    print("growth (releases in order): wall ms | sql ms | the three costliest statements (mean ms)")
    for b in range(buckets):
        runs, ws = seen[b * size:(b + 1) * size], walls[b * size:(b + 1) * size]
        per: dict[str, float] = {}
        for r in runs:
            for sql, t in r:
                key = " ".join(sql.split())[:48]
                per[key] = per.get(key, 0.0) + t
        top = sorted(per.items(), key=lambda kv: -kv[1])[:3]
        print(f"  {b * size:>6}-{(b + 1) * size - 1:<6} {1000 * sum(ws) / size:6.2f} | "
              f"{1000 * sum(t for r in runs for _, t in r) / size:6.2f} | "
              + "; ".join(f"{k} {1000 * v / size:.2f}" for k, v in top))


def _explain(db, payments, deal_id: int) -> None:
    """Release ``deal_id`` capturing its statements, roll back, then replay them under EXPLAIN ANALYZE (rolled back)."""
    captured: list = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        payments.release_deal(deal_id)
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
        db.session.rollback()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in captured:
            if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("--", " ".join(statement.split())[:160])
            for (line,) in cur.fetchall():
                print("   ", line)
        raw.rollback()
    finally:
        raw.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=20)
    ap.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) each statement of a release")
    ap.add_argument("--cprofile", type=int, default=0, metavar="N", help="cProfile N more releases")
    ap.add_argument("--release", type=int, default=0, metavar="N", help="release only N deals first (default: all)")
    ap.add_argument("--batch", action="store_true",
                    help="release through release_deals jobs of RELEASE_BATCH deals (a sweep's), not one job per deal")
    args = ap.parse_args()

    from flask_migrate import upgrade

    from marketplace import embedded
    from marketplace.app import create_app
    from marketplace.deals import jobs
    from marketplace.deals.services import payments
    from marketplace.extensions import db
    from marketplace.settings import PROJECT_ROOT

    base = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(PROJECT_ROOT / "instance", "postgres")
    redis_url = os.environ.get("REDIS_URL") or embedded.ensure_redis(PROJECT_ROOT / "instance")
    db_url = embedded.create_database(base, f"mkt_prof_{uuid.uuid4().hex[:8]}")
    prefix = f"prof{uuid.uuid4().hex[:6]}-"
    try:
        app = create_app({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "QUEUE_PREFIX": prefix})
        with app.app_context():
            upgrade(revision="heads")
            _book_deals(args.deals)
            ids = db.session.execute(sa.text("SELECT id FROM deals ORDER BY id")).scalars().all()
            reserved = ids[len(ids) // 2:][: 1 + args.cprofile]  # deals in the middle: the tables are full
            ids = [i for i in ids if i not in set(reserved)][: args.release or None]
            db.session.remove()
            seen: list[list] = []
            started: dict = {}

            def before(conn, cursor, statement, parameters, context, executemany):
                started[id(cursor)] = time.perf_counter()

            def after(conn, cursor, statement, parameters, context, executemany):
                seen[-1].append((statement, time.perf_counter() - started.pop(id(cursor), time.perf_counter())))

            def tx(name):
                return lambda *a, **k: seen[-1].append((name, 0.0)) if seen else None

            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
            for name in ("begin", "commit", "rollback"):  # savepoints go through the cursor: counted
                event.listen(db.engine, name, tx(name.upper()))
            walls = []
            size = payments.RELEASE_BATCH if args.batch else 1
            for start in range(0, len(ids), size):
                seen.append([])
                t0 = time.perf_counter()
                if args.batch:
                    jobs.release_deals(ids[start:start + size])  # the sweep's job: one transaction, committed
                else:
                    jobs.release_deal(ids[start])  # the production job: one transaction, committed
                walls.append(time.perf_counter() - t0)
            last = seen[-1]
            for sql, t in last:
                print(f"{t * 1000:7.2f} ms  {' '.join(sql.split())[:150]}")
            runs = seen[len(seen) // 2:]
            n_sql = sum(sum(1 for s, _ in r if s not in {"BEGIN", "COMMIT", "ROLLBACK"}) for r in runs) / len(runs)
            n_sp = sum(sum(1 for s, _ in r if s in {"SAVEPOINT", "RELEASE_SAVEPOINT"}) for r in runs) / len(runs)
            print(f"statements per {'batch of ' + str(size) if args.batch else 'release'} (excluding BEGIN/COMMIT, "
                  f"savepoints included): {n_sql:.1f} (of which SAVEPOINT/RELEASE: {n_sp:.1f}); "
                  f"wall per deal {1000 * sum(walls[len(walls) // 2:]) / len(runs) / size:.2f} ms")
            released = db.session.execute(sa.text("SELECT count(*) FROM deals WHERE status = 'released'")).scalar()
            print(f"released {released}/{len(ids)}")
            _growth(seen, walls)
            for name in ("before_cursor_execute", "after_cursor_execute"):
                event.remove(db.engine, name, before if name.startswith("before") else after)
            if args.explain:
                _explain(db, payments, reserved[0])
            if args.cprofile:
                prof = cProfile.Profile()
                t0 = time.perf_counter()
                prof.enable()
                for start in range(1, len(reserved), size):
                    if args.batch:
                        jobs.release_deals(reserved[start:start + size])
                    else:
                        jobs.release_deal(reserved[start])
                prof.disable()
                print(f"cProfile: {args.cprofile} releases, {1000 * (time.perf_counter() - t0) / args.cprofile:.2f} ms each "
                      "(profiler overhead included)")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
                pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    finally:
        embedded.drop_database(db_url)


if __name__ == "__main__":
    main()
