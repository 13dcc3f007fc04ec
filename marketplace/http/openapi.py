"""The API contract: the error envelope and the statuses every operation can answer, documented as
they really are, and the one request check the OpenAPI document drives (documented query parameters
are the only accepted ones).

``configure_api`` runs before ``api.init_app``; ``complete_document`` and ``init_request_checks`` run
after every blueprint is registered. Nothing here names a domain: what an operation can answer is
derived from its route (secured, path parameters, a body, the method, a rate limit).
"""

from __future__ import annotations

import http
from collections.abc import Callable

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields

from ..errors import InvalidInputError

SECURITY_SCHEME = "bearerAuth"
BODY_METHODS = frozenset({"post", "put", "patch"})
CHANGE_METHODS = frozenset({"post", "put", "patch", "delete"})
DOC_METHODS = ("get", "put", "post", "delete", "patch")

#: status -> what it means in this API (the description of the documented response)
ERROR_STATUSES = {
    400: "The request body is not valid JSON (code ``bad_request``).",
    401: "No bearer token, or an unknown, revoked or expired one (codes ``unauthorized``, ``bad_token``).",
    403: "The caller's organisation kind or role may not do this (code ``forbidden``).",
    404: "No such object (in the path, or one the body refers to), or it belongs to another organisation: we "
         "never say which (code ``not_found``).",
    409: "The object is not in a state that allows this, or the Idempotency-Key was used for another "
         "request (codes ``conflict``, ``illegal_transition``, ...).",
    413: "The request body is too large (code ``too_large``).",
    415: "The body is not in the documented content type (code ``unsupported_media_type``).",
    422: "Invalid input, unknown query parameters or body fields; ``fields`` nests the messages like the "
         "request (code ``invalid``).",
    429: "Too many requests; retry after the ``Retry-After`` seconds (code ``rate_limited``).",
    502: "A payment provider did not answer; nothing changed (code ``gateway_unavailable``).",
}


class ErrorDetailSchema(Schema):
    """The body of every error answer."""

    code = fields.String(required=True, metadata={"description": "a stable machine code, e.g. ``invalid``, "
                                                                 "``not_found``, ``illegal_transition``"})
    message = fields.String(required=True, metadata={"description": "a sentence for a person"})
    fields_ = fields.Dict(keys=fields.String(), data_key="fields", metadata={
        "description": 'field messages nested like the request: ``{"lines": {"0": {"unit_price": ["..."]}}}``'})
    details = fields.Dict(keys=fields.String(), metadata={
        "description": 'facts that explain a refusal, e.g. ``{"state": "funded", "allowed": ["ship"]}`` on an '
                       'illegal transition, ``{"expected": "1250000", "currency": "VND"}`` on an amount mismatch'})


class ErrorSchema(Schema):
    """``{"error": {"code", "message", "fields"}}``: the one error envelope."""

    error = fields.Nested(ErrorDetailSchema, required=True)


def configure_api(api: Api) -> None:
    """Before ``api.init_app``: document errors with the real envelope, and no catch-all ``default``
    response (every status an operation answers is listed, so an undocumented one shows)."""
    api.ERROR_SCHEMA = ErrorSchema
    api.DEFAULT_ERROR_RESPONSE_NAME = None


def _operations(app: Flask, api: Api):
    """``(rule, method, (method function, view function), path item)`` for every documented operation.

    A MethodView's ``decorators`` wrap the view function, its method decorators the method: both count.
    """
    paths = api.spec._paths  # apispec keeps the resolved document here; it has no public accessor
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if not isinstance(blueprint, SmorestBlueprint):
            continue
        item = paths.get(api.flask_plugin.flaskpath2openapi(rule.rule), {})
        view = app.view_functions[rule.endpoint]
        for method in DOC_METHODS:
            if method in item and method.upper() in (rule.methods or ()):
                func = getattr(getattr(view, "view_class", None), method, None) or view
                yield rule, method, (func, view), item


def _rate_limited(limiter: Limiter | None, app: Flask, func: Callable) -> bool:
    if limiter is None:
        return False
    with app.app_context():  # limits may be callables reading the app's settings
        return bool(limiter.limit_manager.decorated_limits(get_qualified_name(func)))


def complete_document(app: Flask, api: Api, limiter: Limiter | None = None) -> None:
    """Mark each operation's security and list every error status it can answer, from its route:
    secured -> 401/403; path parameters or a body -> 404; a body -> 400/413/415; changes -> 409; rate limited
    -> 429; every operation -> 422 (unknown query parameters are refused everywhere). An operation that can
    answer more (a 404 without an id, a 502 from a payment provider) declares it with
    ``@blp.alt_response(status, response="NOT_FOUND" | "BAD_GATEWAY" | ...)``."""
    components = api.spec.components
    if "Error" not in components.schemas:
        components.schema("Error", schema=ErrorSchema)
    refs: dict[int, dict] = {}
    for status, description in ERROR_STATUSES.items():
        name = http.HTTPStatus(status).name
        components.responses_lazy.pop(name, None)
        # replaces flask-smorest's (already referenced by @blp.arguments) with our description
        components.responses[name] = {"description": description, "content": {
            "application/json": {"schema": components.get_ref("schema", "Error")}}}
        refs[status] = components.get_ref("response", name)
    for rule, method, funcs, item in _operations(app, api):
        operation = item[method]
        secured = any(getattr(f, "_login_required", False) for f in funcs)
        if secured:
            operation["security"] = [{SECURITY_SCHEME: []}]
        elif method == "get":
            operation["security"] = [{}, {SECURITY_SCHEME: []}]  # public; a token may change what is seen
        else:
            operation["security"] = []
        statuses = {422}
        if secured:
            statuses |= {401, 403}
        has_body = "requestBody" in operation or method in BODY_METHODS
        if rule.arguments or has_body:  # an id in the path, or one the body refers to
            statuses.add(404)
        if has_body:
            statuses |= {400, 413, 415}
        if method in CHANGE_METHODS:
            statuses.add(409)
        if any(_rate_limited(limiter, app, f) for f in funcs):
            statuses.add(429)
        responses = operation.setdefault("responses", {})
        for status in sorted(statuses):
            responses.setdefault(str(status), refs[status])


def _documented_query_parameters(app: Flask, api: Api) -> dict[tuple[str, str], frozenset[str]]:
    accepted = {}
    for rule, method, _funcs, item in _operations(app, api):
        params = [*item.get("parameters", []), *item[method].get("parameters", [])]
        accepted[(rule.rule, method.upper())] = frozenset(
            p["name"] for p in params if isinstance(p, dict) and p.get("in") == "query")
    return accepted


def init_request_checks(app: Flask, api: Api) -> None:
    """Refuse (422) any query parameter an operation does not document: documented == accepted."""
    accepted = _documented_query_parameters(app, api)

    @app.before_request
    def _refuse_undocumented_query_parameters():
        if not request.args or request.url_rule is None:
            return None
        names = accepted.get((request.url_rule.rule, request.method))
        if names is None:  # not an API operation (docs, health) or a method the document does not list
            return None
        unknown = sorted(set(request.args) - names)
        if unknown:
            raise InvalidInputError("The request has invalid fields.",
                                    fields={name: ["Unknown field."] for name in unknown})
        return None
