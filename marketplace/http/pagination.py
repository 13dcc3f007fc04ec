"""Keyset pagination, the one style of every list: ``cursor`` and ``limit`` in, ``{"items", "next_cursor"}`` out.

The cursor is opaque to clients: the sort keys of the last row of the page (and the name of the
order they belong to), base64url-encoded JSON. A cursor from another list or order, or one we did not
make, is a 422; a page after the last one is empty with ``next_cursor: null``.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import literal, tuple_

from ..errors import InvalidInputError
from ..extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageQuerySchema(Schema):
    """The paging arguments every list takes; list schemas subclass it and add their filters."""

    cursor = fields.String(validate=validate.Length(min=1, max=500),
                           metadata={"description": "``next_cursor`` of the previous page; omit for the first page"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"items per page (1-{MAX_LIMIT})"})


def page_schema(item_schema, name: str) -> type[Schema]:
    """The output schema of one page of ``item_schema`` items."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema), required=True),
         "next_cursor": fields.String(allow_none=True, required=True,
                                      metadata={"description": "pass as ``cursor`` for the next page; null on the last"})},
        name=name,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    return value


def encode_cursor(order: str, values: list) -> str:
    """An opaque cursor for the row whose sort keys are ``values`` in the order named ``order``."""
    raw = json.dumps([order, *(_jsonable(v) for v in values)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, arity: int) -> list:
    """The sort keys carried by ``cursor``.

    :raises InvalidInputError: the cursor was not made by us, or for another list or order.
    """
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != arity + 1:
            raise ValueError
        values = [_restore(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInputError("bad cursor", fields={"cursor": ["use next_cursor from the previous page"]}) from None
    if values[0] != order or any(isinstance(v, (list, dict)) for v in values[1:]):
        raise InvalidInputError("bad cursor", fields={"cursor": ["the cursor belongs to another list or order"]})
    return values[1:]


def _check_types(values: list, keys) -> None:
    """Refuse a cursor whose values could not be compared with the sort keys in SQL."""
    for value, key in zip(values, keys):
        try:
            expected = key.type.python_type
        except (AttributeError, NotImplementedError):
            continue
        ok = isinstance(value, expected) and not isinstance(value, bool)
        if expected is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise InvalidInputError("bad cursor", fields={"cursor": ["use next_cursor from the previous page"]})


def paginate(stmt, params: dict, *keys, order: str = "id", descending: bool = False) -> dict:
    """One page of ``stmt`` (a SELECT of one entity) ordered by ``keys`` (non-null, the last unique).

    ``params`` holds ``cursor`` and ``limit`` as :class:`PageQuerySchema` loaded them.

    :raises InvalidInputError: a bad cursor.
    """
    limit = params.get("limit") or DEFAULT_LIMIT
    if params.get("cursor"):
        last = decode_cursor(params["cursor"], order, len(keys))
        _check_types(last, keys)
        left, right = tuple_(*keys), tuple_(*(literal(v) for v in last))
        stmt = stmt.where(left < right if descending else left > right)
    ordering = [k.desc() for k in keys] if descending else [k.asc() for k in keys]
    rows = db.session.execute(stmt.add_columns(*keys).order_by(*ordering).limit(limit + 1)).all()
    cursor = encode_cursor(order, list(rows[limit - 1][1:])) if len(rows) > limit else None
    return {"items": [row[0] for row in rows[:limit]], "next_cursor": cursor}


def paginate_list(items: list, params: dict, key, *, order: str = "id") -> dict:
    """The same page shape over a list already in memory, sorted by ``key(item)`` (a unique int or str)."""
    limit = params.get("limit") or DEFAULT_LIMIT
    ordered = sorted(items, key=key)
    if params.get("cursor"):
        (last,) = decode_cursor(params["cursor"], order, 1)
        try:
            ordered = [item for item in ordered if key(item) > last]
        except TypeError:
            raise InvalidInputError("bad cursor", fields={"cursor": ["use next_cursor from the previous page"]}) from None
    page = ordered[:limit]
    cursor = encode_cursor(order, [key(page[-1])]) if len(ordered) > limit else None
    return {"items": page, "next_cursor": cursor}
