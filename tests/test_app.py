"""The application shell: OpenAPI document and docs page, settings, error envelope (the contract itself,
migrations included, is tested in ``tests/contract``)."""

from __future__ import annotations

import json

import pytest

from marketplace.settings import SettingsError, load_settings


def test_openapi_document_lists_the_main_resources_and_bearer_auth(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = json.loads(resp.get_data(as_text=True))
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    for path in ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/me", "/api/v1/products",
                 "/api/v1/rfqs", "/api/v1/rfqs/{rfq_id}/quotes", "/api/v1/rfqs/{rfq_id}/award",
                 "/api/v1/deals", "/api/v1/deals/{deal_id}", "/api/v1/deals/{deal_id}/payments",
                 "/api/v1/deals/{deal_id}/shipments", "/api/v1/deals/{deal_id}/disputes",
                 "/api/v1/disputes/{dispute_id}", "/api/v1/admin/bank-transfers"):
        assert path in paths, path
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    # input schemas are documented: registering needs an e-mail
    register = doc["paths"]["/api/v1/auth/register"]["post"]
    assert "requestBody" in register


def test_docs_page_is_html(client):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert "openapi.json" in resp.get_data(as_text=True)


@pytest.mark.parametrize("name, value", [
    ("PLATFORM_COMMISSION_BPS", "abc"),
    ("PLATFORM_COMMISSION_BPS", "10001"),
    ("PLATFORM_COMMISSION_BPS", "-1"),
    ("DEFAULT_CURRENCY", "XXX"),
    ("INSPECTION_DAYS", "-3"),
    ("SHIP_BY_DAYS", "two weeks"),
    ("RQ_ASYNC", "maybe"),
])
def test_settings_fail_fast_on_bad_values(name, value):
    with pytest.raises(SettingsError):
        load_settings(environ={name: value})
    with pytest.raises(SettingsError):
        load_settings({name: value}, environ={})


def test_settings_read_the_environment_and_overrides_win():
    settings = load_settings({"INSPECTION_DAYS": 3}, environ={"INSPECTION_DAYS": "9", "PLATFORM_COMMISSION_BPS": "250",
                                                              "DEFAULT_CURRENCY": "USD"})
    assert settings["INSPECTION_DAYS"] == 3
    assert settings["PLATFORM_COMMISSION_BPS"] == 250
    assert settings["DEFAULT_CURRENCY"] == "USD"


def test_unknown_route_answers_404_envelope(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    err = resp.get_json()["error"]
    assert err["code"] == "not_found" and err["message"]


def test_malformed_json_answers_400_envelope(client):
    resp = client.post("/api/v1/auth/login", data='{"email": ', content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json() == {"error": {"code": "bad_request", "message": "The request body is not valid JSON."}}


def test_json_sent_as_text_answers_415_envelope(client):
    resp = client.post("/api/v1/auth/login", data='{"email": "a@example.test", "password": "x"}',
                       content_type="text/plain")
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


def test_lone_surrogate_in_login_without_token_answers_422(client):
    resp = client.post("/api/v1/auth/login", data='{"email": "\\udc00x", "password": "x"}',
                       content_type="application/json")
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert "email" in resp.get_json()["error"]["fields"]


def test_wrong_method_answers_405_envelope(client):
    resp = client.delete("/api/v1/auth/login")
    assert resp.status_code == 405
    err = resp.get_json()["error"]
    assert err["code"] == "method_not_allowed" and err["message"]


def test_every_api_blueprint_parses_with_the_storability_checks(app):
    """Values PostgreSQL cannot store (NUL, lone surrogates, ids beyond BIGINT) are refused by every blueprint's parser."""
    from flask_smorest import Blueprint

    from marketplace.http.arguments import ApiParser

    api_blueprints = [bp for bp in app.blueprints.values() if isinstance(bp, Blueprint)]
    assert api_blueprints
    for bp in api_blueprints:
        assert isinstance(getattr(bp, "ARGUMENTS_PARSER", None), ApiParser), bp.name
