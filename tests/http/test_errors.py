"""Bad input, table-driven across the API: every refusal is a 4xx in the one envelope and changes nothing.

One scene (users, catalog, RFQs and deals in several states) is built for the whole module; each
case snapshots every table's content, the ledger's trial balance and the queues, sends one bad
request, and checks the answer and that the snapshot is unchanged.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from ..factories import PASSWORD, ApiClient

LONG = "x" * 20001
VALID_REGISTER = {"email": "new@example.test", "password": PASSWORD, "name": "New",
                  "organization": {"name": "New Org", "kind": "buyer"}}


# --- the scene ------------------------------------------------------------------------------------


def _truncate(app):
    from marketplace.extensions import db
    from marketplace.jobs import redis_connection

    db.session.rollback()
    db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    conn = redis_connection()
    if os.environ.get("TEST_REDIS_URL"):
        for key in conn.scan_iter("rq:*"):
            conn.delete(key)
    else:
        conn.flushdb()


@pytest.fixture(scope="module", autouse=True)
def _clean(app):
    """Overrides the per-test clean-up: the scene is shared by the module (no case may change it)."""
    _truncate(app)
    yield
    _truncate(app)


@pytest.fixture(scope="module")
def scene(app):
    api = ApiClient(app.test_client())
    world = api.build_world()
    buyer, v1, v2, admin, other = world.buyer, world.vendors[0], world.vendors[1], world.admin, world.other_buyer
    product = api.get("/products?q=6205")["items"][0]

    def rfq_with_quote():
        rfq = api.open_rfq(buyer, [v1])
        return rfq, api.quote(v1, rfq)

    def awarded(rfq, quote):
        return api.post(f"/rfqs/{rfq['id']}/award", buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]

    rfq_open, quote_open = rfq_with_quote()
    rfq_fresh = api.open_rfq(buyer, [v1])  # v1 invited, no quote yet
    rfq_cancelled, quote_cancelled = rfq_with_quote()
    api.post(f"/rfqs/{rfq_cancelled['id']}/cancel", buyer)
    rfq_other = api.open_rfq(other, [v1])
    quote_other = api.quote(v1, rfq_other)

    unpaid = awarded(*rfq_with_quote())
    unpaid_pay = api.post(f"/deals/{unpaid['id']}/payments", buyer, {"gateway": "bank_transfer"})
    funded = api.funded_deal(world)
    released = api.funded_deal(world)
    api.post(f"/deals/{released['id']}/shipments", v1, {}, expect=201)
    api.post(f"/deals/{released['id']}/confirm-delivery", buyer)
    api.post(f"/deals/{released['id']}/accept", buyer)
    disputed = api.funded_deal(world)
    api.post(f"/deals/{disputed['id']}/shipments", v1, {}, expect=201)
    dispute = api.post(f"/deals/{disputed['id']}/disputes", buyer, {"reason": "damaged", "description": "rusty bearings"},
                       expect=201)
    resolved = api.funded_deal(world)
    api.post(f"/deals/{resolved['id']}/shipments", v1, {}, expect=201)
    resolved_dispute = api.post(f"/deals/{resolved['id']}/disputes", buyer,
                                {"reason": "other", "description": "changed our mind"}, expect=201)
    api.post(f"/admin/disputes/{resolved_dispute['id']}/decision", admin, {"rationale": "the evidence shows it", "outcome": "refund"})

    from rq import SimpleWorker

    from marketplace.jobs import all_queues, redis_connection

    SimpleWorker(all_queues(), connection=redis_connection()).work(burst=True)  # release, settle, e-mails
    assert api.get(f"/deals/{released['id']}", buyer)["status"] == "released"
    assert api.get(f"/deals/{resolved['id']}", buyer)["status"] == "resolved"
    outsider = api.verified_vendor(admin, ("US",), "Outsider Vendor")  # after matching ran: never invited
    revoked = api.login(buyer.email)
    api.call("POST", "/auth/logout", revoked, expect=204)

    who = {"buyer": buyer, "v1": v1, "v2": v2, "admin": admin, "other": other, "revoked": revoked,
           "outsider": outsider, "requester": world.buyer_members["requester"], "finance": world.buyer_members["finance"], None: None}
    ids = {
        "buyer_org": buyer.org_id, "v1": v1.org_id, "v2": v2.org_id, "product": product["id"],
        "rfq_open": rfq_open["id"], "rfq_fresh": rfq_fresh["id"], "rfq_cancelled": rfq_cancelled["id"],
        "rfq_other": rfq_other["id"], "quote_open": quote_open["id"], "quote_cancelled": quote_cancelled["id"],
        "quote_other": quote_other["id"], "fresh_line": rfq_fresh["lines"][0]["id"],
        "unpaid": unpaid["id"], "funded": funded["id"], "released": released["id"], "disputed": disputed["id"],
        "resolved": resolved["id"], "dispute": dispute["id"], "resolved_dispute": resolved_dispute["id"],
        "unpaid_ref": unpaid_pay["milestones"][0]["instructions"]["reference"],
        "unpaid_amount": unpaid_pay["milestones"][0]["instructions"]["amount"],
        "funded_ref": funded["milestones"][0]["payment_reference"],
        "funded_amount": funded["milestones"][0]["amount"],
        "disputed_total": disputed["total"],
        "missing": 987654,
    }
    return api, who, ids


# --- the snapshot ---------------------------------------------------------------------------------


def snapshot(app) -> dict:
    """The full content of every table, the trial balance and the queue lengths."""
    from marketplace.escrow import ledger
    from marketplace.extensions import db
    from marketplace.jobs import all_queues

    db.session.remove()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            state[table.name] = conn.execute(sa.text(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table.name}\" t"
            )).one()
    state["trial_balance"] = ledger.trial_balance()
    db.session.remove()
    state["queues"] = {q.name: q.count for q in all_queues()}
    return state


def _differences(before: dict, after: dict) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


def check_refusal(app, api, who, method, path, status, *, json=None, data=None, field=None, code=None,
                  content_type="application/json", message=None):
    before = snapshot(app)
    kw = {"data": data, "content_type": content_type} if data is not None else {}
    resp = api.call(method, path, who, json=json, **kw)
    body = resp.get_json(silent=True)
    text = resp.get_data(as_text=True)[:600]
    assert resp.status_code == status, f"{method} {path} -> {resp.status_code}: {text}"
    assert isinstance(body, dict) and set(body) == {"error"}, text
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"], text
    assert isinstance(err.get("message"), str) and err["message"], text
    if status == 422:
        assert isinstance(err.get("fields"), dict) and err["fields"], f"422 without fields: {text}"
        assert not _is_dotted(err["fields"]), f"field errors must nest like the body, not use dotted keys: {text}"
    if message is not None:
        assert err["message"] == message, text
    if field is not None:
        assert field in _flat_keys(err.get("fields") or {}), f"{field!r} not in {err.get('fields')}"
    if code is not None:
        assert err["code"] == code, text
    after = snapshot(app)
    assert not _differences(before, after), f"{method} {path} changed {_differences(before, after)}"
    return err


def _is_dotted(fields) -> bool:
    """A key such as ``lines.0.unit_price``: the old, flat shape of nested field errors."""
    return any("." in str(key) or (isinstance(value, dict) and _is_dotted(value)) for key, value in fields.items())


def _flat_keys(fields, prefix="") -> set[str]:
    keys = set()
    for key, value in fields.items():
        name = f"{prefix}{key}"
        keys.add(name)
        if isinstance(value, dict):
            keys |= _flat_keys(value, f"{name}.")
    return keys


# --- the cases ------------------------------------------------------------------------------------

#: every endpoint that takes a JSON body: (who, method, path)
BODY_ENDPOINTS = [
    (None, "POST", "/auth/register"),
    (None, "POST", "/auth/login"),
    ("buyer", "POST", "/organizations/{buyer_org}/members"),
    ("v1", "PATCH", "/vendors/{v1}"),
    ("admin", "POST", "/admin/vendors/{v2}/verification"),
    ("v1", "POST", "/products"),
    ("v1", "PATCH", "/products/{product}"),
    ("buyer", "POST", "/rfqs"),
    ("buyer", "POST", "/rfqs/{rfq_fresh}/matches"),
    ("v1", "POST", "/rfqs/{rfq_fresh}/quotes"),
    ("v1", "POST", "/quotes/{quote_open}/revise"),
    ("buyer", "POST", "/quotes/{quote_open}/request-revision"),
    ("buyer", "POST", "/rfqs/{rfq_open}/award"),
    ("buyer", "POST", "/deals/{unpaid}/payments"),
    ("buyer", "POST", "/deals/{unpaid}/cancel"),
    ("v1", "POST", "/deals/{funded}/shipments"),
    ("buyer", "POST", "/deals/{funded}/disputes"),
    ("buyer", "POST", "/disputes/{dispute}/messages"),
    ("admin", "POST", "/admin/disputes/{dispute}/decision"),
    ("admin", "POST", "/admin/bank-transfers"),
    ("admin", "POST", "/admin/deals/{funded}/refund"),
]
BODY_IDS = [f"{m} {p}" for _, m, p in BODY_ENDPOINTS]

BAD_BODIES = [
    ("malformed", {"data": '{"x":'}),
    ("not_utf8", {"data": b'{"x": "\xff\xfe"}'}),
    ("deeply_nested", {"data": "[" * 100000 + "]" * 100000}),
    ("integer_too_long_to_parse", {"data": '{"quantity": 1' + "0" * 5000 + "}"}),
    ("array", {"json": [{"reason": "damaged"}]}),
    ("string", {"json": "hello"}),
    ("number", {"json": 42}),
    ("unknown_field", {"json": {"definitely_not_a_field": 1}}),
    ("text_plain", {"data": '{"reason": "damaged"}', "content_type": "text/plain"}),
    ("form_urlencoded", {"data": "reason=damaged", "content_type": "application/x-www-form-urlencoded"}),
    ("lone_surrogate_value", {"data": '{"reason": "\\udc00x"}'}),
    ("lone_surrogate_key", {"data": '{"\\ud800": "x"}'}),
    ("lone_surrogate_nested", {"data": '{"lines": [{"description": "ok\\udfffok"}]}'}),
]
STATUS_BY_KIND = {"malformed": 400, "not_utf8": 400, "deeply_nested": 400, "integer_too_long_to_parse": 400,
                  "text_plain": 415, "form_urlencoded": 415}


@pytest.mark.parametrize("kind, body", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
@pytest.mark.parametrize("who, method, path", BODY_ENDPOINTS, ids=BODY_IDS)
def test_bad_json_bodies_are_refused_everywhere(app, scene, who, method, path, kind, body):
    api, people, ids = scene
    status = STATUS_BY_KIND.get(kind, 422)
    message = "The request body is not valid JSON." if status == 400 else None
    err = check_refusal(app, api, people[who], method, path.format(**ids), status, message=message, **body)
    assert err["code"] == {400: "bad_request", 415: "unsupported_media_type", 422: "invalid"}[status], err


def _rfq(**changes):
    body = {"title": "Bearings", "lines": [{"description": "6205", "quantity": 10, "unit": "piece"}]}
    body.update(changes)
    return body


def _rfq_line(**changes):
    return _rfq(lines=[{"description": "6205", "quantity": 10, "unit": "piece", **changes}])


def _product(**changes):
    body = {"sku": "NEW-1", "name": "New", "unit": "piece", "price_tiers": [{"min_qty": 1, "unit_price": "1000"}]}
    body.update(changes)
    return body


def _tier(**changes):
    return _product(price_tiers=[{"min_qty": 1, "unit_price": "1000", **changes}])


def _quote(**changes):
    body = {"lead_time_days": 5, "lines": [{"rfq_line_id": "{fresh_line}", "unit_price": "1000", "quantity": 10}]}
    body.update(changes)
    return body


def _quote_line(**changes):
    return _quote(lines=[{"rfq_line_id": "{fresh_line}", "unit_price": "1000", "quantity": 10, **changes}])


def _register(**changes):
    return {**VALID_REGISTER, **changes}


def _register_org(**changes):
    return _register(organization={**VALID_REGISTER["organization"], **changes})


def _member(**changes):
    return {"email": "m@example.test", "name": "M", "password": PASSWORD, "role": "finance", **changes}


def _transfer(**changes):
    return {"reference": "{funded_ref}", "amount": "{funded_amount}", "currency": "VND", **changes}


#: (id, who, method, path, body, status, field or code)
CASES = [
    # accounts
    ("register missing email", None, "POST", "/auth/register", {k: v for k, v in VALID_REGISTER.items() if k != "email"}, 422, "email"),
    ("register bad email", None, "POST", "/auth/register", _register(email="not-an-email"), 422, "email"),
    ("register email int", None, "POST", "/auth/register", _register(email=12), 422, "email"),
    ("register short password", None, "POST", "/auth/register", _register(password="short"), 422, "password"),
    ("register long name", None, "POST", "/auth/register", _register(name="n" * 201), 422, "name"),
    ("register name bool", None, "POST", "/auth/register", _register(name=True), 422, "name"),
    ("register org string", None, "POST", "/auth/register", _register(organization="Acme"), 422, "organization"),
    ("register platform", None, "POST", "/auth/register", _register_org(kind="platform"), 422, "organization.kind"),
    ("register bad currency", None, "POST", "/auth/register", _register_org(currency="XXX"), 422, "organization.currency"),
    ("register bad country", None, "POST", "/auth/register", _register_org(country="vn"), 422, "organization.country"),
    ("register org unknown field", None, "POST", "/auth/register", _register_org(approval_threshold=1), 422,
     "organization.approval_threshold"),
    ("register duplicate email", None, "POST", "/auth/register", _register(email="{buyer_email}"), 409, "email_taken"),
    ("login missing password", None, "POST", "/auth/login", {"email": "a@example.test"}, 422, "password"),
    ("login org id string", None, "POST", "/auth/login", {"email": "a@example.test", "password": "x", "organization_id": "1"}, 422, "organization_id"),
    ("login wrong password", None, "POST", "/auth/login", {"email": "{buyer_email}", "password": "wrong-password"}, 401, "bad_credentials"),
    ("member bad role", "buyer", "POST", "/organizations/{buyer_org}/members", _member(role="sales"), 422, "role"),
    ("member long role", "buyer", "POST", "/organizations/{buyer_org}/members", _member(role="r" * 40), 422, "role"),
    ("member missing email", "buyer", "POST", "/organizations/{buyer_org}/members", {"name": "M", "password": PASSWORD, "role": "finance"}, 422, "email"),
    ("member by requester", "requester", "POST", "/organizations/{buyer_org}/members", _member(), 403, "forbidden"),
    ("member other org", "other", "POST", "/organizations/{buyer_org}/members", _member(), 404, "not_found"),
    ("members unknown org", "buyer", "GET", "/organizations/{missing}/members", None, 404, "not_found"),
    # vendors
    ("vendor patch other vendor", "v2", "PATCH", "/vendors/{v1}", {"description": "mine now"}, 404, "not_found"),
    ("vendor patch status", "v1", "PATCH", "/vendors/{v1}", {"status": "verified"}, 422, "status"),
    ("vendor patch capacity negative", "v1", "PATCH", "/vendors/{v1}", {"monthly_capacity": -1}, 422, "monthly_capacity"),
    ("vendor patch capacity string", "v1", "PATCH", "/vendors/{v1}", {"monthly_capacity": "100"}, 422, "monthly_capacity"),
    ("vendor patch regions string", "v1", "PATCH", "/vendors/{v1}", {"regions": "VN"}, 422, "regions"),
    ("vendor patch by buyer", "buyer", "PATCH", "/vendors/{v1}", {"description": "x"}, 403, "forbidden"),
    ("vendor unknown", None, "GET", "/vendors/{missing}", None, 404, "not_found"),
    ("verification bad decision", "admin", "POST", "/admin/vendors/{v2}/verification", {"decision": "approve"}, 422, "decision"),
    ("verification reject no reason", "admin", "POST", "/admin/vendors/{v2}/verification", {"decision": "reject"}, 422, "reason"),
    ("verification unknown vendor", "admin", "POST", "/admin/vendors/{missing}/verification", {"decision": "verify"}, 404, "not_found"),
    ("verification reject verified", "admin", "POST", "/admin/vendors/{v2}/verification", {"decision": "reject", "reason": "late"}, 409, "illegal_transition"),
    ("verification by vendor", "v1", "POST", "/admin/vendors/{v1}/verification", {"decision": "verify"}, 403, "forbidden"),
    # products
    ("product missing sku", "v1", "POST", "/products", {k: v for k, v in _product().items() if k != "sku"}, 422, "sku"),
    ("product sku spaces", "v1", "POST", "/products", _product(sku="A B"), 422, "sku"),
    ("product long name", "v1", "POST", "/products", _product(name="n" * 301), 422, "name"),
    ("product long description", "v1", "POST", "/products", _product(description=LONG + "x" * 1000), 422, "description"),
    ("product moq zero", "v1", "POST", "/products", _product(moq=0), 422, "moq"),
    ("product moq negative", "v1", "POST", "/products", _product(moq=-5), 422, "moq"),
    ("product moq string", "v1", "POST", "/products", _product(moq="10"), 422, "moq"),
    ("product moq float", "v1", "POST", "/products", _product(moq=1.5), 422, "moq"),
    ("product moq bool", "v1", "POST", "/products", _product(moq=True), 422, "moq"),
    ("product moq huge", "v1", "POST", "/products", _product(moq=10**30), 422, "moq"),
    ("product stock negative", "v1", "POST", "/products", _product(stock_qty=-1), 422, "stock_qty"),
    ("product bad hs code", "v1", "POST", "/products", _product(hs_code="abc"), 422, "hs_code"),
    ("product bad currency", "v1", "POST", "/products", _product(currency="XXX"), 422, "currency"),
    ("product bad status", "v1", "POST", "/products", _product(status="live"), 422, "status"),
    ("product vendor_id", "v1", "POST", "/products", _product(vendor_id=1), 422, "vendor_id"),
    ("product no tiers", "v1", "POST", "/products", _product(price_tiers=[]), 422, "price_tiers"),
    ("product tiers object", "v1", "POST", "/products", _product(price_tiers={"min_qty": 1}), 422, "price_tiers"),
    ("product price float", "v1", "POST", "/products", _tier(unit_price=12.5), 422, "price_tiers"),
    ("product price int", "v1", "POST", "/products", _tier(unit_price=1000), 422, "price_tiers"),
    ("product price vnd decimals", "v1", "POST", "/products", _tier(unit_price="12.5"), 422, "price_tiers"),
    ("product price usd 3 decimals", "v1", "POST", "/products", _product(currency="USD", price_tiers=[{"min_qty": 1, "unit_price": "1.005"}]), 422, "price_tiers"),
    ("product price negative", "v1", "POST", "/products", _tier(unit_price="-5"), 422, "price_tiers"),
    ("product price words", "v1", "POST", "/products", _tier(unit_price="cheap"), 422, "price_tiers"),
    ("product price exponent", "v1", "POST", "/products", _tier(unit_price="1e9"), 422, "price_tiers"),
    ("product price too big", "v1", "POST", "/products", _tier(unit_price="9" * 25), 422, "price_tiers"),
    ("product tier min qty zero", "v1", "POST", "/products", _tier(min_qty=0), 422, "price_tiers"),
    ("product tier min qty bool", "v1", "POST", "/products", _tier(min_qty=True), 422, "price_tiers"),
    ("product duplicate tiers", "v1", "POST", "/products", _product(price_tiers=[{"min_qty": 1, "unit_price": "1"}, {"min_qty": 1, "unit_price": "2"}]), 422, "price_tiers"),
    ("product duplicate sku", "v1", "POST", "/products", _product(sku="BEAR-6205"), 409, "duplicate_sku"),
    ("product by buyer", "buyer", "POST", "/products", _product(), 403, "forbidden"),
    ("product patch other vendor", "v2", "PATCH", "/products/{product}", {"name": "mine"}, 404, "not_found"),
    ("product patch unknown", "v1", "PATCH", "/products/{missing}", {"name": "x"}, 404, "not_found"),
    ("product patch moq zero", "v1", "PATCH", "/products/{product}", {"moq": 0}, 422, "moq"),
    ("product patch currency alone", "v1", "PATCH", "/products/{product}", {"currency": "USD"}, 422, None),
    ("product unknown", None, "GET", "/products/{missing}", None, 404, "not_found"),
    ("product search limit text", None, "GET", "/products?limit=abc", None, 422, "limit"),
    ("product search limit zero", None, "GET", "/products?limit=0", None, 422, "limit"),
    ("product price quantity zero", None, "GET", "/products/{product}/price?quantity=0", None, 422, "quantity"),
    # RFQs
    ("rfq missing title", "buyer", "POST", "/rfqs", {"lines": _rfq()["lines"]}, 422, "title"),
    ("rfq short title", "buyer", "POST", "/rfqs", _rfq(title="ab"), 422, "title"),
    ("rfq long title", "buyer", "POST", "/rfqs", _rfq(title="t" * 301), 422, "title"),
    ("rfq no lines", "buyer", "POST", "/rfqs", _rfq(lines=[]), 422, "lines"),
    ("rfq lines null", "buyer", "POST", "/rfqs", _rfq(lines=None), 422, "lines"),
    ("rfq quantity zero", "buyer", "POST", "/rfqs", _rfq_line(quantity=0), 422, "lines"),
    ("rfq quantity negative", "buyer", "POST", "/rfqs", _rfq_line(quantity=-3), 422, "lines"),
    ("rfq quantity string", "buyer", "POST", "/rfqs", _rfq_line(quantity="10"), 422, "lines"),
    ("rfq quantity float", "buyer", "POST", "/rfqs", _rfq_line(quantity=2.5), 422, "lines"),
    ("rfq quantity bool", "buyer", "POST", "/rfqs", _rfq_line(quantity=True), 422, "lines"),
    ("rfq target price vnd decimals", "buyer", "POST", "/rfqs", _rfq_line(target_unit_price="12.5"), 422, None),
    ("rfq target price float", "buyer", "POST", "/rfqs", _rfq_line(target_unit_price=12.5), 422, "lines"),
    ("rfq target price negative", "buyer", "POST", "/rfqs", _rfq_line(target_unit_price="-1"), 422, None),
    ("rfq deadline past", "buyer", "POST", "/rfqs", _rfq(quote_deadline="2020-01-01T00:00:00+00:00"), 422, "quote_deadline"),
    ("rfq deadline naive", "buyer", "POST", "/rfqs", _rfq(quote_deadline="2031-01-01T00:00:00"), 422, "quote_deadline"),
    ("rfq deadline words", "buyer", "POST", "/rfqs", _rfq(quote_deadline="tomorrow"), 422, "quote_deadline"),
    ("rfq bad currency", "buyer", "POST", "/rfqs", _rfq(currency="XXX"), 422, "currency"),
    ("rfq bad visibility", "buyer", "POST", "/rfqs", _rfq(visibility="public"), 422, "visibility"),
    ("rfq bad region", "buyer", "POST", "/rfqs", _rfq(delivery_region="Saigon"), 422, "delivery_region"),
    ("rfq buyer_id", "buyer", "POST", "/rfqs", _rfq(buyer_id=1), 422, "buyer_id"),
    ("rfq status", "buyer", "POST", "/rfqs", _rfq(status="open"), 422, "status"),
    ("rfq by vendor", "v1", "POST", "/rfqs", _rfq(), 403, "forbidden"),
    ("rfq by finance", "finance", "POST", "/rfqs", _rfq(), 403, "forbidden"),
    ("rfq list bad status", "buyer", "GET", "/rfqs?status=nope", None, 422, "status"),
    ("rfq unknown", "buyer", "GET", "/rfqs/{missing}", None, 404, "not_found"),
    ("rfq other buyer", "other", "GET", "/rfqs/{rfq_open}", None, 404, "not_found"),
    ("rfq not invited vendor", "outsider", "GET", "/rfqs/{rfq_open}", None, 404, "not_found"),
    ("publish other buyer", "other", "POST", "/rfqs/{rfq_open}/publish", None, 404, "not_found"),
    ("publish unknown", "buyer", "POST", "/rfqs/{missing}/publish", None, 404, "not_found"),
    ("publish cancelled", "buyer", "POST", "/rfqs/{rfq_cancelled}/publish", None, 409, "illegal_transition"),
    ("cancel other buyer rfq", "other", "POST", "/rfqs/{rfq_open}/cancel", None, 404, "not_found"),
    ("invite vendor string", "buyer", "POST", "/rfqs/{rfq_fresh}/matches", {"vendor_id": "x"}, 422, "vendor_id"),
    ("invite unknown vendor", "buyer", "POST", "/rfqs/{rfq_fresh}/matches", {"vendor_id": "{missing}"}, 404, "not_found"),
    ("invite a buyer org", "buyer", "POST", "/rfqs/{rfq_fresh}/matches", {"vendor_id": "{buyer_org}"}, 404, "not_found"),
    ("invite other buyer rfq", "other", "POST", "/rfqs/{rfq_open}/matches", {"vendor_id": "{v2}"}, 404, "not_found"),
    ("invite cancelled rfq", "buyer", "POST", "/rfqs/{rfq_cancelled}/matches", {"vendor_id": "{v2}"}, 409, None),
    # quotes
    ("quote missing lead time", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", {"lines": _quote()["lines"]}, 422, "lead_time_days"),
    ("quote lead time string", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(lead_time_days="5"), 422, "lead_time_days"),
    ("quote lead time negative", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(lead_time_days=-1), 422, "lead_time_days"),
    ("quote no lines", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(lines=[]), 422, "lines"),
    ("quote quantity zero", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(quantity=0), 422, "lines"),
    ("quote price int", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price=1000), 422, "lines"),
    ("quote price float", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price=17.5), 422, "lines"),
    ("quote price vnd decimals", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price="12.5"), 422, None),
    ("quote price negative", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price="-1"), 422, None),
    ("quote freight decimals", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(freight="1.5"), 422, "freight"),
    ("quote freight float", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(freight=1.5), 422, "freight"),
    ("quote unknown line", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(rfq_line_id="{missing}"), 422, None),
    ("quote other rfq line", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(rfq_line_id=1), 422, None),
    ("quote line id string", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(rfq_line_id="abc"), 422, "lines"),
    ("quote duplicate lines", "v1", "POST", "/rfqs/{rfq_fresh}/quotes",
     _quote(lines=[{"rfq_line_id": "{fresh_line}", "unit_price": "1", "quantity": 1}] * 2), 422, "lines"),
    ("quote terms not 100", "v1", "POST", "/rfqs/{rfq_fresh}/quotes",
     _quote(payment_terms=[{"name": "deposit", "percent": 90, "due": "on_award"}]), 422, "payment_terms"),
    ("quote terms bad due", "v1", "POST", "/rfqs/{rfq_fresh}/quotes",
     _quote(payment_terms=[{"name": "all", "percent": 100, "due": "later"}]), 422, "payment_terms"),
    ("quote valid until past", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(valid_until="2020-01-01T00:00:00+00:00"), 422, "valid_until"),
    ("quote status field", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(status="accepted"), 422, "status"),
    ("quote long notes", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(notes=LONG), 422, "notes"),
    ("quote not invited", "outsider", "POST", "/rfqs/{rfq_open}/quotes", _quote(), 404, "not_found"),
    ("quote unknown rfq", "v1", "POST", "/rfqs/{missing}/quotes", _quote(), 404, "not_found"),
    ("quote by buyer", "buyer", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(), 403, "forbidden"),
    ("quote twice", "v1", "POST", "/rfqs/{rfq_open}/quotes", _quote(), 409, "already_quoted"),
    ("quote cancelled rfq", "v1", "POST", "/rfqs/{rfq_cancelled}/quotes", _quote(), 409, None),
    ("revise other vendor", "v2", "POST", "/quotes/{quote_open}/revise", _quote(), 404, "not_found"),
    ("revise unknown", "v1", "POST", "/quotes/{missing}/revise", _quote(), 404, "not_found"),
    ("revise on cancelled rfq", "v1", "POST", "/quotes/{quote_cancelled}/revise", _quote(), 409, None),
    ("quote other buyer", "other", "GET", "/quotes/{quote_open}", None, 404, "not_found"),
    ("quote other vendor", "v2", "GET", "/quotes/{quote_open}", None, 404, "not_found"),
    ("request revision empty", "buyer", "POST", "/quotes/{quote_open}/request-revision", {"message": ""}, 422, "message"),
    ("request revision other buyer", "other", "POST", "/quotes/{quote_open}/request-revision", {"message": "cheaper"}, 404, "not_found"),
    ("withdraw other vendor", "v2", "POST", "/quotes/{quote_open}/withdraw", None, 404, "not_found"),
    # award
    ("award nothing", "buyer", "POST", "/rfqs/{rfq_open}/award", {}, 422, "_schema"),
    ("award both", "buyer", "POST", "/rfqs/{rfq_open}/award",
     {"quote_ids": ["{quote_open}"], "lines": [{"rfq_line_id": 1, "quote_id": "{quote_open}"}]}, 422, "_schema"),
    ("award empty list", "buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": []}, 422, "quote_ids"),
    ("award id string", "buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": ["abc"]}, 422, "quote_ids"),
    ("award unknown quote", "buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": ["{missing}"]}, 422, None),
    ("award quote of other rfq", "buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": ["{quote_other}"]}, 422, None),
    ("award unknown line", "buyer", "POST", "/rfqs/{rfq_open}/award",
     {"lines": [{"rfq_line_id": "{missing}", "quote_id": "{quote_open}"}]}, 422, None),
    ("award other buyer rfq", "buyer", "POST", "/rfqs/{rfq_other}/award", {"quote_ids": ["{quote_other}"]}, 404, "not_found"),
    ("award unknown rfq", "buyer", "POST", "/rfqs/{missing}/award", {"quote_ids": ["{quote_open}"]}, 404, "not_found"),
    ("award cancelled rfq", "buyer", "POST", "/rfqs/{rfq_cancelled}/award", {"quote_ids": ["{quote_cancelled}"]}, 409, None),
    ("award by finance", "finance", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": ["{quote_open}"]}, 403, "forbidden"),
    ("award by vendor", "v1", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": ["{quote_open}"]}, 403, "forbidden"),
    # deals and payments
    ("deal unknown", "buyer", "GET", "/deals/{missing}", None, 404, "not_found"),
    ("deal other buyer", "other", "GET", "/deals/{funded}", None, 404, "not_found"),
    ("deal other vendor", "v2", "GET", "/deals/{funded}", None, 404, "not_found"),
    ("deal events other buyer", "other", "GET", "/deals/{funded}/events", None, 404, "not_found"),
    ("deals bad limit", "buyer", "GET", "/deals?limit=1000", None, 422, "limit"),
    ("payments other buyer", "other", "GET", "/deals/{unpaid}/payments", None, 404, "not_found"),
    ("transitions other buyer", "other", "GET", "/deals/{funded}/transitions", None, 404, "not_found"),
    ("shipments list other vendor", "v2", "GET", "/deals/{released}/shipments", None, 404, "not_found"),
    ("shipment other buyer", "other", "GET", "/shipments/1", None, 404, "not_found"),
    ("tracking event other vendor", "v2", "POST", "/shipments/1/events", {"status": "in_transit"}, 404, "not_found"),
    ("tracking event by buyer", "buyer", "POST", "/shipments/1/events", {"status": "in_transit"}, 403, "forbidden"),
    ("dispute messages other buyer", "other", "GET", "/disputes/{dispute}/messages", None, 404, "not_found"),
    ("rfq quotes other buyer", "other", "GET", "/rfqs/{rfq_open}/quotes", None, 404, "not_found"),
    ("rfq matches other buyer", "other", "GET", "/rfqs/{rfq_open}/matches", None, 404, "not_found"),
    ("deal ledger by buyer", "buyer", "GET", "/admin/deals/{funded}/ledger", None, 403, "forbidden"),
    ("pay unknown gateway", "buyer", "POST", "/deals/{unpaid}/payments", {"gateway": "paypal"}, 422, "gateway"),
    ("pay gateway int", "buyer", "POST", "/deals/{unpaid}/payments", {"gateway": 5}, 422, "gateway"),
    ("pay other buyer", "other", "POST", "/deals/{unpaid}/payments", {"gateway": "bank_transfer"}, 404, "not_found"),
    ("pay unknown deal", "buyer", "POST", "/deals/{missing}/payments", {"gateway": "bank_transfer"}, 404, "not_found"),
    ("pay by vendor", "v1", "POST", "/deals/{unpaid}/payments", {"gateway": "bank_transfer"}, 403, "forbidden"),
    ("pay funded deal", "buyer", "POST", "/deals/{funded}/payments", {"gateway": "bank_transfer"}, 409, None),
    ("transfer missing reference", "admin", "POST", "/admin/bank-transfers", {"amount": "1", "currency": "VND"}, 422, "reference"),
    ("transfer bad reference", "admin", "POST", "/admin/bank-transfers", _transfer(reference="MKP-1 2"), 422, "reference"),
    ("transfer amount float", "admin", "POST", "/admin/bank-transfers", _transfer(amount=12.5), 422, "amount"),
    ("transfer amount vnd decimals", "admin", "POST", "/admin/bank-transfers", _transfer(amount="12.5"), 422, "amount"),
    ("transfer amount words", "admin", "POST", "/admin/bank-transfers", _transfer(amount="lots"), 422, "amount"),
    ("transfer bad currency", "admin", "POST", "/admin/bank-transfers", _transfer(currency="XXX"), 422, "currency"),
    ("transfer unknown reference", "admin", "POST", "/admin/bank-transfers", _transfer(reference="MKP999M199"), 404, "not_found"),
    ("transfer wrong amount", "admin", "POST", "/admin/bank-transfers",
     _transfer(reference="{unpaid_ref}", amount="1"), 409, "amount_mismatch"),
    ("transfer wrong currency", "admin", "POST", "/admin/bank-transfers",
     _transfer(reference="{unpaid_ref}", amount="{unpaid_amount}", currency="USD"), 409, "amount_mismatch"),
    ("transfer by buyer", "buyer", "POST", "/admin/bank-transfers", _transfer(reference="{unpaid_ref}", amount="{unpaid_amount}"), 403, "forbidden"),
    # illegal transitions
    ("ship before funding", "v1", "POST", "/deals/{unpaid}/shipments", {"carrier": "manual"}, 409, "illegal_transition"),
    ("accept before delivery", "buyer", "POST", "/deals/{funded}/accept", None, 409, "illegal_transition"),
    ("accept unpaid", "buyer", "POST", "/deals/{unpaid}/accept", None, 409, "illegal_transition"),
    ("deliver before shipping", "buyer", "POST", "/deals/{funded}/confirm-delivery", None, 409, "illegal_transition"),
    ("dispute before shipping", "buyer", "POST", "/deals/{funded}/disputes", {"reason": "damaged", "description": "broken goods"}, 409, "illegal_transition"),
    ("dispute unpaid", "buyer", "POST", "/deals/{unpaid}/disputes", {"reason": "damaged", "description": "broken goods"}, 409, "illegal_transition"),
    ("release twice: accept released", "buyer", "POST", "/deals/{released}/accept", None, 409, "illegal_transition"),
    ("release twice: dispute released", "buyer", "POST", "/deals/{released}/disputes", {"reason": "damaged", "description": "broken goods"}, 409, "illegal_transition"),
    ("refund released", "admin", "POST", "/admin/deals/{released}/refund", {"reason": "changed mind"}, 409, "illegal_transition"),
    ("cancel funded", "buyer", "POST", "/deals/{funded}/cancel", {}, 409, "ship_grace_pending"),  # before ship-by + grace
    ("cancel released", "v1", "POST", "/deals/{released}/cancel", {}, 409, "illegal_transition"),
    ("ship released", "v1", "POST", "/deals/{released}/shipments", {}, 409, "illegal_transition"),
    ("approve funded", "buyer", "POST", "/deals/{funded}/approve", None, 409, "illegal_transition"),
    ("accept disputed", "buyer", "POST", "/deals/{disputed}/accept", None, 409, "illegal_transition"),
    # shipments
    ("ship unknown carrier", "v1", "POST", "/deals/{funded}/shipments", {"carrier": "dhl"}, 422, "carrier"),
    ("ship carrier int", "v1", "POST", "/deals/{funded}/shipments", {"carrier": 5}, 422, "carrier"),
    ("ship bad tracking", "v1", "POST", "/deals/{funded}/shipments", {"tracking_number": "a b"}, 422, "tracking_number"),
    ("ship long note", "v1", "POST", "/deals/{funded}/shipments", {"note": LONG}, 422, "note"),
    ("ship other vendor", "v2", "POST", "/deals/{funded}/shipments", {}, 404, "not_found"),
    ("ship unknown deal", "v1", "POST", "/deals/{missing}/shipments", {}, 404, "not_found"),
    ("ship by buyer", "buyer", "POST", "/deals/{funded}/shipments", {}, 403, "forbidden"),
    ("shipment unknown", "buyer", "GET", "/shipments/{missing}", None, 404, "not_found"),
    ("tracking event unknown shipment", "v1", "POST", "/shipments/{missing}/events", {"status": "in_transit"}, 404, "not_found"),
    ("tracking event bad status", "v1", "POST", "/shipments/1/events", {"status": "teleported"}, 422, "status"),
    # disputes
    ("dispute bad reason", "buyer", "POST", "/deals/{disputed}/disputes", {"reason": "angry", "description": "broken goods"}, 422, "reason"),
    ("dispute short description", "buyer", "POST", "/deals/{disputed}/disputes", {"reason": "damaged", "description": "bad"}, 422, "description"),
    ("dispute missing description", "buyer", "POST", "/deals/{disputed}/disputes", {"reason": "damaged"}, 422, "description"),
    ("dispute other buyer", "other", "POST", "/deals/{disputed}/disputes", {"reason": "damaged", "description": "broken goods"}, 404, "not_found"),
    ("dispute unknown deal", "buyer", "POST", "/deals/{missing}/disputes", {"reason": "damaged", "description": "broken goods"}, 404, "not_found"),
    ("dispute by vendor", "v1", "POST", "/deals/{disputed}/disputes", {"reason": "other", "description": "buyer silent"}, 409, "already_disputed"),
    ("dispute unknown", "buyer", "GET", "/disputes/{missing}", None, 404, "not_found"),
    ("dispute other org", "other", "GET", "/disputes/{dispute}", None, 404, "not_found"),
    ("message empty", "buyer", "POST", "/disputes/{dispute}/messages", {"body": ""}, 422, "body"),
    ("message too long", "buyer", "POST", "/disputes/{dispute}/messages", {"body": LONG}, 422, "body"),
    ("message int", "buyer", "POST", "/disputes/{dispute}/messages", {"body": 5}, 422, "body"),
    ("message other org", "other", "POST", "/disputes/{dispute}/messages", {"body": "hi"}, 404, "not_found"),
    ("message other vendor", "v2", "POST", "/disputes/{dispute}/messages", {"body": "hi"}, 404, "not_found"),
    ("message unknown dispute", "buyer", "POST", "/disputes/{missing}/messages", {"body": "hi"}, 404, "not_found"),
    ("message resolved dispute", "buyer", "POST", "/disputes/{resolved_dispute}/messages", {"body": "hi"}, 409, "already_decided"),
    ("decision bad outcome", "admin", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "maybe"}, 422, "outcome"),
    ("decision no rationale", "admin", "POST", "/admin/disputes/{dispute}/decision", {"outcome": "refund"}, 422,
     "rationale"),
    ("decision split no amount", "admin", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "split"}, 422, "vendor_amount"),
    ("decision split decimals", "admin", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "12.5"}, 422, "vendor_amount"),
    ("decision split int", "admin", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": 100}, 422, "vendor_amount"),
    ("decision split negative", "admin", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "-1"}, 422, "vendor_amount"),
    ("decision split above held", "admin", "POST", "/admin/disputes/{dispute}/decision",
     {"rationale": "the evidence shows it", "outcome": "split", "vendor_amount": "999999999999"}, 422, "vendor_amount"),
    ("decision unknown dispute", "admin", "POST", "/admin/disputes/{missing}/decision", {"rationale": "the evidence shows it", "outcome": "refund"}, 404, "not_found"),
    ("decision by buyer", "buyer", "POST", "/admin/disputes/{dispute}/decision", {"rationale": "the evidence shows it", "outcome": "refund"}, 403, "forbidden"),
    ("decision twice", "admin", "POST", "/admin/disputes/{resolved_dispute}/decision", {"rationale": "the evidence shows it", "outcome": "release"}, 409, "already_decided"),
    ("withdraw other buyer", "other", "POST", "/disputes/{dispute}/withdraw", None, 404, "not_found"),
    ("withdraw by vendor", "v1", "POST", "/disputes/{dispute}/withdraw", None, 403, "forbidden"),
    ("withdraw resolved", "buyer", "POST", "/disputes/{resolved_dispute}/withdraw", None, 409, "already_decided"),
    # admin
    ("refund missing reason", "admin", "POST", "/admin/deals/{funded}/refund", {}, 422, "reason"),
    ("refund unknown deal", "admin", "POST", "/admin/deals/{missing}/refund", {"reason": "no stock"}, 404, "not_found"),
    ("refund by buyer", "buyer", "POST", "/admin/deals/{funded}/refund", {"reason": "no stock"}, 403, "forbidden"),
    ("ledger by vendor", "v1", "GET", "/admin/ledger/trial-balance", None, 403, "forbidden"),
    ("deal ledger unknown", "admin", "GET", "/admin/deals/{missing}/ledger", None, 404, "not_found"),
    # values PostgreSQL cannot store must be refused before they reach it
    ("deal id beyond bigint", "buyer", "GET", "/deals/99999999999999999999", None, 404, "not_found"),
    ("rfq id beyond bigint", "buyer", "POST", "/rfqs/99999999999999999999/publish", None, 404, "not_found"),
    ("invite vendor id beyond bigint", "buyer", "POST", "/rfqs/{rfq_fresh}/matches", {"vendor_id": 10**20}, 422, "vendor_id"),
    ("award quote id beyond bigint", "buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": [10**20]}, 422, "quote_ids"),
    ("products vendor beyond bigint", None, "GET", "/products?vendor_id=99999999999999999999", None, 422, "vendor_id"),
    ("deals cursor not ours", "buyer", "GET", "/deals?cursor=99999999999999999999", None, 422, "cursor"),
    ("product price beyond bigint", "v1", "POST", "/products",
     _product(currency="USD", price_tiers=[{"min_qty": 1, "unit_price": "999999999999999999.99"}]), 422, "price_tiers"),
    ("rfq target price beyond bigint", "buyer", "POST", "/rfqs",
     _rfq(currency="KWD", lines=[{"description": "x", "quantity": 1, "unit": "kg", "target_unit_price": "999999999999999999.999"}]), 422, None),
    ("quote price beyond bigint", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price="999999999999999999"), 422, None),
    ("quote total beyond bigint", "v1", "POST", "/rfqs/{rfq_fresh}/quotes",
     _quote_line(unit_price="1000000000000000", quantity=10**12), 422, "lines"),
    ("transfer amount beyond bigint", "admin", "POST", "/admin/bank-transfers", _transfer(currency="USD", amount="999999999999999999.99"), 422, "amount"),
    ("rfq title with NUL", "buyer", "POST", "/rfqs", _rfq(title="Bearings\u0000"), 422, "title"),
    ("product name with NUL", "v1", "POST", "/products", _product(name="x\u0000y"), 422, "name"),
    ("message with NUL", "buyer", "POST", "/disputes/{dispute}/messages", {"body": "hi\u0000"}, 422, "body"),
    ("register name with NUL", None, "POST", "/auth/register", _register(name="A\u0000"), 422, "name"),
    ("search with NUL", None, "GET", "/products?q=bearing%00", None, 422, "q"),
    ("rfq deadline at the edge of time", "buyer", "POST", "/rfqs", _rfq(quote_deadline="0001-01-01T00:00:00+14:00"), 422, "quote_deadline"),
    ("quote validity at the edge of time", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(valid_until="0001-01-01T00:30:00+14:00"), 422, "valid_until"),
    ("tracking event at the edge of time", "v1", "POST", "/shipments/1/events",
     {"status": "in_transit", "occurred_at": "0001-01-01T00:00:00+14:00"}, 422, "occurred_at"),
    ("quote price bool", "v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote_line(unit_price=True), 422, "lines"),
    ("transfer amount full-width digits", "admin", "POST", "/admin/bank-transfers", _transfer(amount="１２３"), 422, "amount"),
    # lone surrogates: valid JSON escapes, but not text PostgreSQL (or Redis) can store
    ("register name with lone surrogate", None, "POST", "/auth/register", _register(name="\udc00x"), 422, "name"),
    ("register email with lone surrogate", None, "POST", "/auth/register", _register(email="a\udc00@example.test"), 422, "email"),
    ("register org name with lone surrogate", None, "POST", "/auth/register", _register_org(name="\ud800"), 422,
     "organization.name"),
    ("login email with lone surrogate", None, "POST", "/auth/login", {"email": "\udc00x", "password": "x"}, 422, "email"),
    ("login password with lone surrogate", None, "POST", "/auth/login", {"email": "a@example.test", "password": "\udc00"},
     422, "password"),
    ("rfq title with lone surrogate", "buyer", "POST", "/rfqs", _rfq(title="\udc00x"), 422, "title"),
    ("rfq line with lone surrogate", "buyer", "POST", "/rfqs", _rfq_line(description="\udc00"), 422,
     "lines.0.description"),
    ("vendor patch with lone surrogate", "v1", "PATCH", "/vendors/{v1}", {"description": "\udc00x"}, 422, "description"),
    ("product name with lone surrogate", "v1", "POST", "/products", _product(name="\udbff"), 422, "name"),
    ("message with lone surrogate", "buyer", "POST", "/disputes/{dispute}/messages", {"body": "hi\udc00"}, 422, "body"),
    # unknown query parameters: refused on every endpoint, also those that take none
    ("me with a query string", "buyer", "GET", "/me?debug=1", None, 422, "debug"),
    ("deal with a query string", "buyer", "GET", "/deals/{funded}?expand=all", None, 422, "expand"),
    ("accept with a query string", "buyer", "POST", "/deals/{funded}/accept?force=1", None, 422, "force"),
    ("register with a query string", None, "POST", "/auth/register?admin=1", _register(email="q@example.test"), 422, "admin"),
    ("deals unknown filter", "buyer", "GET", "/deals?owner=me", None, 422, "owner"),
    ("products old after parameter", None, "GET", "/products?after=1", None, 422, "after"),
]


def _fill(value, ids):
    """Replace ``{name}`` placeholders; a whole-string placeholder of an int id becomes that int."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids) if "{" in value and "}" in value and value.count("{") == value.count("}") else value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case_id, who, method, path, body, status, expect", CASES, ids=[c[0] for c in CASES])
def test_bad_request_is_refused_and_changes_nothing(app, scene, case_id, who, method, path, body, status, expect):
    api, people, ids = scene
    ids = {**ids, "buyer_email": people["buyer"].email}
    body = _fill(body, ids)
    if method == "GET":
        body = None
    elif body is None:
        body = {}
    err = check_refusal(app, api, people[who], method, path.format(**ids), status, json=body,
                        field=expect if status == 422 else None)
    if expect is not None and status != 422:
        assert err["code"] == expect, err


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Bearer garbage", "Basic dXNlcjpwYXNz", "bearer mkp_not_a_real_token",
    "Bearer " + "x" * 5000, "Token abc",
])
def test_missing_or_garbage_token_is_401(app, scene, header):
    api, _, ids = scene
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("GET", "/me"), ("GET", f"/deals/{ids['funded']}"), ("POST", f"/deals/{ids['funded']}/accept"),
                         ("POST", "/admin/bank-transfers")):
        before = snapshot(app)
        resp = api.call(method, path, json={} if method == "POST" else None, headers=headers)
        assert resp.status_code == 401, (method, path, resp.get_data(as_text=True)[:300])
        err = resp.get_json()["error"]
        assert err["code"] in ("unauthorized", "bad_token") and err["message"]
        assert snapshot(app) == before


def test_upload_endpoints_refuse_a_json_body_with_415(app, scene):
    """An upload reads multipart/form-data; a JSON body there is a wrong content type, not missing fields."""
    api, people, ids = scene
    err = check_refusal(app, api, people["v1"], "POST", f"/vendors/{ids['v1']}/documents", 415,
                        json={"kind": "business_registration"})
    assert err["code"] == "unsupported_media_type"


def test_empty_body_without_content_type_is_read_as_no_fields(app, scene):
    """Only a body in another content type is a 415: no body at all is still an empty one (here: a 409)."""
    api, people, ids = scene
    before = snapshot(app)
    resp = api.client.post(f"/api/v1/deals/{ids['funded']}/accept", headers=people["buyer"].headers)
    assert resp.status_code == 409, resp.get_data(as_text=True)
    assert snapshot(app) == before


def test_revoked_token_is_401(app, scene):
    api, people, ids = scene
    for path in ("/me", f"/deals/{ids['funded']}"):
        err = check_refusal(app, api, people["revoked"], "GET", path, 401)
        assert err["code"] == "bad_token"
    check_refusal(app, api, people["revoked"], "POST", "/auth/logout", 401)


def test_the_scene_itself_is_untouched(app, scene):
    """After every refusal above, the deals are still where the scene left them and the ledger balances."""
    from marketplace.escrow import ledger

    api, people, ids = scene
    expected = {"unpaid": "awaiting_payment", "funded": "funded", "released": "released", "disputed": "disputed",
                "resolved": "resolved"}
    for name, status in expected.items():
        assert api.get(f"/deals/{ids[name]}", people["buyer"])["status"] == status
    for currency, row in ledger.trial_balance().items():
        assert row["debits"] == row["credits"], currency


# --- fuzzing (runs last: its requests may succeed and change the scene) ----------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NASTY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "-1", "0", "1.5", "12.345", "1e400", "１２３", "9" * 40, "x" * 25000,
                     "2020-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                     "VN-SG", "VND", "XXX", "manual", "bank_transfer", "split", "verify", "\udc00x", "a\ud800@b.vn"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)

#: (who, method, path, a valid-looking body to mutate)
FUZZ_ENDPOINTS = [
    (None, "POST", "/auth/register", VALID_REGISTER),
    (None, "POST", "/auth/login", {"email": "a@example.test", "password": PASSWORD, "organization_id": 1}),
    ("buyer", "POST", "/organizations/{buyer_org}/members", _member()),
    ("v1", "PATCH", "/vendors/{v1}", {"legal_name": "Co", "tax_code": "0123456789", "regions": ["VN"],
                                      "certifications": ["ISO"], "monthly_capacity": 5}),
    ("v1", "POST", "/products", _product(moq=5, stock_qty=1, lead_time_days=3, hs_code="8482", currency="USD")),
    ("v1", "PATCH", "/products/{product}", {"name": "n", "moq": 2, "price_tiers": [{"min_qty": 2, "unit_price": "1"}]}),
    ("buyer", "POST", "/rfqs", _rfq(quote_deadline="2031-01-01T00:00:00+00:00", needed_by="2031-02-01", currency="USD",
                                    lines=[{"description": "d", "quantity": 3, "unit": "kg", "target_unit_price": "1.25"}])),
    ("buyer", "POST", "/rfqs/{rfq_fresh}/matches", {"vendor_id": 2}),
    ("v1", "POST", "/rfqs/{rfq_fresh}/quotes", _quote(freight="5", valid_until="2031-01-01T00:00:00+00:00",
                                                     payment_terms=[{"name": "a", "percent": 100, "due": "on_award"}])),
    ("buyer", "POST", "/rfqs/{rfq_open}/award", {"quote_ids": [1], "lines": [{"rfq_line_id": 1, "quote_id": 1}]}),
    ("buyer", "POST", "/deals/{unpaid}/payments", {"gateway": "bank_transfer"}),
    ("v1", "POST", "/deals/{funded}/shipments", {"carrier": "manual", "tracking_number": "ABCD-1", "note": "n"}),
    ("v1", "POST", "/shipments/1/events", {"status": "in_transit", "description": "d", "location": "HCM",
                                           "occurred_at": "2025-01-01T00:00:00+00:00"}),
    ("buyer", "POST", "/deals/{funded}/disputes", {"reason": "damaged", "description": "broken goods"}),
    ("buyer", "POST", "/disputes/{dispute}/messages", {"body": "hello"}),
    ("admin", "POST", "/admin/disputes/{dispute}/decision", {"outcome": "split", "vendor_amount": "1", "note": "n"}),
    ("admin", "POST", "/admin/bank-transfers", {"reference": "MKP1M1XX", "amount": "1", "currency": "VND"}),
    ("admin", "POST", "/admin/deals/{funded}/refund", {"reason": "no stock"}),
    ("admin", "POST", "/admin/vendors/{v2}/verification", {"decision": "suspend", "reason": "r"}),
]
FUZZ_QUERIES = [
    (None, "/products", ["q", "vendor_id", "category_id", "hs_code", "quantity", "price_min", "price_max", "currency",
                         "max_moq", "region", "in_stock", "sort", "cursor", "limit"]),
    ("buyer", "/deals", ["status", "cursor", "limit"]),
    ("buyer", "/rfqs", ["status", "cursor", "limit"]),
    (None, "/vendors", ["region", "cursor", "limit"]),
    (None, "/products/{product}/price", ["quantity"]),
]


@st.composite
def _mutated(draw, value):
    """``value`` with some of its leaves (or itself) replaced by nasty values, and maybe an unknown key."""
    if draw(st.integers(0, 5)) == 0:
        return draw(NASTY)
    if isinstance(value, dict):
        out = {k: draw(_mutated(v)) for k, v in value.items() if draw(st.integers(0, 9))}
        if draw(st.integers(0, 7)) == 0:
            out[draw(st.text(max_size=8))] = draw(NASTY)
        return out
    if isinstance(value, list):
        return [draw(_mutated(v)) for v in value] * draw(st.integers(0, 2))
    return value


def _assert_no_server_error(resp, what):
    text = resp.get_data(as_text=True)[:500]
    assert resp.status_code < 500, f"{what} -> {resp.status_code}: {text}"
    if resp.status_code >= 400:
        err = resp.get_json()["error"]
        assert err["code"] and err["message"], text


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_fuzzed_bodies_never_cause_a_server_error(app, scene, data):
    api, people, ids = scene
    who, method, path, template = data.draw(st.sampled_from(FUZZ_ENDPOINTS))
    body = data.draw(_mutated(template))
    resp = api.call(method, path.format(**ids), people[who], json=body)
    _assert_no_server_error(resp, f"{method} {path} {body!r:.300}")


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_fuzzed_query_strings_never_cause_a_server_error(app, scene, data):
    api, people, ids = scene
    who, path, names = data.draw(st.sampled_from(FUZZ_QUERIES))
    params = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(
        st.text(max_size=30), st.integers().map(str), st.sampled_from(["", "-1", "0", "9" * 30, "1.5", "true", "\x00"])),
        max_size=4))
    resp = api.call("GET", path.format(**ids), people[who], query_string=params)
    _assert_no_server_error(resp, f"GET {path} {params!r:.300}")
