"""Request arguments: the webargs parser every blueprint uses, and the id converter for URLs.

Both refuse, as bad input, values that PostgreSQL cannot store (so they never turn into a 500):
integers outside BIGINT, text containing NUL characters, times before year 1, JSON nested too deeply
(or with numbers too long) to decode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  #: PostgreSQL BIGINT, the type of every id column


def _unstorable(value: Any) -> Any:
    """Field messages (nested like the input) for values PostgreSQL cannot store, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return ["is out of range"] if not -MAX_ID - 1 <= value <= MAX_ID else None
    if isinstance(value, str):
        return ["must not contain NUL characters"] if "\x00" in value else None
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            value.astimezone(timezone.utc)
        except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
            return ["is out of range"]
        return None
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    errors = {}
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            errors["_schema"] = ["keys must not contain NUL characters"]
            continue
        problem = _unstorable(item)
        if problem is not None:
            errors[str(key)] = problem
    return errors or None


class ApiParser(FlaskParser):
    """webargs' Flask parser, plus the storability checks above on every loaded argument."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:  # very deep nesting; integers beyond Python's digit limit
            raise json.JSONDecodeError(f"the JSON body cannot be decoded: {type(exc).__name__}", "?", 0) from None

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        problems = _unstorable(data)
        if problems:
            raise ValidationError(problems)
        return data


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, bounded to BIGINT: a larger id matches no route (404) instead of failing in SQL."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)

