"""Escrow fixtures: localstripe as a process and the in-repo Stripe test server in front of it.

Routing: the app's STRIPE_API_BASE points at tests/stripe_server.py, which serves Accounts,
AccountLinks and Transfers itself and forwards everything else to localstripe (a tiny proxy),
because one stripe client has one API base.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from tests.factories import SECRET_KEY, WEBHOOK_SECRET
from tests.stripe_server import StripeTestServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """localstripe (the PyPI emulator) as a separate process on a free port, for this session only."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)
    proc = subprocess.Popen(["localstripe", "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            req = urllib.request.Request(f"{url}/v1/balance", headers={"Authorization": f"Bearer {SECRET_KEY}"})
            urllib.request.urlopen(req, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start; see {log.name}") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def _stripe_peer(localstripe_url):
    server = StripeTestServer(localstripe_url, WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server(app, _stripe_peer):
    """The app configured for Stripe against the test server (fresh state per test)."""
    _stripe_peer.reset()
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_TIMEOUT_SECONDS")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=_stripe_peer.url, STRIPE_TIMEOUT_SECONDS=2)
    yield _stripe_peer
    app.config.update(saved)

