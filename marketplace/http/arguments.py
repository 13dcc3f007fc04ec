"""Request arguments: the webargs parser every blueprint uses, and the id converter for URLs.

The parser refuses, as bad input (422, never a 500), values that PostgreSQL cannot store: integers
outside BIGINT, text with NUL characters or lone surrogates, times before year 1. It answers a body
that is not valid JSON with a 400 and a body in the wrong content type with a 415, and reads an upload
and its fields together (location ``form_and_files``). Unknown query parameters are refused before
parsing, against the documented ones (:func:`marketplace.http.openapi.init_request_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  #: PostgreSQL BIGINT, the type of every id column
FORM_MIMETYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
INVALID_JSON = "The request body is not valid JSON."


def unstorable_text(value: str) -> str | None:
    """Why PostgreSQL cannot store ``value`` as text (NUL, a lone surrogate), or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\udc00": valid JSON, not valid UTF-8
        return "must not contain lone surrogates (invalid Unicode)"
    return None


def _unstorable(value: Any, *, text_only: bool = False) -> Any:
    """Field messages (nested like the input) for values PostgreSQL cannot store, or None.

    ``text_only`` checks strings and keys only: the raw body, before the schema converts it.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not text_only:
        return ["is out of range"] if not -MAX_ID - 1 <= value <= MAX_ID else None
    if isinstance(value, str):
        problem = unstorable_text(value)
        return [problem] if problem else None
    if isinstance(value, datetime) and value.tzinfo is not None and not text_only:
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
        if isinstance(key, str) and unstorable_text(key):
            errors["_schema"] = [f"keys {unstorable_text(key)}"]
            continue
        problem = _unstorable(item, text_only=text_only)
        if problem is not None:
            errors[str(key)] = problem
    return errors or None


def _has_body(req) -> bool:
    return bool(req.content_length) or bool(req.get_data(cache=True))


class ApiParser(FlaskParser):
    """webargs' Flask parser with the contract's rules: storable values, 400/415 for the body, and
    ``form_and_files`` (one ``multipart/form-data`` body: fields and files, unknown ones refused)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "form_and_files": ma.RAISE}
    __location_map__ = {**FlaskParser.__location_map__, "form_and_files": "load_form_and_files"}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if _has_body(req):  # read as empty, it would turn into a misleading "Missing data"
                raise UnsupportedMediaType("Send the request body as JSON (Content-Type: application/json).")
            return core.missing
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:  # very deep nesting; integers beyond Python's digit limit
            raise json.JSONDecodeError(f"the JSON body cannot be decoded: {type(exc).__name__}", "?", 0) from None

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise BadRequest(INVALID_JSON)

    def _check_form_body(self, req) -> None:
        if req.mimetype not in FORM_MIMETYPES and _has_body(req):
            raise UnsupportedMediaType("Send the request body as multipart/form-data.")

    def load_form(self, req, schema):
        self._check_form_body(req)
        return super().load_form(req, schema)

    def load_files(self, req, schema):
        self._check_form_body(req)
        return super().load_files(req, schema)

    def load_form_and_files(self, req, schema):
        """The fields and the files of a ``multipart/form-data`` body, as one mapping."""
        self._check_form_body(req)
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        # text first, on the raw input: a validator must never see a string that cannot be encoded
        problems = _unstorable(location_data, text_only=True) if isinstance(location_data, (dict, list)) else None
        if problems:
            raise ValidationError(problems)
        data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        problems = _unstorable(data)
        if problems:
            raise ValidationError(problems)
        return data


def _up_to(limit: int) -> str:
    """A regex matching exactly the decimal numbers ``0..limit`` (leading zeros allowed)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, ch in enumerate(digits):
        if ch != "0":
            rest = len(digits) - i - 1
            options.append(f"{digits[:i]}[0-{int(ch) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, bounded to BIGINT: a larger id matches no route (404) instead of failing in SQL.

    The bound is in the regex, not only in ``to_python``: Werkzeug answers 405 when a converter refuses a
    path that another rule (same URL, another method) matched first.
    """

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)
        if not fixed_digits and not signed and max is not None:
            self.regex = _up_to(max)
