"""The sweeper heals itself: its schedule lives in PostgreSQL and every live worker re-arms it.

A real ``marketplace worker`` process runs against this run's PostgreSQL and Redis; the Redis under
it is flushed (every queued and scheduled job is gone) and the work the sweeper owns still happens,
without a restart and without anyone running ``marketplace sweep``.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select, update

from marketplace.database import utcnow
from marketplace.deals.models import Deal, DealStatus
from marketplace.jobs import PeriodicTask, redis_connection
from marketplace.statemachine import Deadline, events_for

#: the worker under test ticks every second; anything below must happen well within this
WAIT_SECONDS = 90


def wait_for(db, condition, what: str, worker=None, timeout: float = WAIT_SECONDS):
    """Poll ``condition()`` (a fresh transaction each time) until it is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = condition()
        if value:
            return value
        if worker is not None and worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}) waiting for {what}:\n"
                                 + worker.log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.2)
    log = worker.log_path.read_text(errors="replace")[-4000:] if worker is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log}")


def _sweeps(db) -> int:
    """Ticks claimed so far (0 before the first); ``claimed_at`` moves on every claim."""
    return db.session.execute(select(func.count()).select_from(PeriodicTask)
                              .where(PeriodicTask.name == "sweep", PeriodicTask.claimed_at.is_not(None))).scalar_one()


def _last_sweep(db):
    return db.session.execute(select(PeriodicTask.claimed_at).where(PeriodicTask.name == "sweep")).scalar_one_or_none()


def _status(db, deal_id: int) -> str:
    return db.session.execute(select(Deal.status).where(Deal.id == deal_id)).scalar_one()


def _delivered_deal(api, world) -> dict:
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    return deal


def _running_worker(db, worker_process, redrive_after: int = 1):
    worker = worker_process(SWEEP_INTERVAL_SECONDS=1, REDRIVE_AFTER_SECONDS=redrive_after)
    wait_for(db, lambda: _sweeps(db), "the worker's first sweeper tick", worker)
    return worker


def _flush_under(db, worker) -> None:
    """FLUSHDB on the worker's Redis, then wait for a tick claimed after it (the worker re-armed it)."""
    redis_connection().flushdb()
    flushed_at = db.session.execute(select(func.now())).scalar_one()
    db.session.rollback()
    wait_for(db, lambda: (_last_sweep(db) or flushed_at) > flushed_at, "a sweeper tick after FLUSHDB", worker)


def test_after_flushdb_the_next_deadline_still_fires(api, world, db, worker_process):
    deal = _delivered_deal(api, world)
    worker = _running_worker(db, worker_process)
    _flush_under(db, worker)

    # the buyer stays silent: the inspection window lapses (made due in the database)
    db.session.execute(update(Deadline).where(Deadline.subject_type == "deal", Deadline.subject_id == deal["id"],
                                              Deadline.kind == "inspection")
                       .values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    wait_for(db, lambda: _status(db, deal["id"]) == DealStatus.RELEASED, "the lapsed window to release", worker)
    assert worker.poll() is None  # the same worker: never restarted
    accept = [e for e in events_for("deal", deal["id"]) if e.name == "accept"]
    assert [(e.actor_role, e.payload) for e in accept] == [("system", {"deadline": "inspection"})]


def test_after_flushdb_a_lost_release_is_redriven(app, api, world, db, worker_process):
    deal = _delivered_deal(api, world)
    # a release is re-driven once untouched for 5 minutes: the worker must not re-drive it before the flush
    worker = _running_worker(db, worker_process, redrive_after=300)

    # the buyer accepts, and the release job never reaches a worker: it goes to a queue nobody
    # serves, and then the whole Redis is flushed under the running worker
    prefix = app.config["QUEUE_PREFIX"]
    app.config["QUEUE_PREFIX"] = f"{prefix}lost-"
    try:
        api.post(f"/deals/{deal['id']}/accept", world.buyer)
    finally:
        app.config["QUEUE_PREFIX"] = prefix
    _flush_under(db, worker)
    assert _status(db, deal["id"]) == DealStatus.ACCEPTED
    # now older than the re-drive threshold (REDRIVE_AFTER_SECONDS)
    db.session.execute(update(Deal).where(Deal.id == deal["id"]).values(updated_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    wait_for(db, lambda: _status(db, deal["id"]) == DealStatus.RELEASED, "the lost release to be re-driven", worker)
    assert worker.poll() is None
    assert [e.name for e in events_for("deal", deal["id"])].count("release") == 1
