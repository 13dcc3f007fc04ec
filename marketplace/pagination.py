"""Keyset (cursor) pagination: every list answers ``{"items": [...], "next_cursor": ...}``."""

from marshmallow import Schema, fields


def page_schema(item_schema, name: str) -> type[Schema]:
    """An output schema for one page of ``item_schema`` items."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "next_cursor": fields.Integer(allow_none=True)},
        name=name,
    )
