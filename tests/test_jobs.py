"""The work machinery: jobs enqueued only after commit, the outbox, backoff and the sweeper's re-drive."""

from __future__ import annotations

import socket
import socketserver
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.database import utcnow
from marketplace.jobs import (
    OutboxCommand,
    OutboxStatus,
    add_outbox_command,
    enqueue_after_commit,
    get_queue,
    redrive_outbox,
    sweep,
)


def _queued(name: str = "default") -> list:
    return get_queue(name).get_jobs()


def _command(db, key: str) -> OutboxCommand:
    db.session.expire_all()
    return db.session.execute(select(OutboxCommand).where(OutboxCommand.key == key)).scalar_one()


def _commands(db) -> int:
    return db.session.execute(select(func.count(OutboxCommand.id))).scalar_one()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept a message from smtplib (a real protocol peer, no mocks)."""

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                body = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(chunk.decode())
                self.server.messages.append("".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_url(app):
    """Set ``SMTP_URL`` for one test; the worker runs in this process and reads the same config."""
    old = app.config.get("SMTP_URL")

    def set_url(url):
        app.config["SMTP_URL"] = url

    yield set_url
    app.config["SMTP_URL"] = old


# --- enqueue_after_commit -------------------------------------------------------------------------


def test_job_is_enqueued_only_after_commit(db):
    add_outbox_command("email.send", "email:test:1", {"to": "a@example.test", "subject": "s", "body": "b"})
    enqueue_after_commit("marketplace.deals.jobs.release_deal", 42, queue="money", job_id="release-deal-42")
    assert _queued("default") == [] and _queued("money") == []  # the rows are not committed yet
    db.session.commit()
    [money_job] = _queued("money")
    assert (money_job.id, money_job.func_name, money_job.args) == ("release-deal-42", "marketplace.deals.jobs.release_deal", (42,))
    [outbox_job] = _queued("default")
    assert outbox_job.func_name == "marketplace.jobs.run_outbox_command"
    assert outbox_job.args == (_command(db, "email:test:1").id,)


def test_nothing_is_enqueued_on_rollback(db):
    add_outbox_command("email.send", "email:test:2", {"to": "a@example.test", "subject": "s", "body": "b"})
    enqueue_after_commit("marketplace.deals.jobs.release_deal", 7, queue="money")
    db.session.rollback()
    assert _commands(db) == 0
    db.session.commit()  # a later commit of the same session must not resurrect the dropped jobs
    assert _queued("default") == [] and _queued("money") == []


def test_a_rollback_before_any_query_still_drops_the_jobs(db):
    db.session.commit()
    enqueue_after_commit("marketplace.deals.jobs.release_deal", 8, queue="money")
    db.session.rollback()
    add_outbox_command("email.send", "email:test:3", {"to": "a@example.test", "subject": "s", "body": "b"})
    db.session.commit()
    assert _queued("money") == []
    assert len(_queued("default")) == 1


def test_savepoints_neither_enqueue_early_nor_drop_other_jobs(db):
    """A released savepoint is not a commit; a rolled-back one drops only the jobs registered inside it."""
    db.session.execute(select(1))
    enqueue_after_commit("marketplace.deals.jobs.release_deal", 1, queue="money", job_id="outer")
    with db.session.begin_nested():
        enqueue_after_commit("marketplace.deals.jobs.release_deal", 2, queue="money", job_id="kept")
    assert _queued("money") == []
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            enqueue_after_commit("marketplace.deals.jobs.release_deal", 3, queue="money", job_id="undone")
            raise RuntimeError("this savepoint rolls back")
    assert _queued("money") == []
    db.session.commit()
    assert sorted(job.id for job in _queued("money")) == ["kept", "outer"]


def test_sweeper_enqueues_release_only_after_its_commit(api, world, db, run_jobs):
    """The inspection deadline fires inside a savepoint; the release job must wait for the sweep's commit."""
    from marketplace.deals.models import Deal
    from marketplace.statemachine import fire_due_deadlines

    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    assert fire_due_deadlines(utcnow() + timedelta(days=8)) == 1
    assert _queued("money") == []  # the acceptance is not committed yet
    db.session.commit()
    assert [job.id for job in _queued("money")] == [f"release-deal-{deal['id']}"]
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Deal, deal["id"]).status == "released"


# --- the outbox -----------------------------------------------------------------------------------


def test_outbox_command_is_created_once_per_key_and_run_by_a_worker(db, run_jobs, smtp_sink, smtp_url):
    smtp_url(f"smtp://127.0.0.1:{smtp_sink.server_address[1]}")
    payload = {"to": "buyer@example.test", "subject": "Deal funded", "body": "Your deal is funded."}
    first = add_outbox_command("email.send", "email:deal-1-funded:5", payload)
    again = add_outbox_command("email.send", "email:deal-1-funded:5", {**payload, "body": "changed"})
    db.session.commit()
    add_outbox_command("email.send", "email:deal-1-funded:5", payload)  # a retried request, later
    db.session.commit()
    assert first.id == again.id and _commands(db) == 1

    run_jobs()
    command = _command(db, "email:deal-1-funded:5")
    assert command.status == OutboxStatus.DONE and command.done_at is not None
    assert command.attempts == 1  # duplicate jobs found it done and skipped it
    assert command.result == {"delivered": True}
    assert command.payload["body"] == "Your deal is funded."  # frozen at the first call
    assert len(smtp_sink.messages) == 1
    assert "Subject: Deal funded" in smtp_sink.messages[0] and "buyer@example.test" in smtp_sink.messages[0]
    # the sweeper finds nothing to re-drive
    assert redrive_outbox() == 0


def test_without_smtp_the_email_is_recorded_not_sent(db, run_jobs):
    add_outbox_command("email.send", "email:x:1", {"to": "a@example.test", "subject": "s", "body": "b"})
    db.session.commit()
    run_jobs()
    command = _command(db, "email:x:1")
    assert command.status == OutboxStatus.DONE
    assert command.result == {"delivered": False, "reason": "SMTP_URL not set"}


def test_failing_handler_backs_off_and_the_sweeper_redrives_it_when_due(db, run_jobs, smtp_sink, smtp_url):
    smtp_url(f"smtp://127.0.0.1:{_closed_port()}")
    add_outbox_command("email.send", "email:retry:1", {"to": "a@example.test", "subject": "hello", "body": "b"})
    db.session.commit()

    run_jobs()
    command = _command(db, "email:retry:1")
    assert command.status == OutboxStatus.PENDING and command.attempts == 1
    assert "ConnectionRefusedError" in command.last_error
    first_wait = command.next_attempt_at - utcnow()
    assert first_wait > timedelta(0)  # backing off: not due yet
    assert redrive_outbox() == 0 and _queued() == []

    # time passes: the row is due, the sweeper re-enqueues it, and it fails again with a longer wait
    db.session.execute(update(OutboxCommand).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert sweep()["outbox"] == 1
    run_jobs()
    command = _command(db, "email:retry:1")
    assert command.status == OutboxStatus.PENDING and command.attempts == 2
    assert command.next_attempt_at - utcnow() > first_wait

    # the mail server is back: the next re-drive delivers it
    smtp_url(f"smtp://127.0.0.1:{smtp_sink.server_address[1]}")
    db.session.execute(update(OutboxCommand).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert redrive_outbox() == 1
    run_jobs()
    command = _command(db, "email:retry:1")
    assert command.status == OutboxStatus.DONE and command.attempts == 3 and command.result == {"delivered": True}
    assert len(smtp_sink.messages) == 1
    assert redrive_outbox() == 0


def test_outbox_gives_up_after_max_attempts(db, run_jobs, smtp_url):
    smtp_url(f"smtp://127.0.0.1:{_closed_port()}")
    add_outbox_command("email.send", "email:giveup:1", {"to": "a@example.test", "subject": "s", "body": "b"})
    db.session.execute(update(OutboxCommand).values(max_attempts=2))
    db.session.commit()
    run_jobs()
    assert _command(db, "email:giveup:1").status == OutboxStatus.PENDING
    db.session.execute(update(OutboxCommand).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert redrive_outbox() == 1
    run_jobs()
    command = _command(db, "email:giveup:1")
    assert command.status == OutboxStatus.FAILED and command.attempts == 2
    assert redrive_outbox() == 0  # failed rows wait for an admin


def test_a_lost_lease_is_redriven(db, run_jobs):
    """A worker that died mid-call leaves a leased row; once the lease expires the sweeper takes it back."""
    add_outbox_command("email.send", "email:lease:1", {"to": "a@example.test", "subject": "s", "body": "b"})
    db.session.commit()
    get_queue("default").empty()  # the job was lost with the worker
    db.session.execute(update(OutboxCommand).values(status=OutboxStatus.LEASED, attempts=1,
                                                    lease_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    assert redrive_outbox() == 0  # still leased by someone
    db.session.execute(update(OutboxCommand).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert redrive_outbox() == 1
    run_jobs()
    command = _command(db, "email:lease:1")
    assert command.status == OutboxStatus.DONE and command.attempts == 2


def test_unknown_outbox_kind_is_refused(db):
    with pytest.raises(ValueError):
        add_outbox_command("fax.send", "fax:1", {})
    assert _commands(db) == 0


def test_a_release_job_for_a_deal_not_yet_accepted_moves_nothing(api, world, db, run_jobs):
    """Jobs re-check state: a stray or early release job leaves a funded deal and its escrow alone."""
    from marketplace.escrow import ledger
    from marketplace.jobs import enqueue

    deal = api.funded_deal(world)
    held = ledger.total_held()
    stray = enqueue("marketplace.deals.jobs.release_deal", deal["id"], queue="money")
    run_jobs()
    assert stray.get_status(refresh=True) == "finished" and stray.return_value() is False  # ran, as a no-op
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert ledger.total_held() == held
    assert "release" not in [e["name"] for e in api.get(f"/deals/{deal['id']}/events", world.buyer)["items"]]
