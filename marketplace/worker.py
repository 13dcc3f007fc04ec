"""The RQ worker of the marketplace: RQ's own, plus the periodic ticks (the sweeper) claimed from
PostgreSQL on every wake-up, and a scheduler process that dies with its worker."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import time

import redis
from flask import current_app
from rq import SimpleWorker, Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler

from .extensions import db
from .jobs import all_queues, redis_connection, run_periodic_tasks

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this process when its parent dies (even by ``kill -9``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except OSError:  # no libc to ask: the parent check in the heartbeat still applies
        pass


class ParentBoundScheduler(RQScheduler):
    """RQ's scheduler process, bound to the worker that forked it.

    RQ's scheduler child heartbeats its lock forever, even when its worker was killed with ``-9``,
    and then no later worker can run a scheduler. This one stops (releasing its locks) as soon as
    its parent is gone: by ``PR_SET_PDEATHSIG`` where Linux offers it, and by comparing
    ``os.getppid()`` on every heartbeat everywhere.
    """

    def start(self):
        self._parent_pid = os.getpid()  # read in the child: the pid of the worker that forked it
        return super().start()

    def work(self):
        self._install_signal_handlers()  # SIGTERM (also the parent-death signal) stops it cleanly
        _die_with_parent()
        if os.getppid() != self._parent_pid:  # the worker died before the line above took effect
            self.stop()  # the locks were taken in the parent: give them back
            return
        super().work()

    def heartbeat(self):
        if os.getppid() != getattr(self, "_parent_pid", os.getppid()):
            self.log.warning("Scheduler %s: its worker is gone; stopping", self.name)
            self.request_stop()
            return  # never refresh the locks of an orphan
        super().heartbeat()


class PeriodicWorkerMixin:
    """What a marketplace worker adds to RQ's: a short dequeue timeout, and on every wake-up the
    claim of due periodic ticks (the sweeper) from PostgreSQL, plus a restart of the scheduler
    process when it died and its lock is free.

    RQ calls ``should_run_maintenance_tasks`` on every pass of its dequeue loop (after each job and
    each dequeue timeout); the periodic work rides on that hook and leaves RQ's own registry clean-up
    on its ten-minute cadence.
    """

    #: longest wait for a job before the worker looks at the periodic tasks again (seconds)
    poll_seconds: float = 5.0
    #: forked work horses must not inherit the pooled connections the periodic claim used
    dispose_engine_after_claim: bool = False
    _periodic_checked_at: float = 0.0
    _scheduler_restartable: bool = False  #: a burst run's scheduler is done once it ran

    @property
    def dequeue_timeout(self) -> int:
        return max(1, int(self.poll_seconds))

    def _periodic_due(self) -> bool:
        return time.monotonic() - self._periodic_checked_at >= self.poll_seconds

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return self._periodic_due() or super().should_run_maintenance_tasks

    def run_maintenance_tasks(self) -> None:
        if self._periodic_due():
            self._periodic_checked_at = time.monotonic()
            self.run_periodic_tasks()
            self.restart_scheduler()
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()

    def run_periodic_tasks(self) -> None:
        """Claim and enqueue due periodic ticks; a failure (database away) is logged, never fatal."""
        try:
            started = run_periodic_tasks(self.name)
            if started:
                self.log.info("Worker %s: claimed periodic %s", self.name, ", ".join(started))
        except Exception:
            self.log.exception("Worker %s: periodic tasks failed; trying again in %ss", self.name, self.poll_seconds)
            db.session.rollback()
        finally:
            db.session.remove()
            if self.dispose_engine_after_claim:
                db.engine.dispose()

    def restart_scheduler(self) -> None:
        """Start the scheduler again if its process died; it only starts once its lock is free."""
        scheduler = self.scheduler
        if not self._scheduler_restartable or scheduler is None or (
                scheduler._process is not None and scheduler._process.is_alive()):
            return
        try:
            scheduler.acquire_locks(auto_start=True)
        except redis.RedisError:
            self.log.warning("Worker %s: could not reach Redis to restart the scheduler", self.name)

    def _start_scheduler(self, burst: bool = False, logging_level: str | None = "INFO",
                         date_format: str = DEFAULT_LOGGING_DATE_FORMAT, log_format: str = DEFAULT_LOGGING_FORMAT):
        # RQ's own steps, with the parent-bound scheduler class (RQ names RQScheduler directly)
        self.scheduler = ParentBoundScheduler(
            self.queues, connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format, log_format=log_format, serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()
        self._scheduler_restartable = not burst


class MarketplaceWorker(PeriodicWorkerMixin, SimpleWorker):
    """Runs jobs in the worker process (keeps its database connections between jobs)."""


class ForkingMarketplaceWorker(PeriodicWorkerMixin, Worker):
    """Forks a work horse per job (``marketplace worker --fork``)."""

    dispose_engine_after_claim = True


def make_worker(*, fork: bool = False, poll_seconds: float | None = None):
    """A worker on every queue of this app, polling the periodic tasks at least every few seconds."""
    interval = current_app.config["SWEEP_INTERVAL_SECONDS"]
    worker_class = ForkingMarketplaceWorker if fork else MarketplaceWorker
    worker = worker_class(all_queues(), connection=redis_connection())
    worker.poll_seconds = poll_seconds or max(1.0, min(5.0, interval / 2))
    return worker
