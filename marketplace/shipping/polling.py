"""Polling fallback: shipments of carriers that do not push tracking here (no webhook secret configured) are asked
for it on a schedule, until a terminal status.

A booked shipment of such a carrier gets ``next_poll_at`` = now + ``SHIPPING_POLL_MIN_SECONDS``. A sweep step
queues one job per due shipment; the job asks the carrier (``Carrier.track``) and puts every report through the
carrier event inbox (:func:`webhooks.store_event`, ``source="poll"``: the same dedupe key and the same processing
job as a webhook; the job, ``jobs.poll_shipment``, hands it in), then sets the next ask: news brings the interval back to the minimum, no news doubles it (up to
``SHIPPING_POLL_MAX_SECONDS``), a carrier that did not answer counts in ``poll_failures`` and doubles it too; a
terminal status ends the polling. The current interval lives in ``details["polling"]``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from .. import registry
from ..database import utcnow
from ..extensions import db
from ..jobs import enqueue, get_queue
from .carriers.base import Carrier
from .carriers.http import CarrierRefusedError, CarrierUnavailableError
from .models import TERMINAL, Shipment

log = logging.getLogger(__name__)

#: the job asking the carrier about one shipment (:func:`poll`)
POLL_JOB = "marketplace.shipping.jobs.poll_shipment"
#: how many due shipments one sweep queues (the rest wait for the next sweep)
BATCH = 200
#: RQ states in which a poll job is still to run: the sweep does not queue it again
PENDING_JOB_STATES = frozenset({"queued", "started", "deferred", "scheduled"})


def is_polled(carrier: Carrier | None, config: Mapping[str, Any]) -> bool:
    """Is tracking asked of this carrier here: it can be polled, is offered, and does not push to us?"""
    return (carrier is not None and not carrier.manual_tracking and carrier.capabilities.tracking_pull
            and carrier.enabled(config) and not carrier.push_enabled(config))


def _interval(shipment: Shipment, config: Mapping[str, Any]) -> int:
    low = config["SHIPPING_POLL_MIN_SECONDS"]
    return int((shipment.details or {}).get("polling", {}).get("interval_seconds") or low)


def _set_next(shipment: Shipment, interval: int | None, now: datetime, **state: Any) -> None:
    """Record the next ask (None: no more asks) and the polling state in ``details["polling"]``."""
    polling = {**(shipment.details or {}).get("polling", {}), **state}
    if interval is not None:
        polling["interval_seconds"] = interval
    shipment.details = {**(shipment.details or {}), "polling": polling}  # a new dict: JSONB changes are by assignment
    shipment.next_poll_at = None if interval is None else now + timedelta(seconds=interval)


def schedule_first_poll(shipment: Shipment, config: Mapping[str, Any]) -> None:
    """Set the first ask of a newly booked shipment when its carrier is polled here (never for the built-in
    carrier, nor for a carrier whose webhook is configured)."""
    if shipment.is_terminal() or not is_polled(registry.current().carriers.get(shipment.carrier), config):
        return
    _set_next(shipment, config["SHIPPING_POLL_MIN_SECONDS"], utcnow())


def job_id(shipment_id: int, due: datetime) -> str:
    """The poll job of one shipment for one due time: two sweeps seeing the same due time name the same job."""
    return f"shipment-poll-{shipment_id}-{int(due.timestamp() * 1_000_000)}"


def poll_due_shipments(now: datetime | None = None) -> int:
    """Sweep step: queue a poll job for each shipment whose ``next_poll_at`` has come (a bounded batch, oldest
    first; a job already waiting for the same due time is not queued again); returns how many were queued."""
    now = now or utcnow()
    # a shipment that reached a terminal status some other way (a webhook, a cancellation) is not asked again
    db.session.execute(update(Shipment).where(Shipment.status.in_([s.value for s in TERMINAL]),
                                              Shipment.next_poll_at.is_not(None)).values(next_poll_at=None))
    due = db.session.execute(
        select(Shipment.id, Shipment.next_poll_at).where(Shipment.next_poll_at <= now,
                                                         Shipment.status.not_in([s.value for s in TERMINAL]))
        .order_by(Shipment.next_poll_at, Shipment.id).limit(BATCH)).all()
    queue = get_queue("default")
    queued = 0
    for shipment_id, due_at in due:
        name = job_id(shipment_id, due_at)
        waiting = queue.fetch_job(name)
        if waiting is not None and waiting.get_status(refresh=False) in PENDING_JOB_STATES:
            continue
        enqueue(POLL_JOB, shipment_id, due_at.isoformat(), job_id=name)
        queued += 1
    return queued


def poll(shipment_id: int, due: datetime, store: Callable[..., bool]) -> str:
    """Ask the carrier about one shipment whose ask was due at ``due`` and put each report through ``store`` (the
    inbox's :func:`webhooks.store_event`, handed in by the job: the inbox imports the services, which import this
    module); a no-op when the shipment was asked meanwhile (its ``next_poll_at`` moved). The caller commits.
    Returns ``skipped``, ``stopped`` (terminal, or no longer polled), ``news``, ``no_news`` or ``failed``."""
    config = current_app.config
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None or shipment.next_poll_at != due:
        return "skipped"  # another run (or a sweep's duplicate) asked already
    carrier = registry.current().carriers.get(shipment.carrier)
    if shipment.is_terminal() or not is_polled(carrier, config):
        if _lock(shipment_id).next_poll_at == due:
            _set_next(shipment, None, utcnow())
        return "stopped"
    # the carrier is asked before any row is locked: a slow carrier holds no lock; a run that lost the race below
    # only stored reports the inbox de-duplicates
    try:
        events, error = carrier.track(shipment.tracking_number, config), None
    except (CarrierUnavailableError, CarrierRefusedError) as exc:
        events, error = [], exc
    shipment = _lock(shipment_id)
    if shipment.next_poll_at != due:
        return "skipped"
    now = utcnow()
    if error is not None:
        log.warning("polling %s %s failed: %s %s", shipment.carrier, shipment.tracking_number, error.message,
                    error.details)
        shipment.poll_failures += 1
        _set_next(shipment, min(_interval(shipment, config) * 2, config["SHIPPING_POLL_MAX_SECONDS"]), now,
                  last_polled_at=now.isoformat(), last_error=f"{error.code}: {error.message}"[:300])
        return "failed"
    # the report as we read it is the "raw body" kept in the inbox (a poll has no body of its own)
    fresh = [store(shipment.carrier, e, json.dumps(e.as_json(), ensure_ascii=False), source="poll")
             for e in events]
    shipment.poll_failures = 0
    if any(carrier.normalise(e.raw_status) in TERMINAL for e in events):
        _set_next(shipment, None, now, last_polled_at=now.isoformat(), last_error=None)
        return "stopped"
    if any(fresh):
        _set_next(shipment, config["SHIPPING_POLL_MIN_SECONDS"], now, last_polled_at=now.isoformat(),
                  last_error=None)
        return "news"
    _set_next(shipment, min(_interval(shipment, config) * 2, config["SHIPPING_POLL_MAX_SECONDS"]), now,
              last_polled_at=now.isoformat(), last_error=None)
    return "no_news"


def _lock(shipment_id: int) -> Shipment:
    return db.session.execute(select(Shipment).where(Shipment.id == shipment_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
