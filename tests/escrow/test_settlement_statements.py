"""A release's statements (issue 13): each transfer is one INSERT, without a savepoint or account look-ups,
and a refusal mid-settlement still moves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from marketplace.deals.jobs import release_deal
from marketplace.deals.models import Deal
from marketplace.escrow import ledger

from .test_races import _accepted_deal


def _statements(db, fn, *args):
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        result = fn(*args)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return result, seen


def test_a_release_books_each_transfer_in_one_statement(api, world, db):
    deal = _accepted_deal(api, world)  # two held milestones
    ledger.account(ledger.COMMISSION, "VND")  # the platform's first commission creates its account (one look-up)
    db.session.commit()
    released, seen = _statements(db, release_deal, deal["id"])
    assert released is True
    assert not [s for s in seen if "SAVEPOINT" in s.upper()], seen
    assert not [s for s in seen if s.startswith("SELECT") and "FROM ledger_" in s], seen
    inserts = [s for s in seen if s.startswith("INSERT INTO ledger_transfers")]
    assert len(inserts) == 4  # per milestone: the hold posted, the commission
    s = ledger.deal_summary(deal["id"], "VND")
    assert s["released"] + s["commission"] == int(deal["total"]) and s["held"] == 0
    assert release_deal(deal["id"]) is False  # a second run: a no-op


def test_a_refusal_mid_settlement_moves_nothing(api, world, db):
    deal = _accepted_deal(api, world)
    second = deal["milestones"][1]["id"]
    # the second milestone's hold is already resolved (voided behind the deal's back): the database refuses
    ledger.void_hold(f"m{second}.tamper", f"m{second}.hold", code="void")
    db.session.commit()
    before = ledger.deal_summary(deal["id"], "VND")
    with pytest.raises(ledger.LedgerError) as err:
        release_deal(deal["id"])
    assert err.value.code == "hold_resolved"
    # the first milestone's release rolled back with the job's transaction
    assert ledger.deal_summary(deal["id"], "VND") == before
    assert db.session.get(Deal, deal["id"]).status == "accepted"
    assert not [t for t in ledger.deal_ledger(deal["id"]) if t.id.endswith((".release", ".commission"))]
