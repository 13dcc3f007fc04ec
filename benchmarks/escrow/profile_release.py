"""Profile one settlement: the SQL statements a ``release_deal`` job sends, with their time.

Usage: python -m benchmarks.escrow.profile_release [--deals 20]

Creates a scratch database (as :mod:`benchmarks.escrow.settle` does), books a few funded deals, runs the
production job function in-process for each, and prints the statements of the last one (transaction
control included: BEGIN/SAVEPOINT/COMMIT), then the mean count and time per release.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import sqlalchemy as sa
from sqlalchemy import event

from benchmarks.escrow.settle import _book_deals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=20)
    args = ap.parse_args()

    from flask_migrate import upgrade

    from marketplace import embedded
    from marketplace.app import create_app
    from marketplace.deals import jobs
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
            for deal_id in ids:
                seen.append([])
                t0 = time.perf_counter()
                jobs.release_deal(deal_id)  # the production job: one transaction, committed
                walls.append(time.perf_counter() - t0)
            last = seen[-1]
            for sql, t in last:
                print(f"{t * 1000:7.2f} ms  {' '.join(sql.split())[:150]}")
            runs = seen[len(seen) // 2:]
            n_sql = sum(sum(1 for s, _ in r if s not in {"BEGIN", "COMMIT", "ROLLBACK"}) for r in runs) / len(runs)
            n_sp = sum(sum(1 for s, _ in r if s in {"SAVEPOINT", "RELEASE_SAVEPOINT"}) for r in runs) / len(runs)
            print(f"statements per release (excluding BEGIN/COMMIT, savepoints included): {n_sql:.1f} "
                  f"(of which SAVEPOINT/RELEASE: {n_sp:.1f}); wall {1000 * sum(walls[len(walls) // 2:]) / len(runs):.2f} ms")
            released = db.session.execute(sa.text("SELECT count(*) FROM deals WHERE status = 'released'")).scalar()
            print(f"released {released}/{len(ids)}")
    finally:
        embedded.drop_database(db_url)


if __name__ == "__main__":
    main()
