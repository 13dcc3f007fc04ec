"""Base model, shared column types and mixins, scoped queries and the after-commit job hooks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, event, func, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

from .actors import ActorRole
from .errors import NotFoundError

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base: constraint naming that Alembic can diff, BIGINT ids."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={int: BigInteger, datetime: DateTime(timezone=True)},
    )


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow, onupdate=utcnow)


class OrgScoped:
    """Rows owned by organisations: the one tenancy idiom. Read them through :meth:`visible_to` or
    :meth:`get_visible`; another organisation's row does not exist for the caller (a 404).

    ``__org_columns__`` names the columns holding the owning organisations (a deal has two: its buyer
    and its vendor); ``__noun__`` names the thing in the 404 message.
    """

    __org_columns__: tuple[str, ...] = ("org_id",)
    __noun__ = "object"

    @classmethod
    def for_org(cls, org_id: int):
        """A SELECT of the rows ``org_id`` owns (under any of the organisation columns)."""
        return select(cls).where(or_(*(getattr(cls, col) == org_id for col in cls.__org_columns__)))

    @classmethod
    def visible_to(cls, actor):
        """A SELECT of the rows ``actor`` (anything with ``role`` and ``org_id``) may read: its
        organisation's; platform admins (role ``admin``) read all."""
        return select(cls) if actor.role == ActorRole.ADMIN else cls.for_org(actor.org_id)

    @classmethod
    def get_visible(cls, actor, row_id: int, *, lock: bool = False):
        """One row ``actor`` may read (``lock``: ``SELECT ... FOR UPDATE``).

        :raises NotFoundError: unknown, or another organisation's.
        """
        return cls.one(cls.visible_to(actor), row_id, lock=lock)

    @classmethod
    def one(cls, stmt, row_id: int, *, lock: bool = False):
        """Row ``row_id`` if the scoped SELECT ``stmt`` (of this model) yields it.

        :raises NotFoundError: it does not.
        """
        stmt = stmt.where(cls.id == row_id)
        if lock:
            stmt = stmt.with_for_update(of=cls).execution_options(populate_existing=True)
        row = cls.__fsa__.session.execute(stmt).scalar_one_or_none()  # Flask-SQLAlchemy's session
        if row is None:
            raise NotFoundError(f"no such {cls.__noun__}")
        return row


# --- after-commit hooks -------------------------------------------------------------------------
# Jobs must never be enqueued before the rows they read are committed; services register callables
# here and the session runs them only after a successful COMMIT (dropped on rollback).

_AFTER_COMMIT = "marketplace_after_commit"


def _open_transactions(session: Session) -> tuple:
    """The innermost open transaction (a savepoint or the root) and all its parents."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    chain = []
    while transaction is not None:
        chain.append(transaction)
        transaction = transaction.parent
    return tuple(chain)


def call_after_commit(session: Session, fn, *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` once the session's outermost transaction commits.

    Dropped if the transaction it was registered in (or any enclosing one) rolls back; a released
    SAVEPOINT is not a commit.
    """
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still has a transaction to drop it with
    session.info.setdefault(_AFTER_COMMIT, []).append((_open_transactions(session), fn, args, kwargs))


@dataclass(frozen=True)
class _Batched:
    """A hook registered by :func:`call_after_commit_batched`: its items are gathered and passed in one call."""

    fn: Callable[[list], Any]


def call_after_commit_batched(session: Session, fn: Callable[[list], Any], item: Any) -> None:
    """:func:`call_after_commit` for hooks that take a list: every ``item`` registered for ``fn`` in the transaction
    (and not rolled back with a savepoint) reaches one call ``fn([item, ...])`` after the commit, in the order
    registered (e.g. the deals one sweep accepted, released by a few jobs rather than one job each)."""
    call_after_commit(session, _Batched(fn), item)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # SQLAlchemy also signals the release of a SAVEPOINT here; wait for the real COMMIT
    pending = session.info.pop(_AFTER_COMMIT, [])
    batches: dict[Callable, list] = {}
    calls = []
    for _chain, fn, args, kwargs in pending:
        if isinstance(fn, _Batched):
            if fn.fn not in batches:
                batches[fn.fn] = []
                calls.append((fn.fn, (batches[fn.fn],), {}))
            batches[fn.fn].append(args[0])
        else:
            calls.append((fn, args, kwargs))
    for fn, args, kwargs in calls:
        try:
            fn(*args, **kwargs)
        except Exception:  # Redis is a transport: a lost enqueue is re-driven by the sweeper
            log.exception("after-commit hook %r failed; the sweeper will re-drive", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    """Forget what was registered inside the transaction (or savepoint) that rolled back."""
    pending = session.info.get(_AFTER_COMMIT)
    if pending:
        session.info[_AFTER_COMMIT] = [p for p in pending if previous_transaction not in p[0]]


@event.listens_for(Session, "after_transaction_end")
def _drop_after_close(session: Session, transaction) -> None:
    """A root transaction that ends without committing (``close()``) takes its pending jobs with it."""
    if transaction.parent is None and transaction.nested is False:
        pending = session.info.get(_AFTER_COMMIT)
        if pending:
            session.info[_AFTER_COMMIT] = [p for p in pending if transaction not in p[0]]
