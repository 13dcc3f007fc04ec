"""Queues, enqueue helpers, the outbox for external side effects, and the sweeper.

Redis is a transport, never the source of truth: every job takes ids, reloads rows and re-checks
state, and anything that must happen is also recorded in PostgreSQL (an outbox row, a deadline, a
state) so that the sweeper can re-drive it after a lost or duplicated job.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any, Callable

import redis
from flask import current_app, has_app_context
from rq import Queue, Retry
from sqlalchemy import String, Text, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from . import registry
from .database import IdMixin, call_after_commit, utcnow
from .extensions import db

log = logging.getLogger(__name__)

#: Queue names in priority order; a worker listens to all of them.
QUEUES = ("money", "default", "bulk")
SWEEP_INTERVAL = timedelta(seconds=60)
LEASE = timedelta(minutes=5)


def redis_connection() -> redis.Redis:
    """The app's Redis client, created on first use (never at import time)."""
    conn = current_app.extensions.get("marketplace_redis")
    if conn is None:
        conn = redis.Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["marketplace_redis"] = conn
    return conn


def queue_name(name: str) -> str:
    return f"{current_app.config.get('QUEUE_PREFIX', '')}{name}"


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(queue_name(name), connection=redis_connection(), is_async=current_app.config.get("RQ_ASYNC", True))


def all_queues() -> list[Queue]:
    return [get_queue(name) for name in QUEUES]


def enqueue(func: Callable | str, *args: Any, queue: str = "default", job_id: str | None = None, retries: int = 3):
    """Enqueue ``func(*args)`` now (a function, or its dotted path). Prefer :func:`enqueue_after_commit`."""
    return get_queue(queue).enqueue(
        func, *args, job_id=job_id, retry=Retry(max=retries, interval=[5, 30, 120]) if retries else None,
        result_ttl=3600, failure_ttl=7 * 24 * 3600,
    )


def enqueue_after_commit(func: Callable | str, *args: Any, queue: str = "default", job_id: str | None = None) -> None:
    """Enqueue ``func(*args)`` once the current transaction commits; dropped on rollback."""
    call_after_commit(db.session(), enqueue, func, *args, queue=queue, job_id=job_id)


def job(fn: Callable) -> Callable:
    """Wrap an RQ entry point: one transaction per run, committed on success, rolled back on error."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        if not has_app_context():
            raise RuntimeError("jobs run inside the app: start workers with `marketplace worker`")
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()

    return wrapper


# --- the outbox ---------------------------------------------------------------------------------


class OutboxStatus:
    PENDING = "pending"  #: waiting to be sent (or re-sent after a failed attempt)
    LEASED = "leased"  #: a job holds it until ``lease_until``; past that the sweeper takes it back
    DONE = "done"  #: the external call succeeded and its result is recorded
    FAILED = "failed"  #: gave up after ``max_attempts``; an admin must look


class OutboxCommand(IdMixin, db.Model):
    """An external side effect with frozen parameters and a deterministic idempotency key."""

    __tablename__ = "outbox_commands"

    kind: Mapped[str] = mapped_column(String(64))  #: handler name, e.g. ``email.send``
    key: Mapped[str] = mapped_column(String(200), unique=True)  #: idempotency key, also sent to the provider
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    result: Mapped[dict | None] = mapped_column(JSONB)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    done_at: Mapped[datetime | None]


def add_outbox_command(kind: str, key: str, payload: dict) -> OutboxCommand:
    """Record an external call to make after commit; a second call with the same key is a no-op.

    Handlers come from the registry (``Registration.outbox_handlers``); a handler gets (payload, key)
    and must be safe to call twice with the same key (the provider de-duplicates on it).
    """
    if kind not in registry.current().outbox_handlers:
        raise ValueError(f"no outbox handler for {kind!r}")
    stmt = insert(OutboxCommand).values(kind=kind, key=key, payload=payload).on_conflict_do_nothing(index_elements=["key"])
    db.session.execute(stmt)
    command = db.session.execute(select(OutboxCommand).where(OutboxCommand.key == key)).scalar_one()
    enqueue_after_commit(run_outbox_command, command.id, queue="default",
                         job_id=f"outbox-{command.id}-{command.attempts}")
    return command


def _lease(command_id: int) -> OutboxCommand | None:
    """Take the row for this worker, or None when another holds it or it is finished."""
    now = utcnow()
    stmt = (
        update(OutboxCommand)
        .where(OutboxCommand.id == command_id)
        .where(
            ((OutboxCommand.status == OutboxStatus.PENDING) & (OutboxCommand.next_attempt_at <= now))
            | ((OutboxCommand.status == OutboxStatus.LEASED) & (OutboxCommand.lease_until < now))
        )
        .values(status=OutboxStatus.LEASED, lease_until=now + LEASE, attempts=OutboxCommand.attempts + 1)
        .returning(OutboxCommand.id)
    )
    leased = db.session.execute(stmt).scalar_one_or_none()
    db.session.commit()  # the lease must be visible before we call out
    return db.session.get(OutboxCommand, leased) if leased else None


@job
def run_outbox_command(command_id: int) -> str:
    """Lease an outbox row, make its external call with its key, record the result."""
    command = _lease(command_id)
    if command is None:
        return "skipped"
    handler = registry.current().outbox_handlers[command.kind]
    try:
        result = handler.call(dict(command.payload), command.key)
    except Exception as exc:  # the provider failed: back off, the sweeper re-drives
        db.session.rollback()
        command = db.session.get(OutboxCommand, command_id)
        command.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        command.lease_until = None
        if command.attempts >= command.max_attempts:
            command.status = OutboxStatus.FAILED
        else:
            command.status = OutboxStatus.PENDING
            command.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 10 * 2 ** command.attempts))
        return "failed"
    command.status = OutboxStatus.DONE
    command.result = result
    command.done_at = utcnow()
    command.lease_until = None
    if handler.follow_up is not None:
        handler.follow_up(command)
    return "done"


# --- the sweeper --------------------------------------------------------------------------------

def redrive_outbox() -> int:
    """Re-enqueue outbox rows that are due: never sent, failed with backoff elapsed, or lease lost."""
    now = utcnow()
    rows = db.session.execute(
        select(OutboxCommand.id, OutboxCommand.attempts).where(
            ((OutboxCommand.status == OutboxStatus.PENDING) & (OutboxCommand.next_attempt_at <= now))
            | ((OutboxCommand.status == OutboxStatus.LEASED) & (OutboxCommand.lease_until < now))
        ).limit(1000)
    ).all()
    for command_id, attempts in rows:
        enqueue(run_outbox_command, command_id, job_id=f"outbox-{command_id}-{attempts}")
    return len(rows)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Fire due deadlines, re-drive the outbox and stalled settlements. Safe to run concurrently."""
    from .statemachine import fire_due_deadlines

    report = {"deadlines": fire_due_deadlines(now)}
    report["outbox"] = redrive_outbox()
    db.session.commit()
    for step in registry.current().sweep_steps:  # each domain's re-drives (Registration.sweep_steps)
        report[step.__name__] = step(now)
        db.session.commit()
    return report


@job
def sweep_job() -> dict[str, int]:
    """RQ entry point of the sweeper; schedules the next tick on RQ's scheduler first."""
    schedule_sweeper()
    return sweep()


def schedule_sweeper() -> None:
    """Put the next sweeper tick on RQ's scheduler.

    The job id names the minute it is due, so several workers (or a restart) schedule one tick per
    minute, and a tick never re-uses the id of the tick that is running.
    """
    due = utcnow() + SWEEP_INTERVAL
    minute = int(due.timestamp()) // 60
    get_queue("default").enqueue_at(due, sweep_job, job_id=f"sweeper-{minute}",
                                    result_ttl=600, failure_ttl=3600)
