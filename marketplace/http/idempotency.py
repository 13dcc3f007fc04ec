"""``Idempotency-Key`` for POST requests: the same key and body return the stored response.

The key is scoped to the authenticated user: the authentication decorator calls :func:`claim` once it
knows who calls (requests without a user, such as log-in and webhooks, take no key). The first request with a key claims it in its own
short transaction (so two concurrent retries cannot both run); its response is stored when it
finishes. A replay with the same body gets the stored response (header ``Idempotent-Replayed``);
the same key with another body is a 422; a key whose first request is still running is a 409.
Server errors release the key so the client may retry. A claim older than ``STALE`` (a crashed
request) may be taken over: the endpoints behind it are themselves idempotent state transitions.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

from flask import Flask, Response, g, request
from sqlalchemy import Index, LargeBinary, String, Text, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, utcnow
from ..errors import ConflictError, InvalidInputError
from ..extensions import db

HEADER = "Idempotency-Key"
STALE = timedelta(minutes=2)


class IdempotencyStatus(StrEnum):
    IN_PROGRESS = "in_progress"  #: claimed by a request still running (or crashed: taken over after STALE)
    DONE = "done"  #: finished; its response is replayed for the same key and body


class IdempotencyKey(IdMixin, db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_user_key", "user_id", "key", unique=True),)

    user_id: Mapped[int]
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  #: SHA-256 of method, path and body
    status: Mapped[str] = mapped_column(String(16), default=IdempotencyStatus.IN_PROGRESS)
    response_status: Mapped[int | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_type: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def claim(user_id: int) -> Response | None:
    """Claim the request's ``Idempotency-Key`` for ``user_id``; returns the stored response of a replay.

    :raises InvalidInputError: the key is malformed, or was used with another request.
    :raises ConflictError: the first request with this key is still running.
    """
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not 1 <= len(key) <= 255:
        raise InvalidInputError("Idempotency-Key must be 1 to 255 characters", fields={HEADER: ["bad length"]})
    digest = _request_hash()
    with db.engine.begin() as conn:
        claimed = conn.execute(
            insert(IdempotencyKey).values(user_id=user_id, key=key, request_hash=digest, status=IdempotencyStatus.IN_PROGRESS,
                                          created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(IdempotencyKey.id)
        ).scalar_one_or_none()
        if claimed is None:
            row = conn.execute(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                            IdempotencyKey.key == key).with_for_update()).one()
            if row.request_hash != digest:
                raise InvalidInputError("this Idempotency-Key was used with a different request",
                                        code="idempotency_key_reused")
            if row.status == IdempotencyStatus.DONE:
                resp = Response(row.response_body, status=row.response_status, content_type=row.response_type)
                resp.headers["Idempotent-Replayed"] = "true"
                return resp
            if row.created_at > utcnow() - STALE:
                raise ConflictError("a request with this Idempotency-Key is still being processed",
                                    code="idempotency_key_in_progress")
            conn.execute(update(IdempotencyKey).where(IdempotencyKey.id == row.id).values(created_at=utcnow()))
            claimed = row.id
    g.idempotency_id = claimed
    return None


def _store(response: Response) -> Response:
    claim = g.pop("idempotency_id", None)
    if claim is None:
        return response
    with db.engine.begin() as conn:
        if response.status_code >= 500:
            conn.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim))
        else:
            conn.execute(update(IdempotencyKey).where(IdempotencyKey.id == claim).values(
                status=IdempotencyStatus.DONE, response_status=response.status_code, response_body=response.get_data(),
                response_type=response.content_type))
    return response


def _release(exc: BaseException | None) -> None:
    claim = g.pop("idempotency_id", None)
    if claim is not None:
        with db.engine.begin() as conn:
            conn.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim))


def init_idempotency(app: Flask) -> None:
    """Store each claimed key's response after the request, or release the key when it failed."""
    app.after_request(_store)
    app.teardown_request(_release)
