"""Rate-limit keys for flask-limiter: the client address, optionally narrowed by one field of the JSON body."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import request
from flask_limiter.util import get_remote_address

#: the longest field value that counts: longer values are cut, so a huge body cannot make a huge key
MAX_FIELD_CHARS = 254


def body_field(name: str) -> str:
    """The JSON body's string field ``name``, stripped and lower-cased; ``""`` when absent, not a string or the body
    is not a JSON object (the argument parser answers those with a 400 or 422 afterwards)."""
    try:
        body = request.get_json(silent=True)  # Flask caches it for this request
    except RecursionError:  # hostile nesting: the argument parser answers it with a 400
        body = None
    value = body.get(name) if isinstance(body, dict) else None
    return value.strip().lower()[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


def key_part(text: str) -> str:
    """``text`` as a fixed-length token safe in a Redis key: no separators, no lone surrogates, no raw personal
    data stored in Redis."""
    # a lone surrogate cannot be encoded as UTF-8: escape it instead of failing (the parser then answers 422)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:32]


def address_and_field(name: str) -> Callable[[], str]:
    """A limiter ``key_func``: the client address plus the body field ``name`` (e.g. the account tried at a log-in),
    so guessing one account's secret slows down without locking out others behind the same address."""

    def key() -> str:
        return f"{get_remote_address()}:{key_part(body_field(name))}"

    key.__name__ = f"address_and_{name}"
    return key
