"""The worker: periodic ticks claimed once from PostgreSQL, and a scheduler that dies with its worker."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import psutil
from sqlalchemy import select, update

from marketplace.database import utcnow
from marketplace.jobs import (
    PeriodicTask,
    claim_periodic_task,
    claim_statement,
    get_queue,
    queue_name,
    redis_connection,
    run_periodic_tasks,
)

WAIT_SECONDS = 60


def _wait(condition, what: str, timeout: float = WAIT_SECONDS, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    log = worker.log_path.read_text(errors="replace")[-4000:] if worker is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log}")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# --- the claim ----------------------------------------------------------------------------------


def test_a_tick_is_claimed_once_per_interval(db):
    minute = timedelta(minutes=1)
    assert claim_periodic_task("sweep", minute, "w1") is not None  # a new task is due at once
    db.session.commit()
    assert claim_periodic_task("sweep", minute, "w2") is None  # not due again for a minute
    db.session.commit()
    db.session.execute(update(PeriodicTask).values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert claim_periodic_task("sweep", minute, "w2") is not None
    db.session.commit()
    task = db.session.execute(select(PeriodicTask)).scalar_one()
    assert task.claimed_by == "w2" and task.due_at - task.claimed_at == minute


def test_two_workers_racing_for_a_due_tick_claim_it_once(db):
    db.session.add(PeriodicTask(name="sweep", due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    stmt = claim_statement("sweep", timedelta(minutes=1), "racer")
    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.begin()
        won_first = first.execute(stmt).scalar_one_or_none()  # holds the row until it commits
        result = {}
        racer = threading.Thread(target=lambda: result.update(won=second.execute(stmt).scalar_one_or_none()))
        second.begin()
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive()  # waiting on the row lock, not claiming past it
        first.commit()
        racer.join(timeout=10)
        second.commit()
    finally:
        first.close()
        second.close()
    assert won_first is not None and result == {"won": None}


def test_a_claimed_tick_enqueues_one_sweep(db):
    assert run_periodic_tasks("w1") == ["sweep"]
    assert run_periodic_tasks("w2") == []  # the next tick is SWEEP_INTERVAL_SECONDS away
    [job] = get_queue("default").get_jobs()
    assert job.func_name == "marketplace.jobs.sweep_job" and job.id.startswith("sweep-")


# --- the scheduler goes with its worker -----------------------------------------------------------


def test_a_killed_workers_scheduler_goes_with_it_and_the_next_worker_schedules(db, worker_process):
    conn = redis_connection()
    lock = f"rq:scheduler-lock:{queue_name('default')}"

    first = worker_process()
    owner = _wait(lambda: conn.get(lock), "the first worker's scheduler lock", worker=first).decode()
    scheduler_pid = int(_wait(lambda: conn.hget(f"rq:scheduler:{owner}", "pid"), "the scheduler to register"))
    assert psutil.Process(scheduler_pid).ppid() == first.pid

    os.kill(first.pid, signal.SIGKILL)  # no warm shutdown, no clean-up in the worker
    first.wait(timeout=10)
    _wait(lambda: not _alive(scheduler_pid), "the orphaned scheduler to exit")
    assert conn.get(lock) is None  # it released its lock on the way out, not left for the TTL

    second = worker_process()
    new_owner = _wait(lambda: conn.get(lock), "the next worker's scheduler lock", worker=second).decode()
    assert new_owner != owner
    new_pid = int(_wait(lambda: conn.hget(f"rq:scheduler:{new_owner}", "pid"), "the new scheduler to register"))
    assert psutil.Process(new_pid).ppid() == second.pid
    # and it schedules: a job due in a second is moved to its queue and run
    job = get_queue("default").enqueue_in(timedelta(seconds=1), "marketplace.jobs.sweep_job", job_id="scheduled-probe")
    _wait(lambda: job.get_status(refresh=True) == "finished", "the scheduled job to run", worker=second)
