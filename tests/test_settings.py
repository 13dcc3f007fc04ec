"""Configuration: every key the code reads is declared, typed and validated in ``settings.SPEC``."""

from __future__ import annotations

import re

import pytest

from marketplace.settings import PROJECT_ROOT, SPEC, SettingsError, load_settings

#: keys create_app sets for Flask and its extensions from the SPEC values
FRAMEWORK_KEYS = {"SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI", "TESTING"}
READ = re.compile(r"""(?:config|cfg)(?:\.get\(|\[)["']([A-Z][A-Z0-9_]+)["']""")


def test_every_key_the_code_reads_is_in_the_spec():
    read = {(path.relative_to(PROJECT_ROOT).as_posix(), key)
            for path in (PROJECT_ROOT / "marketplace").rglob("*.py")
            for key in READ.findall(path.read_text(encoding="utf-8"))}
    assert sorted((path, key) for path, key in read if key not in SPEC and key not in FRAMEWORK_KEYS) == []


def test_defaults_have_their_declared_types():
    settings = load_settings({}, {})
    for name, (kind, default) in SPEC.items():
        assert default is None or isinstance(settings[name], kind), name


@pytest.mark.parametrize("name, raw, expected", [
    ("STRIPE_TIMEOUT_SECONDS", "2.5", 2.5),
    ("VENDOR_DOCUMENT_MAX_BYTES", "1048576", 1048576),
    ("SWEEP_INTERVAL_SECONDS", " 30 ", 30),
    ("REDRIVE_AFTER_SECONDS", "600", 600),
    ("STRIPE_CONNECT_COUNTRY", "VN", "VN"),
    ("MARKETPLACE_TEST_PAUSE_AFTER_STRIPE", "stripe.transfer:60", "stripe.transfer:60"),
    ("RQ_ASYNC", "no", False),
])
def test_environment_values_are_coerced(name, raw, expected):
    assert load_settings({}, {name: raw})[name] == expected


@pytest.mark.parametrize("name, raw", [
    ("STRIPE_TIMEOUT_SECONDS", "0"), ("STRIPE_TIMEOUT_SECONDS", "slow"),
    ("VENDOR_DOCUMENT_MAX_BYTES", "-1"), ("PRODUCT_IMPORT_CHUNK_ROWS", "0"),
    ("SWEEP_INTERVAL_SECONDS", "0"), ("SWEEP_INTERVAL_SECONDS", "1.5"), ("REDRIVE_AFTER_SECONDS", "soon"),
    ("MARKETPLACE_TEST_PAUSE_AFTER_STRIPE", "stripe.transfer:later"), ("RQ_ASYNC", "maybe"),
])
def test_bad_values_fail_fast(name, raw):
    with pytest.raises(SettingsError):
        load_settings({}, {name: raw})
