"""Schemathesis over every operation of the OpenAPI document, in-process (WSGI), as anonymous, buyer,
vendor and platform admin, against a seeded world: no server error, every response conforms to its
documented schema, status code and content type.

Bounded: ``SCHEMATHESIS_EXAMPLES`` examples (default 10) per operation and identity, half of them with
the ids of real objects in the path. Failures are collected over the whole run, then reported grouped
by operation and check (the first message of each), so one run shows everything that is left.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))  #: valid requests per operation and identity
NEGATIVE_EXAMPLES = int(os.environ.get("SCHEMATHESIS_NEGATIVE_EXAMPLES", "4"))  #: invalid ones (wrong types, unknown ...)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _seed(api) -> tuple[dict, dict[str, int]]:
    """Identities (name -> e-mail, None for anonymous) and the ids of real objects by path-parameter name."""
    world = api.build_world()
    deal = api.funded_deal(world)
    shipped, shipment = api.shipped_deal(world)
    dispute = api.post(f"/deals/{shipped['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "rusty bearings"}, expect=201)
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq)
    vendor = world.vendors[0]
    documents = api.get(f"/vendors/{vendor.org_id}/documents", vendor)
    documents = documents["items"] if isinstance(documents, dict) else documents
    products = api.get("/products", vendor)["items"]
    ids = {
        "deal_id": deal["id"], "rfq_id": rfq["id"], "quote_id": quote["id"], "vendor_id": vendor.org_id,
        "org_id": world.buyer.org_id, "organization_id": world.buyer.org_id, "product_id": products[0]["id"],
        "document_id": documents[0]["id"] if documents else 1, "user_id": world.buyer.user_id,
        "shipment_id": shipment["id"], "dispute_id": dispute["id"], "report_id": report["id"],
    }
    identities = {"anonymous": None, "buyer": world.buyer.email, "vendor": vendor.email, "admin": world.admin.email}
    return identities, ids


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


def test_every_operation_as_every_identity(app, api, capsys):
    identities, ids = _seed(api)
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
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except FailureGroup as group:
                        for failure in group.exceptions:
                            failures[(operation.label, failure.title)].setdefault(who, _first_line(failure))
                    except AssertionError as failure:
                        failures[(operation.label, type(failure).__name__)].setdefault(who, _first_line(failure))

                try:
                    run()
                except Unsatisfiable:  # nothing invalid to send (e.g. no parameters and no body)
                    pass
    elapsed = time.monotonic() - started
    summary = (f"schemathesis: {len(operations)} operations x {len(identities)} identities, "
               f"{sum(cases.values())} cases ({dict(cases)}) in {elapsed:.0f}s; statuses {dict(sorted(statuses.items()))}; "
               f"{len(failures)} failing (operation, check) pairs")
    never = sorted(op.label for op in operations if not succeeded[op.label])
    with capsys.disabled():
        print("\n" + summary)
        print(f"  {len(operations) - len(never)} operations answered 2xx at least once; never: {', '.join(never)}")
        for (label, title), by_who in sorted(failures.items()):
            print(f"  FAIL {label} [{title}] as {', '.join(sorted(by_who))}: {next(iter(by_who.values()))}")
    assert not failures, summary
