"""Declarative transition tables and the one function that applies a transition.

A table lists, per transition, the states it may start from, the state it leads to and the roles
that may trigger it; timers say which deadline a state starts. :meth:`StateMachine.apply` checks the
table, locks the row, moves the state with a version guard, appends an :class:`Event` and
(re)schedules deadlines. Applying a transition that is already applied is a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import current_app
from sqlalchemy import Index, String, event, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from . import registry
from .actors import ROLES, SYSTEM, Actor, ActorRole
from .database import IdMixin, utcnow
from .errors import ConflictError, ForbiddenError, IllegalTransitionError
from .extensions import db

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class NextStep:
    """What one viewer of a subject should do next, by when, and what happens if they do not.

    Services answer with codes (``"pay"``, ``"auto_accept"``); pages word them in the reader's language.
    ``action`` None means nothing is asked of this viewer now (``waiting_for`` says on whom it waits).
    """

    action: str | None
    deadline: datetime | None = None
    lapse: str | None = None  #: code of what happens at the deadline
    waiting_for: str | None = None  #: the role the subject waits on when the viewer has nothing to do


@dataclass(frozen=True)
class Transition:
    """One row of a table: ``name`` moves a subject from any of ``sources`` to ``target``, by ``roles``."""

    name: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Timer:
    """Entering ``state`` starts a deadline that fires ``transition`` (as ``system``) after ``delay``."""

    state: str
    kind: str
    transition: str
    delay: Callable[[Any, dict], timedelta]  #: (subject, app config) -> how long


@dataclass
class StateMachine:
    """A lifecycle: its states, its transition table and its timers, applied by :meth:`apply`."""

    subject: str  #: the subject type written on events and deadlines, e.g. ``deal``
    model: Any
    states: tuple[str, ...]
    transitions: list[Transition]
    timers: list[Timer] = field(default_factory=list)
    state_attr: str = "status"

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.transitions}
        for t in self.transitions:
            unknown = {*t.sources, t.target} - set(self.states)
            if unknown:
                raise ValueError(f"{self.subject}.{t.name} uses unknown states {unknown}")
            if not t.roles <= ROLES:
                raise ValueError(f"{self.subject}.{t.name} has unknown roles")
        for timer in self.timers:
            if timer.transition not in self._by_name or ActorRole.SYSTEM not in self._by_name[timer.transition].roles:
                raise ValueError(f"timer {timer.kind} must fire a system transition")

    def transition(self, name: str) -> Transition:
        return self._by_name[name]

    def allowed(self, state: str, role: str) -> list[str]:
        """Transition names ``role`` may trigger from ``state`` (used by clients to draw buttons)."""
        return [t.name for t in self.transitions if state in t.sources and role in t.roles]

    def lock(self, subject_id: int, *options):
        """Re-read the subject under ``SELECT ... FOR UPDATE`` (once per transaction); ``options`` are loader
        options for that read (e.g. ``lazyload`` of a collection the caller does not need)."""
        session = db.session()
        locked = session.info.setdefault(_LOCKED, set())
        key = (self.subject, subject_id)
        if key in locked:  # already locked and re-read by this transaction: the row cannot have moved
            obj = session.get(self.model, subject_id)
            if obj is not None:
                return obj
        obj = session.execute(
            select(self.model).where(self.model.id == subject_id).with_for_update(of=self.model).options(*options)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if obj is None:
            raise ConflictError(f"{self.subject} {subject_id} vanished")
        locked.add(key)
        return obj

    def lock_many(self, subject_ids, *options) -> list:
        """:meth:`lock` for several subjects in one statement, in id order (two such lockers never deadlock);
        subjects that vanished are left out."""
        session = db.session()
        locked = session.info.setdefault(_LOCKED, set())
        objs = session.execute(
            select(self.model).where(self.model.id.in_(sorted(set(subject_ids)))).order_by(self.model.id)
            .with_for_update(of=self.model).options(*options).execution_options(populate_existing=True)
        ).scalars().all()
        locked.update((self.subject, obj.id) for obj in objs)
        return objs

    def apply(self, obj, name: str, actor: Actor, payload: dict | None = None, *, guard: Callable[[Any], str | None] | None = None) -> bool:
        """Apply transition ``name`` to ``obj``; True if the state moved, False if it was already there.

        :raises ForbiddenError: the actor's role may not trigger this transition.
        :raises IllegalTransitionError: the current state is not a source of the transition.
        :raises ConflictError: ``guard`` refused (it returns a reason) or a concurrent writer won.
        """
        t = self._by_name[name]
        if actor.role not in t.roles:
            raise ForbiddenError(f"a {actor.role} may not {name.replace('_', ' ')} this {self.subject}")
        obj = self.lock(obj.id)
        current = getattr(obj, self.state_attr)
        if current == t.target and current not in t.sources:
            return False  # already applied: a double click or a retried job
        if current not in t.sources:
            raise IllegalTransitionError(
                f"cannot {name.replace('_', ' ')} a {self.subject} that is {current}",
                details={"state": current, "allowed": self.allowed(current, actor.role)},
            )
        if guard is not None:
            reason = guard(obj)
            if reason:
                raise ConflictError(reason)
        model = self.model
        now = utcnow()
        moved = db.session.execute(
            update(model)
            .where(model.id == obj.id, getattr(model, self.state_attr) == current)
            .values({self.state_attr: t.target, "version": model.version + 1,
                     **({"updated_at": now} if hasattr(model, "updated_at") else {})})
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:  # cannot happen under the row lock; kept as the version guard
            raise ConflictError(f"{self.subject} {obj.id} changed while we were working; try again")
        # the row is locked by us: mirror the UPDATE instead of reading it back
        set_committed_value(obj, self.state_attr, t.target)
        set_committed_value(obj, "version", obj.version + 1)
        if hasattr(model, "updated_at"):
            set_committed_value(obj, "updated_at", now)
        record_event(self.subject, obj.id, name, current, t.target, actor, payload)
        self._reschedule(obj, current, t.target)
        on_enter = registry.current().on_enter.get((self.subject, t.target))
        if on_enter is not None:  # e.g. entering ``accepted`` queues the release, whoever accepted
            on_enter(obj)
        return True

    def start(self, obj, actor: Actor, payload: dict | None = None) -> None:
        """Record a new subject's creation in its initial state and start that state's timers."""
        db.session.flush()
        state = getattr(obj, self.state_attr)
        record_event(self.subject, obj.id, "create", None, state, actor, payload)
        self._reschedule(obj, None, state)

    def restart_timers(self, obj) -> None:
        """Cancel the subject's pending deadlines and start its current state's timers again (after a
        change of what they are computed from, e.g. a quote's new validity)."""
        state = getattr(obj, self.state_attr)
        self._reschedule(obj, state, state)

    def _reschedule(self, obj, old: str | None, new: str) -> None:
        now = utcnow()
        db.session.execute(
            update(Deadline)
            .where(Deadline.subject_type == self.subject, Deadline.subject_id == obj.id,
                   Deadline.expected_state == old, Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )
        for timer in self.timers:
            if timer.state == new:
                due = now + timer.delay(obj, current_app.config)
                db.session.add(Deadline(subject_type=self.subject, subject_id=obj.id, kind=timer.kind,
                                        expected_state=new, transition=timer.transition, due_at=due))


#: session.info key: the (subject, id) rows this transaction holds ``FOR UPDATE``
_LOCKED = "marketplace_locked_rows"


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction) -> None:
    if transaction.parent is None:  # row locks end with the root transaction
        session.info.pop(_LOCKED, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_locks_on_rollback(session, previous_transaction) -> None:
    # ROLLBACK TO SAVEPOINT releases the locks taken inside it and undoes its UPDATEs, which the
    # identity map does not see: the next lock() must read the row again
    session.info.pop(_LOCKED, None)


class Event(IdMixin, db.Model):
    """One applied transition (or notable fact) on a subject: the timeline and the audit trail."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id", "id"),)

    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None]
    actor_org_id: Mapped[int | None]
    payload: Mapped[dict] = mapped_column(JSONB, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


def record_event(subject: str, subject_id: int, name: str, old: str | None, new: str | None,
                 actor: Actor, payload: dict | None = None) -> Event:
    """Append one event to a subject's timeline (flushed with the transaction)."""
    event = Event(subject_type=subject, subject_id=subject_id, name=name, from_state=old, to_state=new,
                  actor_role=actor.role, actor_user_id=actor.user_id, actor_org_id=actor.org_id,
                  payload=payload or {})
    db.session.add(event)
    return event


def events_for(subject: str, subject_id: int) -> list[Event]:
    """A subject's timeline, oldest first."""
    return list(db.session.execute(
        select(Event).where(Event.subject_type == subject, Event.subject_id == subject_id).order_by(Event.id)
    ).scalars())


class Deadline(IdMixin, db.Model):
    """A timer stored in PostgreSQL: when ``due_at`` passes and the subject is still in
    ``expected_state``, the sweeper applies ``transition`` as ``system``."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_due", "due_at", postgresql_where="fired_at IS NULL AND cancelled_at IS NULL"),)

    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    #: the :attr:`Timer.kind` that started it; passed to the transition it fires as ``{"deadline": kind}``
    kind: Mapped[str] = mapped_column(String(32))
    expected_state: Mapped[str] = mapped_column(String(32))
    transition: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


def fire_due_deadlines(now: datetime | None = None, limit: int = 500) -> int:
    """Fire every due deadline whose subject is still in the expected state; each in its own savepoint.

    ``SKIP LOCKED`` lets two sweepers run at once without firing a deadline twice. The machines come
    from the registry.
    """
    registered = registry.current()
    now = now or utcnow()
    due = db.session.execute(
        select(Deadline)
        .where(Deadline.due_at <= now, Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
        .order_by(Deadline.due_at, Deadline.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    fired = 0
    for deadline in due:
        machine = registered.machines.get(deadline.subject_type)
        deadline.fired_at = now
        if machine is None:
            continue
        subject = db.session.get(machine.model, deadline.subject_id)
        if subject is None or getattr(subject, machine.state_attr) != deadline.expected_state:
            continue
        try:
            with db.session.begin_nested():
                machine.apply(subject, deadline.transition, SYSTEM, {"deadline": deadline.kind})
            fired += 1
        except ConflictError:
            log.info("deadline %s no longer applies", deadline.id)
    return fired
