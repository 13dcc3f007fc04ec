"""Queues, enqueue helpers, the outbox for external side effects, and the sweeper with its schedule.

Redis is a transport, never the source of truth: every job takes ids, reloads rows and re-checks
state, and anything that must happen is also recorded in PostgreSQL (an outbox row, a deadline, a
state) so that the sweeper can re-drive it after a lost or duplicated job. The sweeper's own
schedule lives in PostgreSQL too (:class:`PeriodicTask`): every live worker claims due ticks from
there (see :mod:`marketplace.worker`), so a flushed Redis or a dead worker only delays the next tick.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
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
from .statemachine import fire_due_deadlines

log = logging.getLogger(__name__)

#: Queue names in priority order; a worker listens to all of them.
QUEUES = ("money", "default", "bulk")
LEASE = timedelta(minutes=5)


def redis_connection() -> redis.Redis:
    """The app's Redis client, created on first use (never at import time)."""
    conn = current_app.extensions.get("marketplace_redis")
    if conn is None:
        conn = redis.Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["marketplace_redis"] = conn
    return conn


def queue_name(name: str) -> str:
    """The Redis name of queue ``name``: prefixed with ``QUEUE_PREFIX`` so apps sharing a Redis stay apart."""
    return f"{current_app.config.get('QUEUE_PREFIX', '')}{name}"


def get_queue(name: str = "default") -> Queue:
    """The RQ queue ``name`` (one of :data:`QUEUES`) on the app's Redis; ``ValueError`` for an unknown name."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(queue_name(name), connection=redis_connection(), is_async=current_app.config.get("RQ_ASYNC", True))


def all_queues() -> list[Queue]:
    """Every queue of :data:`QUEUES` in priority order (what the worker listens to)."""
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


class OutboxStatus(StrEnum):
    """Where an outbox row is in its life."""

    PENDING = "pending"  #: waiting to be sent (or re-sent after a failed attempt)
    LEASED = "leased"  #: a job holds it until ``lease_until``; past that the sweeper takes it back
    DONE = "done"  #: the external call succeeded and its result is recorded
    FAILED = "failed"  #: gave up after ``max_attempts``; an admin must look


class OutboxCommand(IdMixin, db.Model):
    """An external side effect with frozen parameters and a deterministic idempotency key."""

    __tablename__ = "outbox_commands"

    kind: Mapped[str] = mapped_column(String(64))  #: the handler's name in the registry
    key: Mapped[str] = mapped_column(String(200), unique=True)  #: idempotency key, also sent to the provider
    payload: Mapped[dict] = mapped_column(JSONB)
    #: an :class:`OutboxStatus`: pending -> leased -> done, or back to pending, or failed
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    result: Mapped[dict | None] = mapped_column(JSONB)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    done_at: Mapped[datetime | None]


def add_outbox_command(kind: str, key: str, payload: dict, *, max_attempts: int | None = None) -> OutboxCommand:
    """Record an external call to make after commit; a second call with the same key is a no-op.

    Handlers come from the registry (``Registration.outbox_handlers``); a handler gets (payload, key)
    and must be safe to call twice with the same key (the provider de-duplicates on it).
    ``max_attempts`` overrides the column's default (8) for this row.

    :raises ValueError: no registered outbox handler for ``kind``.
    """
    if kind not in registry.current().outbox_handlers:
        raise ValueError(f"no outbox handler for {kind!r}")
    values = {"kind": kind, "key": key, "payload": payload}
    if max_attempts is not None:
        values["max_attempts"] = max_attempts
    # one statement when the key is new (the usual case); the row already there is read only on a repeat
    stmt = insert(OutboxCommand).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(OutboxCommand)
    command = db.session.execute(stmt).scalar_one_or_none()
    if command is None:
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
            delay = handler.backoff(command.attempts) if handler.backoff else min(3600, 10 * 2 ** command.attempts)
            command.next_attempt_at = utcnow() + timedelta(seconds=delay)
        if handler.on_error is not None:
            handler.on_error(command, exc)
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
    """Fire due deadlines, re-drive the outbox, then run every package's sweep step. Safe to run concurrently."""
    report = {"deadlines": fire_due_deadlines(now)}
    report["outbox"] = redrive_outbox()
    db.session.commit()
    for step in registry.current().sweep_steps:  # each domain's re-drives (Registration.sweep_steps)
        report[step.__name__] = step(now)
        db.session.commit()
    return report


@job
def sweep_job() -> dict[str, int]:
    """RQ entry point of the sweeper, enqueued by whichever worker claimed the tick."""
    return sweep()


# --- periodic tasks: the schedule lives in PostgreSQL -----------------------------------------------


class PeriodicTask(db.Model):
    """When a periodic task is next due. Every live worker tries to claim due ticks; one wins each."""

    __tablename__ = "periodic_tasks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  #: e.g. ``sweep``
    due_at: Mapped[datetime]  #: the next tick may be claimed from then on
    claimed_at: Mapped[datetime | None]  #: when the last tick was claimed
    claimed_by: Mapped[str | None] = mapped_column(String(200))  #: the RQ worker name that claimed it


@dataclass(frozen=True)
class Periodic:
    """A task every worker keeps alive: ``func`` is enqueued every ``interval_setting`` seconds."""

    name: str
    func: Callable
    interval_setting: str
    queue: str = "default"


#: the machinery's periodic tasks (domain work joins through ``Registration.sweep_steps``)
PERIODIC_TASKS = (Periodic("sweep", sweep_job, "SWEEP_INTERVAL_SECONDS"),)


def claim_statement(name: str, interval: timedelta, claimed_by: str | None = None):
    """The one statement claiming the due tick of ``name``: it returns ``claimed_at`` when it won.

    Of several workers running it at once exactly one wins a tick (the row lock orders them and the
    losers see the new ``due_at``); for a new name it creates the row and wins. Times come from the
    database clock, so workers whose own clocks disagree still tick once per interval; one reading of it
    per statement (``statement_timestamp()``), so the next tick is exactly one interval after the claim.
    """
    clock = func.statement_timestamp()
    stmt = insert(PeriodicTask).values(name=name, due_at=clock + interval, claimed_at=clock, claimed_by=claimed_by)
    return stmt.on_conflict_do_update(
        index_elements=[PeriodicTask.name],
        set_={"due_at": clock + interval, "claimed_at": clock, "claimed_by": claimed_by},
        where=PeriodicTask.due_at <= clock,
    ).returning(PeriodicTask.claimed_at)


def claim_periodic_task(name: str, interval: timedelta, claimed_by: str | None = None) -> datetime | None:
    """Claim the due tick of ``name`` and push its due time ``interval`` ahead; None when not due.

    Flushes; the caller commits.
    """
    return db.session.execute(claim_statement(name, interval, claimed_by)).scalar_one_or_none()


def run_periodic_tasks(claimed_by: str | None = None) -> list[str]:
    """Enqueue every periodic task whose tick this call claimed; returns their names.

    The job id names the claimed tick, so a job lost with Redis is simply replaced by the next tick.
    """
    started = []
    for task in PERIODIC_TASKS:
        interval = timedelta(seconds=current_app.config[task.interval_setting])
        claimed = claim_periodic_task(task.name, interval, claimed_by)
        db.session.commit()  # the claim is ours before the job exists
        if claimed is not None:
            enqueue(task.func, queue=task.queue, job_id=f"{task.name}-{int(claimed.timestamp() * 1000)}", retries=0)
            started.append(task.name)
    return started
