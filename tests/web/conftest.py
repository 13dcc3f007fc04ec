"""Browser fixtures: the app served live on a real port, Debian's Chromium driven by Playwright.

The live server is this test run's app (real PostgreSQL and Redis) in a thread; journeys that need
background work start a real ``marketplace worker`` process with ``worker_process``. Chromium comes
from Debian (no browser download): when it is missing and we may install packages, it is installed
here, so the README's one test command prepares a fresh machine; otherwise the run fails (never skips).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pyotp
import pytest
from werkzeug.serving import make_server

from marketplace.settings import PROJECT_ROOT
from marketplace.web.catalogue import translations

#: where screenshots go when SCREENSHOTS=1 (the README shows them)
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
#: Chromium flags for a closed network and a root user (see the machine notes)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """Debian's chromium, installed with apt-get when missing (as root); fails the run when impossible."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = shutil.which("chromium")
        if found:
            return found
    pytest.fail("Debian's chromium is needed for the browser tests: apt-get install chromium (or set CHROMIUM_PATH)")


class LiveServer:
    """The app on 127.0.0.1 in a thread (werkzeug, threaded)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems(list):
    """Console errors (CSP violations among them) and failed requests seen by a page."""


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(locale="vi")``: a fresh browser context (own cookies) on the live server; at the end of
    the test, no page may have logged a console error (a CSP violation is one) or an uncaught exception, and
    every page document must have carried the strict Content-Security-Policy."""
    contexts = []
    problems = PageProblems()

    def make(locale: str = "vi"):
        context = browser.new_context(base_url=live_server.url, locale=locale,
                                      extra_http_headers={"Accept-Language": locale})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and "status of 4" not in msg.text else None)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("response", lambda response: _check_headers(response, live_server.url, problems))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def _check_headers(response, base_url: str, problems: list) -> None:
    """Every page of ours (an HTML document, error pages included) carries the strict CSP."""
    if response.request.resource_type != "document" or not response.url.startswith(base_url):
        return
    if response.status in (301, 302, 303, 307, 308) or "text/html" not in response.headers.get("content-type", ""):
        return  # files shown inline (a PDF in the verification queue) carry their own, narrower policy
    policy = response.headers.get("content-security-policy", "")
    if "script-src 'self'" not in policy or "unsafe-inline" in policy or "frame-ancestors" not in policy:
        problems.append(f"no strict Content-Security-Policy on {response.url}: {policy!r}")
    if response.headers.get("x-content-type-options") != "nosniff":
        problems.append(f"no X-Content-Type-Options on {response.url}")


@pytest.fixture
def page(new_page):
    """One browser page in Vietnamese (the default language)."""
    return new_page("vi")


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot for the README when SCREENSHOTS=1 (a no-op otherwise)."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def login(page, email: str, password: str, totp_secret: str | None = None) -> None:
    """Log in through the login page (and the second-factor page when the user has one)."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit].primary")
    if totp_secret:
        page.fill("input[name=code]", pyotp.TOTP(totp_secret).now())
        page.click("form button[type=submit].primary")
    page.wait_for_load_state("networkidle")


#: English words that give away an untranslated sentence (user data in the vi journeys is Vietnamese)
ENGLISH_WORDS = frozenset("the and your you with this that from will has have been are not for what when "
                          "which there their please must may can".split())


def _english_catalogue() -> dict[str, str]:
    """msgid -> Vietnamese of every message whose translation differs from its English id."""
    return {k: v for k, v in translations("vi").items() if isinstance(k, str) and isinstance(v, str) and k != v}


def untranslated(page) -> list[str]:
    """What on a ``vi`` page is still English: message ids shown as they are, or lines of English words."""
    text = page.inner_text("body")
    found = []
    for msgid in _english_catalogue():
        if len(msgid) >= 6 and (" " in msgid) and "%(" not in msgid and msgid in text:
            found.append(f"message id: {msgid!r}")
    for line in text.splitlines():
        words = [w.strip(".,:;!?()").lower() for w in line.split()]
        if sum(w in ENGLISH_WORDS for w in words) >= 2:
            found.append(f"English line: {line.strip()!r}")
    return found
