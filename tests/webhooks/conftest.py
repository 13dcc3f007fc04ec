"""Webhook fixtures: a real HTTP receiver on 127.0.0.1 that verifies signatures as docs/webhooks.md says,
and the settings the tests (like the demo) run with: http and private addresses allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

#: seconds a signature's timestamp may differ from the receiver's clock (docs/webhooks.md)
TOLERANCE = 300


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE) -> bool:
    """The receiver's check, exactly as docs/webhooks.md shows it."""
    items = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in items if key == "t"]
    signatures = [value for key, value in items if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


@dataclass
class Delivery:
    """One request the receiver got."""

    path: str
    headers: dict
    body: bytes
    status: int  #: what the receiver answered
    verified_with: list[str]  #: which of the path's known secrets verify the signature

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    @property
    def signatures(self) -> list[str]:
        return [p.split("=", 1)[1] for p in self.headers["Marketplace-Signature"].split(",") if p.startswith("v1=")]


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` requests for each (path, event id), then 200; paths in
    ``down`` always answer 503, paths in ``moved`` redirect to ``/elsewhere``. ``secrets[path]`` lists the
    secrets the receiver knows for that path."""

    url: str
    fail_first: int = 2
    down: set = field(default_factory=set)
    moved: set = field(default_factory=set)
    secrets: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    _seen: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.fail_first, self.down, self.moved, self.secrets = 2, set(), set(), {}
            self.requests.clear()
            self._seen.clear()

    def endpoint(self, path: str) -> str:
        return f"{self.url}{path}"

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        headers = dict(request.headers)
        with self._lock:
            event_id = headers.get("Marketplace-Event-Id", "")
            self._seen[(request.path, event_id)] += 1
            if request.path in self.down:
                status = 503
            elif request.path in self.moved:
                status = 302
            else:
                status = 500 if self._seen[(request.path, event_id)] <= self.fail_first else 200
            signature = headers.get("Marketplace-Signature", "")
            verified = [s for s in self.secrets.get(request.path, []) if verify(s, signature, body)]
            self.requests.append(Delivery(request.path, headers, body, status, verified))
        if status == 302:
            return Response("", status=302, headers={"Location": f"{self.url}/elsewhere"})
        return Response("ok" if status == 200 else "receiver says no " * 200, status=status)

    def accepted(self, path: str) -> list[Delivery]:
        """The requests to ``path`` the receiver answered 2xx."""
        return [r for r in self.requests if r.path == path and r.status == 200]

    def to(self, path: str) -> list[Delivery]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture(scope="session")
def _receiver_server():
    holder: dict = {}

    def app(environ, start_response):
        return holder["receiver"].handle(Request(environ))(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    holder["receiver"] = Receiver(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["receiver"]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def receiver(_receiver_server):
    """The webhook receiver, fresh for each test."""
    _receiver_server.reset()
    return _receiver_server


@pytest.fixture(autouse=True)
def webhook_settings(app):
    """As in the demo: endpoints on http and on private addresses (the receiver is on 127.0.0.1)."""
    keys = ("WEBHOOK_ALLOW_HTTP", "WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_SECRET_OVERLAP_HOURS")
    saved = {k: app.config[k] for k in keys}
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE=True)
    yield app.config
    app.config.update(saved)
