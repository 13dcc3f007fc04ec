"""Benchmark: catalog search through gunicorn next to /healthz, and bulk import next to COPY.

Usage: python -m benchmarks.catalog.bench [--products 1000000] [--vendors 10000] [--import-rows 100000]
                                          [--seconds 20] [--concurrency 8] [--workers 2] [--import-only] [--search-only]
                                          [--keep] [--database URL]

One run, on a scratch database (DATABASE_URL's server, or the embedded PostgreSQL):
  1. generate the catalog with COPY (benchmarks/catalog/generate.py);
  2. start gunicorn (same settings for both endpoints) and hit ``/healthz`` then ``/api/v1/products``
     with a mix of searches (text, filters, price sort, keyset page 2) from ``--concurrency`` keep-alive
     clients for ``--seconds`` each: requests/s, p50, p99; the figure is search ÷ healthz;
     and the CPU milliseconds per request of the web workers, of PostgreSQL (when local) and of the
     load generator, then the slowest SQL statement of the mix's first 200 searches, run once each in
     this process, with its ``EXPLAIN (ANALYZE, BUFFERS)``;
  3. the web workers' peak RSS (VmHWM) after the load;
  4. import ``--import-rows`` rows of CSV through the real import job (in a child process, whose
     peak RSS is reported) next to COPY of the same rows into ``products`` + ``price_tiers``; the
     import is timed whole (child process start to exit) and as the job alone (claim to done).
``--import-only`` skips steps 2-3, ``--search-only`` step 4. ``--database`` reuses a catalog generated before
(``--keep`` leaves one) instead of step 1, and keeps it.
The load generator runs on the same machine and competes for its CPUs; say so with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.text import fold

WORDS = ["may cat", "vong bi", "thep cuon", "ball bearing", "laser", "carton", "ong thep", "dong co dien", "xi mang",
         "hat dieu", "cotton", "pallet", "bu long", "steel pipe", "gach men", "may bom nuoc"]


def _libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def search_paths(rng: random.Random, n: int) -> list[str]:
    paths = []
    for _ in range(n):
        params = {"q": rng.choice(WORDS), "limit": 20}
        kind = rng.random()
        if kind < 0.25:
            params["sort"] = "price"
        elif kind < 0.45:
            params.update(region=rng.choice(["VN-SG", "VN-HN", "VN-DN"]), max_moq=100)
        elif kind < 0.6:
            params.update(quantity=1000, price_max=str(rng.randint(5, 50) * 10_000))
        elif kind < 0.7:
            params.update(in_stock="true")
        paths.append("/api/v1/products?" + urllib.parse.urlencode(params))
    return paths


def load(port: int, requests: list, seconds: float, concurrency: int) -> dict:
    """Keep-alive clients requesting ``requests`` round-robin (each a path, or ``(path, session cookie)``);
    returns throughput and latency percentiles."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, i = [], offset
        while time.perf_counter() < deadline:
            item = requests[i % len(requests)]
            path, cookie = (item, None) if isinstance(item, str) else item
            i += concurrency
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(f"{resp.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__} {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "errors": len(errors), "first_errors": errors[:3],
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": round(q[49] * 1000, 2),
            "p99_ms": round(q[98] * 1000, 2)}


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _vm_hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of the processes ``pids`` has used so far (gone ones are left out)."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return used


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between the two readings (a process gone in between counts nothing after it went)."""
    return sum(after.get(pid, before.get(pid, 0.0)) - before.get(pid, 0.0) for pid in set(before) | set(after))


def _postgres_pids(db_url: str) -> list[int]:
    """The server processes serving the benchmark's database (its backends; other databases of a shared
    server are left out) when the server runs on this machine, else []."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()")).scalars().all()
    except sa.exc.SQLAlchemyError:
        return []
    finally:
        engine.dispose()
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


def measured_load(port: int, paths: list[str], seconds: float, concurrency: int, workers: list[int],
                  db_url: str) -> dict:
    """:func:`load`, plus the CPU milliseconds per request spent by the web workers, by the database's
    backends (when local: the web workers' pooled connections, open since the warm-up) and by the load
    generator itself: what the two CPUs were busy with."""
    postgres = _postgres_pids(db_url)
    before = (_cpu_seconds(workers), _cpu_seconds(postgres), time.process_time())
    result = load(port, paths, seconds, concurrency)
    postgres = sorted(set(postgres) | set(_postgres_pids(db_url)))  # backends started during the run
    after = (_cpu_seconds(workers), _cpu_seconds(postgres), time.process_time())
    n = max(result["requests"], 1)
    used = (_cpu_delta(before[0], after[0]), _cpu_delta(before[1], after[1]), after[2] - before[2])
    result["cpu_ms_per_request"] = {name: round(seconds_used * 1000 / n, 2) for name, seconds_used in
                                    zip(("web_workers", "postgres", "load_generator"), used)}
    return result


def slowest_statement(app, paths: list[str]) -> dict:
    """Run ``paths`` once each in-process, find the slowest SQL statement any of them sent, and return its
    path, time and ``EXPLAIN (ANALYZE, BUFFERS)``."""
    seen: list = []
    started: list = [0.0]

    def before(conn, cursor, statement, parameters, context, executemany):
        started[0] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((time.perf_counter() - started[0], statement, parameters, current[0]))

    current = [""]
    client = app.test_client()
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "after_cursor_execute", after)
        try:
            for path in paths:
                current[0] = path
                client.get(path)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
            sa.event.remove(db.engine, "after_cursor_execute", after)
        seconds, statement, parameters, path = max(seen, key=lambda row: row[0])
        plan = [row[0] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        db.session.rollback()
    return {"path": path, "ms": round(seconds * 1000, 2), "statement": statement, "parameters": parameters,
            "plan": plan}


def _wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not come up")


def write_import_csv(path: str, rows: int, seed: int = 11) -> None:
    from .generate import product_row

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("sku,name,name_vi,hs_code,unit,moq,unit_price,tier_prices,stock_qty,status\n")
        for i in range(1, rows + 1):
            name, name_vi, hs, moq, price, stock = product_row(rng, i)
            fh.write(f"IMP-{i:07d},{name},{name_vi},{hs},piece,{moq},{price},{moq * 10}:{price * 9 // 10},"
                     f"{'' if stock is None else stock},active\n")


def copy_same_rows(db_url: str, csv_path: str, vendor_id: int) -> float:
    """COPY the CSV's rows into products + price_tiers (search text folded as the import does); seconds."""
    import csv

    import psycopg

    started = time.perf_counter()
    with psycopg.connect(_libpq(db_url)) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE tiers_in (sku text, min_qty bigint, unit_price bigint)")
        tiers = io.StringIO()
        with open(csv_path, encoding="utf-8", newline="") as fh, \
                cur.copy("COPY products (vendor_id, sku, name, name_vi, description, hs_code, unit, pack_size, moq, "
                         "stock_qty, currency, status, search_text) FROM STDIN") as cp:
            for row in csv.DictReader(fh):
                cp.write_row((vendor_id, row["sku"], row["name"], row["name_vi"], "", row["hs_code"], row["unit"], 1,
                              int(row["moq"]), int(row["stock_qty"]) if row["stock_qty"] else None, "VND", "active",
                              " ".join((fold(row["name"]), fold(row["name_vi"]), fold(row["sku"]), row["hs_code"]))))
                q, p = row["tier_prices"].split(":")
                tiers.write(f"{row['sku']}\t{row['moq']}\t{row['unit_price']}\n{row['sku']}\t{q}\t{p}\n")
        with cur.copy("COPY tiers_in FROM STDIN") as cp:
            cp.write(tiers.getvalue())
        cur.execute("INSERT INTO price_tiers (product_id, min_qty, unit_price) SELECT p.id, t.min_qty, t.unit_price "
                    "FROM tiers_in t JOIN products p ON p.vendor_id = %s AND p.sku = t.sku", (vendor_id,))
        conn.commit()
    return time.perf_counter() - started


def import_child(import_id: int) -> None:
    """Child process: run the production import job for one import, in-process (no Redis hop)."""
    from marketplace.app import create_app
    from marketplace.vendors.jobs import run_product_import

    with create_app().app_context():
        print(run_product_import(import_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--import-only", action="store_true", help="skip the search load (steps 2-3)")
    parser.add_argument("--search-only", action="store_true", help="skip the import (step 4)")
    parser.add_argument("--database", help="a catalog generate.py already filled (from --keep): skip step 1, keep it")
    parser.add_argument("--import-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_child:
        import_child(args.import_child)
        return

    from marketplace import embedded
    from marketplace.settings import PROJECT_ROOT

    base = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(PROJECT_ROOT / "instance", "postgres")
    redis_url = os.environ.get("REDIS_URL") or embedded.ensure_redis(PROJECT_ROOT / "instance")
    db_url = args.database or embedded.create_database(base, f"mkt_bench_catalog_{uuid.uuid4().hex[:8]}")
    instance = tempfile.mkdtemp(prefix="bench-catalog-")
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, INSTANCE_PATH=instance,
               QUEUE_PREFIX=f"bench{os.getpid()}-", PYTHONPATH=os.getcwd())
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"}
    try:
        from flask_migrate import upgrade

        from marketplace.app import create_app

        app = create_app({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "INSTANCE_PATH": instance})
        with app.app_context():
            upgrade(revision="heads")
        import psycopg

        from .generate import generate

        with psycopg.connect(_libpq(db_url)) as conn:
            if args.database:
                listed = conn.execute("SELECT count(*) FROM product_search").fetchone()[0]
                report["generate"] = {"reused": True, "listed_products": listed}
            else:
                report["generate"] = generate(conn, args.products, args.vendors)
        print("generated", report["generate"], flush=True)

        if not args.import_only:
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
                 "--log-level", "warning", "marketplace.app:create_app()"], env=env)
            try:
                _wait_http(args.port)
                paths = search_paths(random.Random(3), 2000)
                load(args.port, paths[:50], 3, args.concurrency)  # warm-up: connections, plans, caches
                workers = _children(gunicorn.pid)
                report["healthz"] = measured_load(args.port, ["/healthz"], args.seconds, args.concurrency, workers,
                                                  db_url)
                report["search"] = measured_load(args.port, paths, args.seconds, args.concurrency, workers, db_url)
                report["ratio_search_to_healthz_rps"] = round(report["search"]["rps"] / report["healthz"]["rps"], 3)
                report["ratio_search_to_healthz_p99"] = round(report["search"]["p99_ms"] / report["healthz"]["p99_ms"], 1)
                report["load_average"] = os.getloadavg()
                report["web_worker_peak_rss_mb"] = [round(_vm_hwm_kb(pid) / 1024, 1) for pid in _children(gunicorn.pid)]
            finally:
                gunicorn.terminate()
                gunicorn.wait(timeout=30)
            print("search", report["search"], "healthz", report["healthz"], flush=True)
            report["slowest_statement"] = slowest_statement(app, sorted(set(paths[:200])))
            print(f"slowest statement of the mix ({report['slowest_statement']['ms']} ms, "
                  f"{report['slowest_statement']['path']}):", *report["slowest_statement"]["plan"], sep="\n", flush=True)

        if args.search_only:
            print(json.dumps(report, indent=2, default=str))
            return
        csv_path = os.path.join(instance, "import.csv")
        write_import_csv(csv_path, args.import_rows)
        with app.app_context():
            from marketplace.accounts.services import (
                add_membership,
                create_organization,
                create_user,
            )
            from marketplace.actors import Actor
            from marketplace.vendors.services.imports import start_product_import

            org = create_organization("vendor", "Import Bench Vendor")
            copy_org = create_organization("vendor", "COPY Bench Vendor")
            user = create_user(f"bench-{uuid.uuid4().hex[:6]}@example.test", "Bench", "bench-password-1")
            add_membership(user, org, "owner")
            db.session.flush()
            for o in (org, copy_org):
                db.session.execute(sa.text("UPDATE vendor_profiles SET status = 'verified' WHERE id = :id"), {"id": o.id})
            with open(csv_path, "rb") as fh:
                imp = start_product_import(Actor("vendor", user.id, org.id), "import.csv", fh)
            db.session.info.pop("marketplace_after_commit", None)  # run the job here, not through Redis
            db.session.commit()
            import_id, copy_vendor = imp.id, copy_org.id
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.catalog.bench", "--import-child", str(import_id)],
                                 env=env)
        _, _status, usage = os.wait4(child.pid, 0)
        import_seconds = time.perf_counter() - started
        copy_seconds = copy_same_rows(db_url, csv_path, copy_vendor)
        with sa.create_engine(db_url).connect() as conn:
            row = conn.execute(sa.text("SELECT status, rows_done, created_count, error_count, "
                                       "extract(epoch FROM finished_at - started_at) FROM product_imports "
                                       "WHERE id = :id"), {"id": import_id}).one()
        report["import"] = {"rows": args.import_rows, "status": row[0], "created": row[2], "errors": row[3],
                            "seconds": round(import_seconds, 2), "rows_per_s": round(args.import_rows / import_seconds),
                            "job_process_peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                            # the job alone (claim to done), without the child's interpreter start and imports
                            "job_seconds": round(float(row[4]), 2), "job_rows_per_s": round(args.import_rows / float(row[4]))}
        report["copy"] = {"rows": args.import_rows, "seconds": round(copy_seconds, 2),
                          "rows_per_s": round(args.import_rows / copy_seconds)}
        report["ratio_import_to_copy_rows_per_s"] = round(report["import"]["rows_per_s"] / report["copy"]["rows_per_s"], 3)
        report["ratio_job_to_copy_rows_per_s"] = round(report["import"]["job_rows_per_s"] / report["copy"]["rows_per_s"], 3)
    finally:
        if not args.keep and not args.database:
            embedded.drop_database(db_url)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
