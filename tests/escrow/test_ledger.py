"""The ledger's rules, enforced by PostgreSQL itself, and races between real sessions."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.escrow import ledger
from marketplace.escrow.models import LedgerTransfer

CLEARING = ledger.clearing_account("bank_transfer")


def _fund(db, amount=1_000_000, deal=1):
    ledger.transfer(f"d{deal}.fund", CLEARING, ledger.escrow_account(deal), amount, "VND", code="fund", deal_id=deal)
    ledger.hold(f"d{deal}.hold", ledger.escrow_account(deal), ledger.vendor_payable(7), amount, "VND", deal_id=deal)
    db.session.commit()


def test_replaying_a_transfer_is_a_no_op(db):
    assert ledger.transfer("t1", CLEARING, ledger.escrow_account(1), 500, "VND", code="fund") is True
    assert ledger.transfer("t1", CLEARING, ledger.escrow_account(1), 500, "VND", code="fund") is False
    db.session.commit()
    assert ledger.balance(ledger.escrow_account(1), "VND") == 500


def test_replay_with_other_figures_is_refused(db):
    ledger.transfer("t1", CLEARING, ledger.escrow_account(1), 500, "VND", code="fund")
    with pytest.raises(ledger.LedgerError):
        ledger.transfer("t1", CLEARING, ledger.escrow_account(1), 501, "VND", code="fund")


def test_database_refuses_update_and_delete_of_transfers(db):
    _fund(db)
    for stmt in ("UPDATE ledger_transfers SET amount = 1", "DELETE FROM ledger_transfers"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(stmt))
    assert db.session.get(LedgerTransfer, "d1.fund").amount == 1_000_000


def test_database_refuses_editing_account_balances_directly(db):
    _fund(db)
    with pytest.raises(sa.exc.DBAPIError, match="only through ledger_transfers"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE ledger_accounts SET credits_posted = credits_posted + 1"))
    with pytest.raises(sa.exc.DBAPIError, match="cannot be deleted"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM ledger_accounts"))


def test_a_liability_account_cannot_go_negative(db):
    _fund(db, 1000)
    # the whole escrow is held for the vendor: nothing more may leave it
    with pytest.raises(ledger.LedgerError) as err:
        ledger.transfer("steal", ledger.escrow_account(1), ledger.buyer_refund_payable(3), 1, "VND", code="refund")
    assert err.value.code == "insufficient_funds"
    db.session.rollback()
    assert ledger.balance(ledger.escrow_account(1), "VND") == 1000


def test_a_hold_resolves_at_most_once(db):
    _fund(db, 1000)
    assert ledger.post_hold("d1.release", "d1.hold") is True
    db.session.commit()
    with pytest.raises(ledger.LedgerError) as err:
        ledger.void_hold("d1.void", "d1.hold")
    assert err.value.code == "hold_resolved"
    db.session.rollback()
    assert ledger.post_hold("d1.release", "d1.hold") is False  # the same resolution again: no-op
    db.session.commit()
    assert ledger.balance(ledger.vendor_payable(7), "VND") == 1000


def test_partial_post_frees_the_rest(db):
    _fund(db, 1000)
    ledger.post_hold("d1.release", "d1.hold", 600)
    ledger.transfer("d1.refund", ledger.escrow_account(1), ledger.buyer_refund_payable(3), 400, "VND", code="refund")
    db.session.commit()
    assert ledger.balance(ledger.vendor_payable(7), "VND") == 600
    assert ledger.balance(ledger.buyer_refund_payable(3), "VND") == 400
    assert ledger.balance(ledger.escrow_account(1), "VND") == 0
    tb = ledger.trial_balance()["VND"]
    assert tb["debits"] == tb["credits"] and tb["debits_pending"] == tb["credits_pending"] == 0


def test_many_sessions_racing_to_release_and_refund_move_money_once(app, db):
    """Eight real database sessions race to resolve one hold: half post it, half void it."""
    _fund(db, 1_000_000)
    engine = db.engine
    barrier = threading.Barrier(8)
    winners: list[str] = []
    lock = threading.Lock()
    sql = sa.text(
        "INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id,"
        " code, meta, created_at) SELECT :id, :kind, debit_account_id, credit_account_id, amount, currency, id,"
        " :code, '{}', now() FROM ledger_transfers WHERE id = 'd1.hold' ON CONFLICT DO NOTHING RETURNING id")

    def worker(i: int) -> None:
        kind, code = ("post_pending", "release") if i % 2 else ("void_pending", "void")
        with Session(engine) as session:
            barrier.wait()
            won = session.execute(sql, {"id": f"d1.{code}.{i}", "kind": kind, "code": code}).scalar_one_or_none()
            session.commit()
        if won:
            with lock:
                winners.append(won)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    resolutions = db.session.execute(sa.select(LedgerTransfer).where(LedgerTransfer.pending_id == "d1.hold")).scalars().all()
    assert len(winners) == 1 and [r.id for r in resolutions] == winners
    tb = ledger.trial_balance()["VND"]
    assert tb["debits"] == tb["credits"] and tb["debits_pending"] == tb["credits_pending"] == 0
    payable = ledger.balance(ledger.vendor_payable(7), "VND")
    assert payable in (0, 1_000_000)
    assert payable + ledger.balance(ledger.escrow_account(1), "VND") == 1_000_000
