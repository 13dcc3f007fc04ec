"""Benchmark: the web pages people wait on, through gunicorn, next to ``/healthz`` on the same gunicorn.

Usage: python -m benchmarks.pages.bench [--products 1000000] [--deals 100000] [--buyers 2000] [--compare-rfqs 2000]
                                        [--seconds 20] [--concurrency 8] [--workers 2] [--keep] [--database URL]

One run, on a scratch database (DATABASE_URL's server, or the embedded PostgreSQL):
  1. migrate, seed the demo data (its platform admin, with a second factor, works the dispute desk), generate the
     catalog with COPY (``benchmarks/catalog/generate.py``) and the deals, RFQs, quotes, shipments, disputes and
     events in set-based SQL (``benchmarks/pages/generate.py``), then ANALYZE;
  2. log in: a web session (the signed cookie a login sets, holding a ``web`` token granted by the accounts
     service) for 100 buyers and for the demo admin;
  3. start gunicorn and load, from ``--concurrency`` keep-alive clients for ``--seconds`` each: ``/healthz``,
     the buyer's search results page (``/buyer/search`` with the catalog benchmark's mix of queries), a deal page
     (``/deals/<id>``), the quote comparison page (``/buyer/rfqs/<id>/compare``) and the admin dispute desk
     (``/admin/disputes``, with its filters); each request picks a random deal or RFQ of a logged-in buyer.
     Figures: requests/s, p50, p99 and each page's p99 ÷ ``/healthz`` p99 (the goal: at most 10).
``--database`` reuses a database a ``--keep`` run left (no generation). The load generator runs on the same
machine and competes for its CPUs; say so with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import uuid

import psycopg
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import embedded
from marketplace.accounts.models import User
from marketplace.accounts.services import grant_session
from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.seed import ADMIN_EMAIL, seed_demo
from marketplace.settings import PROJECT_ROOT

from ..catalog.bench import (
    _children,
    _libpq,
    _vm_hwm_kb,
    _wait_http,
    load,
    search_paths,
)
from ..catalog.generate import generate as generate_catalog
from .generate import generate as generate_deals
from .generate import sample

#: buyers the load logs in as (their deals and RFQs are the ones requested)
SESSIONS = 100
#: the dispute desk's views: every live case, then its filters
DESK_VIEWS = ["/admin/disputes", "/admin/disputes?status=open", "/admin/disputes?status=negotiating",
              "/admin/disputes?assignee=none", "/admin/disputes?overdue=true", "/admin/disputes?status=escalated"]
PAGES = ("search", "deal", "compare", "dispute_desk")


def fetch(port: int, path: str, cookie: str | None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    return resp.status, resp.read().decode("utf-8", "replace")


def session_cookies(app) -> tuple[dict[int, str], str]:
    """Web sessions as a login makes them: per buyer organisation (the first ``SESSIONS`` bench buyers) its
    owner's cookie, and the demo admin's (who has a second factor, as platform staff must)."""
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]

    def cookie(user: User) -> str:
        grant = grant_session(user, name="web")
        return f"{name}={serializer.dumps({'token': grant.token, '_permanent': True})}"

    with app.app_context():
        users = db.session.execute(sa.select(User).where(User.email.like("bench-buyer-%@bench.test"))
                                   .order_by(User.id).limit(SESSIONS)).scalars().all()
        buyers = {user.memberships[0].org_id: cookie(user) for user in users}
        admin = cookie(db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one())
        db.session.commit()
    return buyers, admin


def page_requests(rng: random.Random, ids: dict, buyers: dict[int, str], admin: str, n: int = 2000) -> dict:
    """Per page, ``n`` requests (path, cookie) in a random order."""
    search = [(p.replace("/api/v1/products?", "/buyer/search?"), buyers[rng.choice(list(buyers))])
              for p in search_paths(rng, n)]
    deals = [(f"/deals/{d}", buyers[b]) for d, b in (rng.choice(ids["deals"]) for _ in range(n))]
    compare = [(f"/buyer/rfqs/{r}/compare", buyers[b]) for r, b in (rng.choice(ids["rfqs"]) for _ in range(n))]
    desk = [(rng.choice(DESK_VIEWS), admin) for _ in range(n)]
    return {"search": search, "deal": deals, "compare": compare, "dispute_desk": desk}


def drop(url: str, timeout_s: int = 120) -> None:
    """Drop the scratch database, giving up after ``timeout_s`` (a DROP DATABASE waits for every backend of the
    server to acknowledge it, and a backend stuck in another client's COPY can hold it for ever)."""
    name = sa.engine.make_url(url).database
    try:
        with psycopg.connect(_libpq(str(sa.engine.make_url(url).set(database="postgres"))), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(f"SET statement_timeout = '{timeout_s}s'")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    except psycopg.Error as exc:
        print(f"database {name} left behind ({type(exc).__name__}: {exc}); drop it later", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, help="default: products / 100")
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--buyers", type=int, help="default: deals / 50")
    parser.add_argument("--compare-rfqs", type=int, help="RFQs with quotes to compare; default: deals / 50")
    parser.add_argument("--quotes-per-rfq", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its URL is printed)")
    parser.add_argument("--database", help="reuse a database a --keep run left (skips the generation)")
    args = parser.parse_args()
    vendors = args.vendors or max(args.products // 100, 10)
    buyers_n = args.buyers or max(args.deals // 50, SESSIONS)
    compare_n = args.compare_rfqs or max(args.deals // 50, 100)

    base = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(PROJECT_ROOT / "instance", "postgres")
    redis_url = os.environ.get("REDIS_URL") or embedded.ensure_redis(PROJECT_ROOT / "instance")
    db_url = args.database or embedded.create_database(base, f"mkt_bench_pages_{uuid.uuid4().hex[:8]}")
    instance = tempfile.mkdtemp(prefix="bench-pages-")
    # the cookies signed here must verify in gunicorn: one secret for both
    os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or f"bench-{uuid.uuid4().hex}"
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, INSTANCE_PATH=instance,
               QUEUE_PREFIX=f"bench{os.getpid()}-", PYTHONPATH=os.getcwd())
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                    "settings": {"seconds": args.seconds, "concurrency": args.concurrency, "workers": args.workers}}
    try:
        app = create_app({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "INSTANCE_PATH": instance})
        if not args.database:
            with app.app_context():
                upgrade(revision="heads")
                seed_demo()
                db.session.commit()
            with psycopg.connect(_libpq(db_url)) as conn:
                report["catalog"] = generate_catalog(conn, args.products, vendors)
                print("catalog", report["catalog"], flush=True)
                report["generate"] = generate_deals(conn, args.deals, buyers_n, compare_n, args.quotes_per_rfq)
                print("deals", report["generate"], flush=True)
        buyers, admin = session_cookies(app)
        with psycopg.connect(_libpq(db_url)) as conn:
            ids = sample(conn, list(buyers))
        requests = page_requests(random.Random(5), ids, buyers, admin)

        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
             "--log-level", "warning", "marketplace.app:create_app()"], env=env)
        try:
            _wait_http(args.port)
            for page in PAGES:  # each page answers 200 for its person (not a login redirect or a 404)
                status, body = fetch(args.port, *requests[page][0])
                if status != 200:
                    raise RuntimeError(f"{page}: {requests[page][0][0]} answered {status}: {body[:300]}")
            for page in PAGES:  # warm-up: connections, plans, caches
                load(args.port, requests[page][:40], 2, args.concurrency)
            report["healthz"] = load(args.port, [("/healthz", None)], args.seconds, args.concurrency)
            print("healthz", report["healthz"], flush=True)
            for page in PAGES:
                report[page] = load(args.port, requests[page], args.seconds, args.concurrency)
                report[page]["p99_ratio"] = round(report[page]["p99_ms"] / report["healthz"]["p99_ms"], 1)
                print(page, report[page], flush=True)
            report["ratio_pages_to_healthz_p99"] = {page: report[page]["p99_ratio"] for page in PAGES}
            report["ratio_worst_page_to_healthz_p99"] = max(report["ratio_pages_to_healthz_p99"].values())
            report["load_average"] = os.getloadavg()
            report["web_worker_peak_rss_mb"] = [round(_vm_hwm_kb(pid) / 1024, 1) for pid in _children(gunicorn.pid)]
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
    finally:
        if args.keep or args.database:
            print("database kept:", db_url, flush=True)
        else:
            drop(db_url)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
