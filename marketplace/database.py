"""Base model, shared column types and mixins, scoped queries and the after-commit job hooks."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

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
    """Rows owned by one organisation: read them only through :meth:`for_org`."""

    __org_column__ = "org_id"

    @classmethod
    def for_org(cls, org_id: int):
        """A SELECT limited to ``org_id``'s rows; anything else is invisible (a 404 upstream)."""
        return select(cls).where(getattr(cls, cls.__org_column__) == org_id)


# --- after-commit hooks -------------------------------------------------------------------------
# Jobs must never be enqueued before the rows they read are committed; services register callables
# here and the session runs them only after a successful COMMIT (dropped on rollback).

_AFTER_COMMIT = "marketplace_after_commit"


def call_after_commit(session: Session, fn, *args: Any, **kwargs: Any) -> None:
    session.info.setdefault(_AFTER_COMMIT, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, [])
    for fn, args, kwargs in pending:
        try:
            fn(*args, **kwargs)
        except Exception:  # Redis is a transport: a lost enqueue is re-driven by the sweeper
            import logging

            logging.getLogger(__name__).exception("after-commit hook %r failed; the sweeper will re-drive", fn)


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
