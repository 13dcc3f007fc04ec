"""The OpenAPI document: it validates, documents the real error envelope, who needs a token, every
error status each operation can answer, and uploads as OpenAPI 3 multipart request bodies."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def document(app):
    resp = app.test_client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return json.loads(resp.get_data(as_text=True))


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method], item.get("parameters", [])


def test_document_validates_as_openapi_3(document):
    assert document["openapi"].startswith("3.")
    validate(document)


def test_error_envelope_is_documented_as_it_is(document):
    schemas = document["components"]["schemas"]
    envelope = schemas["Error"]
    assert envelope["required"] == ["error"]
    detail = schemas[envelope["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert set(detail["properties"]) == {"code", "message", "fields", "details"}
    assert set(detail["required"]) == {"code", "message"}
    for name, response in document["components"]["responses"].items():
        if name.startswith(("4", "5")) or name.isupper():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            assert schema == {"$ref": "#/components/schemas/Error"}, name


def test_register_login_and_webhooks_need_no_token(document):
    paths = document["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/login"):
        assert paths[path]["post"]["security"] == [], path
    outbound = ("/api/v1/webhooks/endpoints", "/api/v1/webhooks/deliveries", "/api/v1/webhooks/event-types")
    webhooks = [p for p in paths if "/webhooks/" in p and not p.startswith(outbound)]  # inbound: signed, no token
    assert webhooks
    for path in webhooks:
        assert paths[path]["post"]["security"] == [], path
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert {} in paths["/api/v1/products"]["get"]["security"]  # public; a token is optional


def test_every_operation_documents_a_success_and_its_error_statuses(document):
    problems = []
    for path, method, op, path_params in _operations(document):
        responses = op.get("responses", {})
        codes = set(responses)
        where = f"{method.upper()} {path}"
        if "default" in codes:
            problems.append(f"{where}: a catch-all 'default' response hides undocumented statuses")
        if not any(c.startswith("2") for c in codes):
            problems.append(f"{where}: no success response")
        for code, response in responses.items():
            if code.startswith("2") and code != "204" and "$ref" not in response and "content" not in response:
                problems.append(f"{where}: {code} has no schema")
        secured = op.get("security") == [{"bearerAuth": []}]
        expected = {"422"}
        if secured:
            expected |= {"401", "403"}
        if any(p.get("in") == "path" for p in [*path_params, *op.get("parameters", [])]):
            expected.add("404")
        if "requestBody" in op:
            expected |= {"400", "404", "413", "415"}
        if method in ("post", "put", "patch", "delete"):
            expected.add("409")
        missing = expected - codes
        if missing:
            problems.append(f"{where}: undocumented {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_rate_limited_operations_document_429(document):
    for path in ("/api/v1/auth/register", "/api/v1/auth/login"):
        assert "429" in document["paths"][path]["post"]["responses"], path


def test_operation_specific_statuses_are_documented(document):
    """What a route cannot tell: wrong credentials on login, a payment provider that does not answer."""
    paths = document["paths"]
    assert "401" in paths["/api/v1/auth/login"]["post"]["responses"]
    assert "502" in paths["/api/v1/vendors/{vendor_id}/payout-account/stripe"]["post"]["responses"]


def test_uploads_are_one_multipart_request_body(document):
    """No Swagger 2 ``formData`` parameters: a file and its fields are one multipart/form-data body."""
    uploads = 0
    for path, method, op, _ in _operations(document):
        assert all(p.get("in") != "formData" for p in op.get("parameters", [])), f"{method} {path}"
        content = op.get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            uploads += 1
            assert len(content) == 1, f"{method} {path}"
    assert uploads >= 1
    docs = document["paths"]["/api/v1/vendors/{vendor_id}/documents"]["post"]["requestBody"]["content"]
    ref = docs["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = document["components"]["schemas"][ref]["properties"]
    assert (properties["file"]["type"], properties["file"]["format"]) == ("string", "binary")
    assert "kind" in properties


def test_undocumented_query_parameters_are_refused_everywhere(app, document):
    """documented == accepted: an operation without query parameters refuses any query string."""
    client = app.test_client()
    resp = client.get("/api/v1/me?debug=1")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"] == {"debug": ["Unknown field."]}
    resp = client.get("/api/v1/products?limit=5&bogus=x")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"] == {"bogus": ["Unknown field."]}
    assert client.get("/api/v1/products?limit=5").status_code == 200
