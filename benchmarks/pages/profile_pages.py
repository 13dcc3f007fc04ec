"""Profile the dispute desk and the deal page in one process (Flask test client, no gunicorn, no load generator).

Usage: python -m benchmarks.pages.profile_pages [--products 10000] [--deals 2000] [--requests 50] [--top 0]
                                                [--keep] [--database URL] [--dump DIR]

Makes a scratch database as ``benchmarks/pages/bench.py`` does (migrate, the demo seed, the catalog and the deals of
``generate.py``; ``--database`` reuses a kept one and only migrates it), signs the web session cookies a login sets
(the demo admin's, in Vietnamese and in English, and a buyer's) and prints, per page, the wall and CPU time per
request after a warm-up: the desk's views (``bench.DESK_VIEWS``) and the deal page of a deal awaiting a bank
transfer (its VietQR code) and of a funded one. ``--top N`` then prints cProfile's N heaviest functions over the
same requests; ``--dump DIR`` writes each page's HTML there, to compare two versions of the code. The scratch
database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path

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

from ..catalog.bench import _libpq
from ..catalog.generate import generate as generate_catalog
from .bench import DESK_VIEWS, drop
from .generate import generate as generate_deals


def cookie(app, user: User, **extra) -> str:
    """The session cookie's value a web login sets for ``user`` (``extra``: more session keys, e.g. ``lang``)."""
    grant = grant_session(user, name="web")
    return app.session_interface.get_signing_serializer(app).dumps({"token": grant.token, "_permanent": True, **extra})


def requests_to_time(app) -> list[tuple[str, str, str]]:
    """(label, path, cookie): the desk's views as the admin (vi, and the first in en), and the deal page of a bench
    buyer's deal awaiting payment and of a funded one, as that buyer."""
    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        admin_vi, admin_en = cookie(app, admin, lang="vi"), cookie(app, admin, lang="en")
        found = {}
        for status in ("awaiting_payment", "funded"):
            found[status] = db.session.execute(sa.text(
                "SELECT d.id, u.id FROM deals d JOIN memberships m ON m.org_id = d.buyer_id JOIN users u ON u.id = m.user_id "
                "WHERE d.status = :s AND u.email LIKE 'bench-buyer-%' ORDER BY d.id LIMIT 1"), {"s": status}).one()
        out = [(f"desk vi {path}", path, admin_vi) for path in DESK_VIEWS]
        out.append((f"desk en {DESK_VIEWS[0]}", DESK_VIEWS[0], admin_en))
        for status, (deal_id, user_id) in found.items():
            buyer = cookie(app, db.session.get(User, user_id), lang="vi")
            out.append((f"deal vi {status}", f"/deals/{deal_id}", buyer))
        out.append(("deal en awaiting_payment", f"/deals/{found['awaiting_payment'][0]}",
                    cookie(app, db.session.get(User, found["awaiting_payment"][1]), lang="en")))
        db.session.commit()
    return out


def logged_in(app, session_cookie: str):
    """A test client holding the session cookie (the client sends its own cookie jar, not a ``Cookie`` header)."""
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], session_cookie)
    return client


def timings(client, path: str, requests: int) -> tuple[float, float, str]:
    """Wall and process CPU milliseconds per request, and the page's HTML."""
    for _ in range(3):
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        client.get(path)
    return ((time.perf_counter() - wall) * 1000 / requests, (time.process_time() - cpu) * 1000 / requests,
            resp.get_data(as_text=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=0, help="print cProfile's N heaviest functions (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its URL is printed)")
    parser.add_argument("--database", help="reuse a database a --keep run left (migrated, not generated)")
    parser.add_argument("--dump", help="write each page's HTML to this folder")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(PROJECT_ROOT / "instance", "postgres")
    redis_url = os.environ.get("REDIS_URL") or embedded.ensure_redis(PROJECT_ROOT / "instance")
    db_url = args.database or embedded.create_database(base, f"mkt_profile_pages_{uuid.uuid4().hex[:8]}")
    try:
        app = create_app({"DATABASE_URL": db_url, "REDIS_URL": redis_url,
                          "INSTANCE_PATH": tempfile.mkdtemp(prefix="profile-pages-")})
        with app.app_context():
            upgrade(revision="heads")
            if not args.database:
                seed_demo()
            db.session.commit()
        if not args.database:
            with psycopg.connect(_libpq(db_url)) as conn:
                print("catalog", generate_catalog(conn, args.products, max(args.products // 100, 10)), flush=True)
                print("deals", generate_deals(conn, args.deals, max(args.deals // 50, 100), max(args.deals // 50, 100)),
                      flush=True)
        todo = [(label, path, logged_in(app, value)) for label, path, value in requests_to_time(app)]
        for label, path, client in todo:
            wall, cpu, html = timings(client, path, args.requests)
            print(f"{wall:7.2f} ms wall {cpu:7.2f} ms CPU  {label}", flush=True)
            if args.dump:
                Path(args.dump).mkdir(parents=True, exist_ok=True)
                name = "".join(ch if ch.isalnum() else "_" for ch in label)
                (Path(args.dump) / f"{name}.html").write_text(html)
        if args.top:
            profiler = cProfile.Profile()
            profiler.enable()
            for _label, path, client in todo:
                for _ in range(max(args.requests // 5, 1)):
                    client.get(path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
    finally:
        if args.keep or args.database:
            print("database kept:", db_url, flush=True)
        else:
            drop(db_url)


if __name__ == "__main__":
    main()
