"""The DomainError family and the one JSON error envelope every endpoint answers with.

``{"error": {"code": "...", "message": "...", "fields": {...}}}``
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

#: where the JSON API lives; everything else is pages for people
API_PREFIX = "/api/"


class DomainError(Exception):
    """A refused request; carries its own HTTP status and a stable machine code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 fields: dict[str, Any] | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}  #: messages per input field, nested like the request body
        self.details = details or {}  #: facts that explain the refusal (e.g. the state and what it allows)


class InvalidInputError(DomainError):
    """The input is well-formed JSON but breaks a rule (422).

    ``fields`` is nested like the request body, as marshmallow nests its own messages:
    ``{"lines": {"0": {"unit_price": ["..."]}}}``; build it with :meth:`nest` or :meth:`at`.
    """

    status = 422
    code = "invalid"

    @staticmethod
    def nest(path, *messages: str) -> dict[str, Any]:
        """``("lines", 0, "unit_price"), "bad"`` -> ``{"lines": {"0": {"unit_price": ["bad"]}}}``."""
        if not path:
            return {"_schema": list(messages)}
        out: Any = list(messages)
        for key in reversed(tuple(path)):
            out = {str(key): out}
        return out

    @classmethod
    def at(cls, path, message: str, *, code: str | None = None) -> "InvalidInputError":
        """The error for one field at ``path`` (a tuple of keys and list indexes)."""
        return cls(message, code=code, fields=cls.nest(path, message))


class NotFoundError(DomainError):
    """Absent, or belongs to another organisation: we never say which (404)."""

    status = 404
    code = "not_found"


class ConflictError(DomainError):
    """The subject is not in a state that allows this (409)."""

    status = 409
    code = "conflict"


class IllegalTransitionError(ConflictError):
    """The state machine refuses this transition from the current state (409)."""

    code = "illegal_transition"


class UnauthorizedError(DomainError):
    """No credentials, or credentials we do not accept (401)."""

    status = 401
    code = "unauthorized"


class ForbiddenError(DomainError):
    """Authenticated, but the organisation kind or role may not do this (403)."""

    status = 403
    code = "forbidden"


def envelope(status: int, code: str, message: str, fields: dict[str, Any] | None = None,
             details: dict[str, Any] | None = None):
    """The one error answer: ``{"error": {"code", "message", "fields"?, "details"?}}`` (documented by
    ``http.openapi``): ``fields`` holds messages per input field, ``details`` the facts of a refusal."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def _flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location (``{"json": {...}}``); clients want the fields."""
    fields: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            fields.update(errors)
        else:
            fields[location] = errors
    return fields


def handle_domain_error(exc: DomainError):
    return envelope(exc.status, exc.code, exc.message, exc.fields, exc.details)


def handle_validation_error(exc: ValidationError):
    fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return envelope(422, "invalid", "The request has invalid fields.", fields)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "rate_limited"}


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    fields = None
    message = exc.description or exc.name
    if isinstance(data.get("messages"), dict):
        fields = _flatten_webargs(data["messages"])
        if status == 422:
            message = "The request has invalid fields."
    if status == 400 and "JSON" in (message or ""):
        message = "The request body is not valid JSON."
    if status >= 500:
        return envelope(status, "server_error", "Something went wrong on our side.")
    return envelope(status, _HTTP_CODES.get(status, "error"), message, fields)


def handle_unexpected(exc: Exception):
    """The last resort: log it, answer 500 in the envelope without details."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    current_app.logger.exception("unhandled error")
    return envelope(500, "server_error", "Something went wrong on our side.")


#: renders an error page for people: ``page(status, code, message) -> response`` (None: JSON everywhere)
PageRenderer = Callable[[int, str, str], Any]


def _for_people(handler: Callable, page: PageRenderer | None) -> Callable:
    """The same error as a page outside the API (``/api/``), as the envelope inside it."""
    if page is None:
        return handler

    def handle(exc):
        response, status = handler(exc)
        if request.path.startswith(API_PREFIX) or request.path == "/healthz":
            return response, status
        error = response.get_json()["error"]
        return page(status, error["code"], error["message"])

    return handle


def register_error_handlers(app: Flask, page: PageRenderer | None = None) -> None:
    """One handler each for DomainError, ValidationError and HTTPException (and a last resort); with
    ``page``, requests outside the API get an error page instead of the JSON envelope."""
    app.register_error_handler(DomainError, _for_people(handle_domain_error, page))
    app.register_error_handler(ValidationError, _for_people(handle_validation_error, page))
    app.register_error_handler(HTTPException, _for_people(handle_http_exception, page))
    app.register_error_handler(Exception, _for_people(handle_unexpected, page))
