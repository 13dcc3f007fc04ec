"""Keyset (cursor) pagination: every list answers ``{"items": [...], "next_cursor": ...}``."""

from marshmallow import Schema, fields


def page_schema(item_schema, name: str) -> type[Schema]:
    """An output schema for one page of ``item_schema`` items."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "next_cursor": fields.Integer(allow_none=True)},
        name=name,
    )


def paginate(stmt, id_column, params: dict) -> dict:
    """One page of ``stmt`` in ascending ``id_column`` order after the ``after`` cursor."""
    from .extensions import db

    limit = params.get("limit", 20)
    if params.get("after"):
        stmt = stmt.where(id_column > params["after"])
    rows = list(db.session.execute(stmt.order_by(id_column).limit(limit + 1)).scalars())
    cursor = getattr(rows[limit - 1], id_column.key) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": cursor}
