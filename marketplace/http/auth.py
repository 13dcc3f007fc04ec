"""The one place that reads the ``Authorization`` header."""

from __future__ import annotations

from flask import request


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
