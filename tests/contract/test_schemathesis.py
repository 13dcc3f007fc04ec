"""Schemathesis over every operation of the OpenAPI document, in-process (WSGI), as anonymous, buyer,
vendor and platform admin, against a seeded world: no server error, every response conforms to its
documented schema, status code and content type.

First every known-good request of the seeded world (``conftest.seed``: one per state-changing operation, each on
an object of its own, so one-shot actions succeed too) is sent and checked; then generated requests: bounded,
``SCHEMATHESIS_EXAMPLES`` examples (default 10) per operation and identity, half of them with the ids of real
objects in the path, derandomized. Failures are collected over the whole run, then reported grouped by
operation and check (the first message of each), so one run shows everything that is left. Every operation must
have answered 2xx at least once (its success schema checked), except those in ``NEVER_2XX``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter, defaultdict

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))  #: valid requests per operation and identity
NEGATIVE_EXAMPLES = int(os.environ.get("SCHEMATHESIS_NEGATIVE_EXAMPLES", "4"))  #: invalid ones (wrong types, unknown ...)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

#: operations allowed to never answer 2xx in a run, with the reason. Empty: every operation, one-shot actions
#: included, succeeds on an object of its own seeded in ``conftest.seed``. Prefer seeding over adding here.
NEVER_2XX: dict[str, str] = {}


def _strategy(operation, ids: dict[str, int], mode: GenerationMode):
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    known = {name: ids[name] for name in names if name in ids}
    if not known:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=known))


def _first_line(failure: BaseException) -> str:
    text = str(failure).strip()
    if isinstance(failure, Failure):
        text = f"{failure.title}: {failure.message}".strip()
    return " ".join(text.split())[:400]


def _check(case, response, failures: dict, who: str) -> None:
    """Run the checks on one response; record the first message of each failing check per identity."""
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        for failure in group.exceptions:
            failures[(case.operation.label, failure.title)].setdefault(who, _first_line(failure))
    except AssertionError as failure:
        failures[(case.operation.label, type(failure).__name__)].setdefault(who, _first_line(failure))


def _known_good(operation, success, headers: dict):
    """The seeded request as a schemathesis case of ``operation`` (an Idempotency-Key where one is declared)."""
    headers = {**headers, **(success.headers or {})}
    if any(p.name == "Idempotency-Key" for p in operation.headers):
        headers["Idempotency-Key"] = uuid.uuid4().hex
    media_type = None
    if success.body is not None:
        media_type = "multipart/form-data" if isinstance(success.body, dict) and any(
            isinstance(v, bytes) for v in success.body.values()) else "application/json"
    return operation.Case(path_parameters=dict(success.path_parameters), query=success.query, headers=headers,
                          body=NOT_SET if success.body is None else success.body, media_type=media_type)


def test_every_operation_as_every_identity(app, api, seeded, capsys):
    identities, ids = seeded.identities, seeded.ids
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations, broken = [], []
    for result in schema.get_all_operations():
        try:
            operations.append(result.ok())
        except AttributeError:
            broken.append(str(result.err()))
    assert not broken, broken

    cases = Counter()
    failures: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (operation, title) -> identity: message
    statuses = Counter()
    succeeded = Counter()  # operation -> 2xx answers: response schemas are only exercised by those
    started = time.monotonic()
    by_label = {op.label: op for op in operations}
    assert not {s.label for s in seeded.successes} - set(by_label), "seeded requests for unknown operations"
    refused = []  # known-good requests that did not answer 2xx
    for success in seeded.successes:
        operation = by_label[success.label]
        case = _known_good(operation, success, api.login(success.who).headers if success.who else {})
        response = case.call()
        cases["seeded"] += 1
        statuses[response.status_code // 100] += 1
        if response.status_code < 300:
            succeeded[operation.label] += 1
        else:
            refused.append(f"{success.label} as {success.who}: {response.status_code} {response.text[:300]}")
        _check(case, response, failures, "seeded")
    for operation in operations:
        for who, email in identities.items():
            # a fresh token each time: an earlier case may have logged the last one out
            headers = api.login(email).headers if email else {}
            for mode, examples in ((GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):
                if not examples:
                    continue

                @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @given(case=_strategy(operation, ids, mode))
                def run(case):
                    cases[who] += 1
                    response = case.call(headers=dict(headers))
                    statuses[response.status_code // 100] += 1
                    if response.status_code < 300:
                        succeeded[operation.label] += 1
                    _check(case, response, failures, who)

                try:
                    run()
                except Unsatisfiable:  # nothing invalid to send (e.g. no parameters and no body)
                    pass
    elapsed = time.monotonic() - started
    summary = (f"schemathesis: {len(operations)} operations x {len(identities)} identities + seeded requests, "
               f"{sum(cases.values())} cases ({dict(cases)}) in {elapsed:.0f}s; statuses {dict(sorted(statuses.items()))}; "
               f"{len(failures)} failing (operation, check) pairs")
    never = sorted(op.label for op in operations if not succeeded[op.label])
    with capsys.disabled():
        print("\n" + summary)
        print(f"  {len(operations) - len(never)} operations answered 2xx at least once; never: {', '.join(never) or 'none'}")
        if os.environ.get("SCHEMATHESIS_SHOW_2XX"):
            print("  2xx per operation:", sorted((n, label) for label, n in succeeded.items()))
        for line in refused:
            print(f"  REFUSED seeded {line}")
        for (label, title), by_who in sorted(failures.items()):
            print(f"  FAIL {label} [{title}] as {', '.join(sorted(by_who))}: {next(iter(by_who.values()))}")
    assert not failures, summary
    assert not refused, refused  # the seeded world's known-good requests must keep succeeding
    assert set(NEVER_2XX) <= set(by_label), "NEVER_2XX names unknown operations"
    assert not set(never) - set(NEVER_2XX), f"never answered 2xx: {sorted(set(never) - set(NEVER_2XX))}"
