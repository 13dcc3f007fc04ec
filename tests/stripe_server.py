"""A small Stripe-compatible test server, run in a thread of the test process.

The real ``stripe`` client has one API base, so this server is that base:

- it serves the Connect calls that localstripe lacks: ``/v1/accounts``, ``/v1/account_links``,
  ``/v1/transfers`` (destination must exist and have the ``transfers`` capability active;
  ``transfer_group``; transfers from a ``source_transaction`` may not exceed that charge);
- it forwards every other path to localstripe (PaymentIntents, PaymentMethods, confirm, charges,
  refunds, events), adding what localstripe does not do: ``transfer_group`` (and ``description``) on PaymentIntents and
  Stripe's refund cap (refunds never exceed the charge's unrefunded amount);
- it applies Stripe's idempotency rules to every POST, its own and forwarded: the same key with the
  same parameters replays the stored response (``Idempotent-Replayed: true``), the same key with
  other parameters is a 400 ``idempotency_error``, a key whose first request is still running is a
  409; only responses of requests that executed are stored (2xx and 402), as Stripe documents;
- it injects faults on request: ``500``, ``409`` and ``429`` answer before anything happens;
  ``timeout`` executes the request (the object exists, the response is stored under the key) and
  then holds the answer longer than the client waits;
- it receives localstripe's signed webhook deliveries at ``/_webhooks`` and keeps them verbatim, so
  tests can deliver them to the app (once, three times, in any order).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: PaymentIntent fields localstripe refuses; this server keeps them and shows them on every read
PI_EXTRAS = ("transfer_group", "description")


@dataclass
class Fault:
    method: str
    path: str  #: exact path or prefix ending in ``*``
    kind: str  #: 500 | 409 | 429 | timeout
    times: int = 1
    delay: float = 5.0  #: for ``timeout``: how long the answer is held

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and (path == self.path or (self.path.endswith("*") and path.startswith(self.path[:-1])))


@dataclass
class Delivery:
    """One webhook delivery as localstripe sent it: raw body and signature header."""

    body: bytes
    signature: str

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class State:
    accounts: dict = field(default_factory=dict)
    transfers: dict = field(default_factory=dict)
    account_links: list = field(default_factory=list)
    idempotency: dict = field(default_factory=dict)
    pi_extras: dict = field(default_factory=dict)  #: PaymentIntent id -> fields localstripe does not keep
    faults: list = field(default_factory=list)
    requests: list = field(default_factory=list)  #: (method, path, idempotency key, replayed)
    deliveries: list = field(default_factory=list)


def _flat(pairs: list[tuple[str, str]]) -> dict:
    """``metadata[deal_id]=1`` style form pairs -> nested dicts (lists are not needed here)."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _error(status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
    err = {"type": type_, "message": message}
    if code:
        err["code"] = code
    if param:
        err["param"] = param
    return status, {"error": err}


class StripeTestServer:
    def __init__(self, localstripe_url: str, webhook_secret: str = "whsec_test_marketplace"):
        self.localstripe_url = localstripe_url.rstrip("/")
        self.webhook_secret = webhook_secret
        self.state = State()
        self.lock = threading.RLock()
        self.refund_lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.url = ""

    # --- life cycle and test controls -------------------------------------------------------------

    def start(self) -> "StripeTestServer":
        server = self

        class Handler(_Handler):
            stripe = server

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, name="stripe-test-server", daemon=True).start()
        self._localstripe("POST", "/_config/webhooks/marketplace", urllib.parse.urlencode(
            {"url": f"{self.url}/_webhooks", "secret": self.webhook_secret}).encode())
        return self

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def reset(self) -> None:
        """Forget everything (ids in our database restart per test, and so do our idempotency keys)."""
        with self.lock:
            self.state = State()
        self._localstripe("DELETE", "/_config/data")

    def inject(self, method: str, path: str, kind: str, times: int = 1, delay: float = 5.0) -> None:
        with self.lock:
            self.state.faults.append(Fault(method, path, kind, times, delay))

    def complete_onboarding(self, account_id: str) -> dict:
        """What the vendor finishing Stripe's hosted forms does to its account."""
        with self.lock:
            acct = self.state.accounts[account_id]
            acct.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
            acct["capabilities"] = {name: "active" for name in acct["capabilities"]}
            return dict(acct)

    def transfers(self, **filters) -> list[dict]:
        with self.lock:
            return [t for t in self.state.transfers.values() if all(t.get(k) == v for k, v in filters.items())]

    def posts(self, path: str) -> list[tuple]:
        with self.lock:
            return [r for r in self.state.requests if r[0] == "POST" and r[1] == path]

    def deliveries(self, type_: str | None = None) -> list[Delivery]:
        with self.lock:
            return [d for d in self.state.deliveries if type_ is None or d.event["type"] == type_]

    def wait_for_deliveries(self, type_: str, count: int, timeout: float = 20.0) -> list[Delivery]:
        """localstripe sends its webhooks asynchronously (about a second after the change)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.deliveries(type_)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"localstripe delivered {len(self.deliveries(type_))} {type_} events, expected {count}")

    # --- plumbing ---------------------------------------------------------------------------------

    def _localstripe(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.localstripe_url + path, data=body, method=method, headers=headers or {})
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw.strip() else {})
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, {"error": {"type": "api_error", "message": raw.decode(errors="replace")}}

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.state.faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, method: str, path: str, query: str, body: bytes, headers) -> tuple[int, dict, dict, float]:
        """Returns (status, json body, extra headers, seconds to hold the answer)."""
        if path == "/_webhooks":
            with self.lock:
                self.state.deliveries.append(Delivery(body, headers.get("Stripe-Signature", "")))
            return 200, {}, {}, 0
        pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True) if body else []
        key = headers.get("Idempotency-Key") if method == "POST" else None
        fault = self._take_fault(method, path)
        if fault and fault.kind == "500":
            return (*_error(500, "api_error", "Injected internal error."), {}, 0)
        if fault and fault.kind == "429":
            return (*_error(429, "invalid_request_error", "Too many requests hit the API too quickly.",
                            code="rate_limit"), {}, 0)
        if fault and fault.kind == "409":
            return (*_error(409, "invalid_request_error", "Injected lock timeout.", code="lock_timeout"), {}, 0)
        scope = (headers.get("Authorization", ""), key)
        fingerprint = (method, path, sorted(pairs))
        if key:
            with self.lock:
                stored = self.state.idempotency.get(scope)
                if stored is not None and stored["fingerprint"] != fingerprint:
                    self.state.requests.append((method, path, key, False))
                    return (*_error(400, "idempotency_error",
                                    "Keys for idempotent requests can only be used with the same parameters they "
                                    f"were first used with. Try using a key other than '{key}' if you meant to "
                                    "execute a different request."), {}, 0)
                if stored is not None and stored["status"] is None:
                    return (*_error(409, "idempotency_error", "There is currently another in-progress request "
                                    "using this Stripe-Idempotency-Key.", code="idempotency_key_in_use"), {}, 0)
                if stored is not None:
                    self.state.requests.append((method, path, key, True))
                    return stored["status"], stored["body"], {"Idempotent-Replayed": "true", "Idempotency-Key": key}, 0
                self.state.idempotency[scope] = {"fingerprint": fingerprint, "status": None, "body": None}
        with self.lock:
            self.state.requests.append((method, path, key, False))
        try:
            status, payload = self._execute(method, path, query, pairs, headers)
        except Exception as exc:  # a bug here must not look like a Stripe answer that was stored
            status, payload = _error(500, "api_error", f"test server error: {exc!r}")
        if key:
            with self.lock:
                if 200 <= status < 300 or status == 402:
                    self.state.idempotency[scope].update(status=status, body=payload)
                else:  # did not execute (validation, conflicts, server errors): nothing is stored
                    self.state.idempotency.pop(scope, None)
        hold = fault.delay if fault and fault.kind == "timeout" else 0
        return status, payload, ({"Idempotency-Key": key} if key else {}), hold

    def _execute(self, method: str, path: str, query: str, pairs: list, headers) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        params = _flat(pairs)
        if parts[:2] == ["v1", "accounts"]:
            return self._accounts(method, parts, params)
        if parts[:2] == ["v1", "account_links"] and method == "POST":
            return self._account_link(params)
        if parts[:2] == ["v1", "transfers"]:
            return self._transfers(method, parts, params, query)
        if parts[:2] == ["v1", "refunds"] and method == "POST":
            with self.refund_lock:  # the cap check and the refund are one step
                return self._refund(pairs, params, headers)
        return self._forward(method, path, query, pairs, headers)

    def _forward(self, method: str, path: str, query: str, pairs: list, headers) -> tuple[int, dict]:
        creating_pi = method == "POST" and path == "/v1/payment_intents"
        extras = {}
        if creating_pi:  # localstripe refuses these PaymentIntent fields: keep them here
            extras = {k: v for k, v in pairs if k in PI_EXTRAS}
            pairs = [(k, v) for k, v in pairs if k not in PI_EXTRAS]
        body = urllib.parse.urlencode(pairs).encode() if method == "POST" else None
        fwd = {"Authorization": headers.get("Authorization", "")}
        status, payload = self._localstripe(method, path + (f"?{query}" if query else ""), body, fwd)
        if path.startswith("/v1/payment_intents") and isinstance(payload, dict):
            with self.lock:
                if creating_pi and status == 200:
                    self.state.pi_extras[payload["id"]] = extras
                for obj in payload.get("data", []) if payload.get("object") == "list" else [payload]:
                    if obj.get("object") == "payment_intent":
                        obj.update({k: None for k in PI_EXTRAS}, **self.state.pi_extras.get(obj["id"], {}))
        return status, payload

    # --- Connect ----------------------------------------------------------------------------------

    def _accounts(self, method: str, parts: list, params: dict) -> tuple[int, dict]:
        if method == "POST" and len(parts) == 2:
            if params.get("type") not in ("express", "standard", "custom"):
                return _error(400, "invalid_request_error", "Invalid type: must be one of express, standard, custom",
                              param="type")
            requested = [name for name, cap in (params.get("capabilities") or {}).items()
                         if isinstance(cap, dict) and cap.get("requested") == "true"]
            acct = {"id": "acct_" + secrets.token_hex(8), "object": "account", "type": params["type"],
                    "country": params.get("country", "US"), "email": params.get("email"),
                    "business_profile": params.get("business_profile", {}), "metadata": params.get("metadata", {}),
                    "capabilities": {name: "inactive" for name in requested}, "charges_enabled": False,
                    "payouts_enabled": False, "details_submitted": False, "created": int(time.time())}
            with self.lock:
                self.state.accounts[acct["id"]] = acct
            return 200, acct
        if method == "GET" and len(parts) == 3:
            with self.lock:
                acct = self.state.accounts.get(parts[2])
            if acct is None:
                return _error(404, "invalid_request_error", f"No such account: '{parts[2]}'", code="resource_missing",
                              param="account")
            return 200, dict(acct)
        return _error(404, "invalid_request_error", "Unrecognized request URL.")

    def _account_link(self, params: dict) -> tuple[int, dict]:
        for name in ("account", "refresh_url", "return_url", "type"):
            if not params.get(name):
                return _error(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
        with self.lock:
            if params["account"] not in self.state.accounts:
                return _error(400, "invalid_request_error", f"No such account: '{params['account']}'",
                              code="resource_missing", param="account")
            link = {"object": "account_link", "created": int(time.time()), "expires_at": int(time.time()) + 300,
                    "url": f"{self.url}/setup/e/{params['account']}/{secrets.token_urlsafe(12)}"}
            self.state.account_links.append(link)
        return 200, link

    def _transfers(self, method: str, parts: list, params: dict, query: str) -> tuple[int, dict]:
        if method == "GET":
            if len(parts) == 3:
                with self.lock:
                    tr = self.state.transfers.get(parts[2])
                return (200, dict(tr)) if tr else _error(404, "invalid_request_error", f"No such transfer: '{parts[2]}'",
                                                         code="resource_missing")
            filters = {k: v for k, v in urllib.parse.parse_qsl(query) if k in ("transfer_group", "destination")}
            return 200, {"object": "list", "data": self.transfers(**filters), "has_more": False, "url": "/v1/transfers"}
        if method != "POST" or len(parts) != 2:
            return _error(404, "invalid_request_error", "Unrecognized request URL.")
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            return _error(400, "invalid_request_error", "Invalid integer: amount", param="amount")
        if amount <= 0:
            return _error(400, "invalid_request_error", "Amount must be at least 1.", param="amount")
        if not params.get("currency"):
            return _error(400, "invalid_request_error", "Missing required param: currency.", param="currency")
        with self.lock:
            dest = self.state.accounts.get(params.get("destination", ""))
            if dest is None:
                return _error(400, "invalid_request_error", f"No such destination: '{params.get('destination')}'",
                              param="destination")
            if dest["capabilities"].get("transfers") != "active":
                return _error(400, "invalid_request_error", "Your destination account needs to have at least one of "
                              "the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
                              code="insufficient_capabilities_for_transfer", param="destination")
        source = params.get("source_transaction")
        if source:
            status, charge = self._localstripe("GET", f"/v1/charges/{source}", None,
                                               {"Authorization": "Bearer sk_test_server"})
            if status != 200:
                return _error(400, "invalid_request_error", f"No such charge: '{source}'", param="source_transaction")
            with self.lock:
                already = sum(t["amount"] for t in self.state.transfers.values() if t["source_transaction"] == source)
            if already + amount > charge["amount"]:
                return _error(400, "invalid_request_error", "Transfers using this transaction as a source must not "
                              "exceed the source amount.", param="amount")
        tr = {"id": "tr_" + secrets.token_hex(8), "object": "transfer", "amount": amount,
              "currency": params["currency"].lower(), "destination": params["destination"],
              "transfer_group": params.get("transfer_group"), "source_transaction": source,
              "metadata": params.get("metadata", {}), "reversed": False, "amount_reversed": 0,
              "created": int(time.time())}
        with self.lock:
            self.state.transfers[tr["id"]] = tr
        return 200, tr

    def _refund(self, pairs: list, params: dict, headers) -> tuple[int, dict]:
        auth = {"Authorization": headers.get("Authorization", "")}
        if params.get("payment_intent"):
            status, pi = self._localstripe("GET", f"/v1/payment_intents/{params['payment_intent']}", None, auth)
            if status != 200:
                return status, pi
            charge = pi.get("latest_charge")
        else:
            status, charge = self._localstripe("GET", f"/v1/charges/{params.get('charge')}", None, auth)
            if status != 200:
                return status, charge
        if not isinstance(charge, dict) or charge.get("status") != "succeeded":
            return _error(400, "invalid_request_error", "This PaymentIntent does not have a successful charge to "
                          "refund.", code="charge_not_refundable")
        left = charge["amount"] - charge.get("amount_refunded", 0)
        if left <= 0:
            return _error(400, "invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                          code="charge_already_refunded")
        amount = int(params["amount"]) if params.get("amount") else left
        if amount > left:
            return _error(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded amount "
                          f"on charge ({left})", param="amount")
        pairs = [(k, v) for k, v in pairs if k != "amount"] + [("amount", str(amount))]
        return self._forward("POST", "/v1/refunds", "", pairs, headers)


class _Handler(BaseHTTPRequestHandler):
    stripe: StripeTestServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, payload, extra, hold = self.stripe.handle(method, url.path, url.query, body, self.headers)
        if hold:
            time.sleep(hold)  # the client has given up by now; the object exists
        raw = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", "req_" + secrets.token_hex(6))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")
