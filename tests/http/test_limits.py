"""Rate-limit keys: the client address plus a hashed, lower-cased body field; bodies the limiter cannot read
(lone surrogates, hostile nesting, not JSON, not an object) give a key, never an error."""

from __future__ import annotations

import json
import string

import pytest

from marketplace.http.limits import (
    MAX_FIELD_CHARS,
    address_and_field,
    body_field,
    key_part,
)

LOGIN_KEY = address_and_field("email")
DEEP = "[" * 100_000 + "]" * 100_000  # deeper than the JSON decoder can recurse


def _key(app, body, *, address: str = "203.0.113.7", content_type: str = "application/json") -> str:
    """The login limiter's key for a POST with ``body`` (a JSON-able value, or raw ``str``/``bytes``)."""
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    with app.test_request_context("/api/v1/auth/login", method="POST", data=data, content_type=content_type,
                                  environ_base={"REMOTE_ADDR": address}):
        return LOGIN_KEY()


def _field(app, body, content_type: str = "application/json") -> str:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    with app.test_request_context("/", method="POST", data=data, content_type=content_type):
        return body_field("email")


def test_the_key_is_the_address_and_a_fixed_length_hash_of_the_field(app):
    key = _key(app, {"email": "ana@example.test", "password": "x"})
    address, _, digest = key.rpartition(":")
    assert address == "203.0.113.7"
    assert len(digest) == 32 and set(digest) <= set(string.hexdigits.lower())
    assert "ana" not in key and "example" not in key  # no raw personal data in Redis


def test_an_email_counts_the_same_however_it_is_typed(app):
    keys = {_key(app, {"email": e}) for e in ("ana@example.test", "ANA@Example.TEST", "  ana@example.test\n")}
    assert len(keys) == 1


def test_another_email_or_another_address_is_another_key(app):
    ana = _key(app, {"email": "ana@example.test"})
    assert _key(app, {"email": "bao@example.test"}) != ana
    assert _key(app, {"email": "ana@example.test"}, address="198.51.100.1") != ana


def test_the_field_is_cut_so_a_huge_body_cannot_make_a_huge_key(app):
    prefix = "a" * MAX_FIELD_CHARS
    assert _field(app, {"email": prefix + "tail-one"}) == prefix
    assert _key(app, {"email": prefix + "tail-one"}) == _key(app, {"email": prefix + "tail-two"})
    assert len(_key(app, {"email": "x" * 100_000})) == len(_key(app, {"email": "x"}))


@pytest.mark.parametrize("body", [
    {"password": "x"},  # absent
    {"email": None},
    {"email": 42},
    {"email": ["ana@example.test"]},
    {"email": {"nested": "ana@example.test"}},
    ["ana@example.test"],  # not an object
    "ana@example.test",
], ids=["absent", "null", "number", "array", "object", "top-level-array", "top-level-string"])
def test_a_missing_or_non_string_field_counts_as_empty(app, body):
    assert _field(app, body) == ""
    assert _key(app, body) == _key(app, {})


@pytest.mark.parametrize("data", [b"{not json", b"\xff\xfe\x00", b"", DEEP, '{"email": ' * 50_000],
                         ids=["broken", "not-utf8", "empty", "deep-array", "deep-object"])
def test_an_unreadable_body_still_gets_a_key(app, data):
    assert _field(app, data) == ""
    assert _key(app, data) == _key(app, {})


def test_a_body_that_is_not_declared_json_counts_as_empty(app):
    assert _field(app, json.dumps({"email": "ana@example.test"}), content_type="text/plain") == ""


def test_a_lone_surrogate_is_hashed_not_an_error(app):
    raw = '{"email": "\\udc00ana@example.test"}'  # valid JSON, but the string cannot be encoded as UTF-8
    assert _field(app, raw) == "\udc00ana@example.test"
    key = _key(app, raw)
    assert key.startswith("203.0.113.7:") and len(key.rpartition(":")[2]) == 32
    assert key != _key(app, {"email": "ana@example.test"})


@pytest.mark.parametrize("text", ["", "ana@example.test", "a:b:c", "\udc00", "\ud800\udfff", "Nguyễn Văn Ánh", "\x00"])
def test_key_part_is_32_hex_characters_without_separators(text):
    part = key_part(text)
    assert len(part) == 32 and set(part) <= set(string.hexdigits.lower())
    assert part == key_part(text)  # stable: the same account always hits the same counter


def test_the_key_function_is_named_after_its_field():
    assert LOGIN_KEY.__name__ == "address_and_email"
    assert address_and_field("username").__name__ == "address_and_username"


@pytest.mark.parametrize("data", [DEEP, '{"email": "\\udc00x", "password": "x"}', b"\xff"],
                         ids=["deep", "lone-surrogate", "not-utf8"])
def test_a_hostile_login_body_gets_a_client_error_not_a_500(api, data):
    resp = api.call("POST", "/auth/login", data=data, headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["error"]["code"]
