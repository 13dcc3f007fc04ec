"""Deals accepted together (one sweep's lapsed inspections) are released by shared jobs (issue 13): the same money
and notices as one job per deal, fewer statements, and one refused deal fails alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from marketplace.database import call_after_commit_batched, utcnow
from marketplace.deals.jobs import release_deals
from marketplace.deals.models import Deal
from marketplace.deals.services import enqueue_releases
from marketplace.deals.services.payments import RELEASE_BATCH
from marketplace.escrow import ledger
from marketplace.jobs import get_queue
from marketplace.notifications.models import Notification
from marketplace.statemachine import fire_due_deadlines

from .test_races import _accepted_deal


def _delivered_deal(api, world) -> dict:
    deal = api.funded_deal(world)
    api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {}, expect=201)
    api.post(f"/deals/{deal['id']}/confirm-delivery", world.buyer)
    return deal


def _statuses(db, ids: list[int]) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Deal.id, Deal.status).where(Deal.id.in_(ids))).all())


def _settled(deal: dict) -> bool:
    s = ledger.deal_summary(deal["id"], "VND")
    return s["released"] + s["commission"] == int(deal["total"]) and s["held"] == 0 and s["refunded"] == 0


def test_a_sweep_that_accepts_several_deals_releases_them_in_one_job(api, world, db, run_jobs):
    deals = [_delivered_deal(api, world) for _ in range(3)]
    ids = sorted(d["id"] for d in deals)
    assert fire_due_deadlines(utcnow() + timedelta(days=8)) == 3  # the inspections lapse: accepted by silence
    db.session.commit()
    queued = get_queue("money").get_jobs()
    assert [(j.func_name, j.args) for j in queued] == [("marketplace.deals.jobs.release_deals", (ids,))]
    run_jobs()
    assert _statuses(db, ids) == {i: "released" for i in ids}
    assert all(_settled(d) for d in deals)
    told = set(db.session.execute(select(Notification.org_id, Notification.key)).all())
    for i in ids:  # both parties of every deal, as one job per deal would tell them
        assert (world.vendors[0].org_id, f"deal-{i}-released") in told
        assert (world.buyer.org_id, f"deal-{i}-completed") in told
    assert release_deals(ids) == 0  # run again (a re-drive): nothing moves twice
    assert all(_settled(d) for d in deals)


def test_batches_hold_at_most_the_batch_size_and_a_lone_deal_keeps_its_own_job(app):
    ids = list(range(1, 2 * RELEASE_BATCH + 2))
    job_ids = enqueue_releases(list(reversed(ids)))
    jobs = get_queue("money").get_jobs()
    assert [j.id for j in jobs] == job_ids
    assert [j.args[0] for j in jobs] == [ids[:RELEASE_BATCH], ids[RELEASE_BATCH:2 * RELEASE_BATCH], ids[-1:]]
    assert enqueue_releases([7, 7]) == ["release-deal-7"]
    assert get_queue("money").fetch_job("release-deal-7").func_name == "marketplace.deals.jobs.release_deal"


def test_one_refused_deal_fails_alone_and_the_others_are_released(api, world, db, run_jobs):
    deals = [_accepted_deal(api, world) for _ in range(3)]
    get_queue("money").empty()  # each acceptance queued its own job; the batch below stands in for them
    ids = sorted(d["id"] for d in deals)
    bad, good = deals[1], [deals[0], deals[2]]
    second = bad["milestones"][1]["id"]
    ledger.void_hold(f"m{second}.tamper", f"m{second}.hold", code="void")  # the ledger will refuse its release
    db.session.commit()
    bad_before = ledger.deal_summary(bad["id"], "VND")
    assert release_deals(ids) == 0  # the batch rolled back whole ...
    assert _statuses(db, ids) == {i: "accepted" for i in ids}
    queued = get_queue("money").get_jobs()  # ... and each deal got its own job
    assert sorted((j.func_name, j.args) for j in queued) == [("marketplace.deals.jobs.release_deal", (i,)) for i in ids]
    run_jobs()  # the refused deal's job fails, alone
    assert _statuses(db, ids) == {good[0]["id"]: "released", bad["id"]: "accepted", good[1]["id"]: "released"}
    assert all(_settled(d) for d in good)
    assert ledger.deal_summary(bad["id"], "VND") == bad_before


def test_a_batch_shares_its_reads_and_notices(api, world, db):
    deals = [_accepted_deal(api, world) for _ in range(4)]  # two milestones each
    ids = sorted(d["id"] for d in deals)
    ledger.account(ledger.COMMISSION, "VND")
    db.session.commit()
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert release_deals(ids) == 4
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # once for the batch: the lock, the milestones' read, the parties, the notices' insert, their members
    for shared in ("SELECT deals.", "SELECT milestones.", "SELECT organizations.", "INSERT INTO notifications",
                   "SELECT memberships."):
        assert len([q for q in seen if q.startswith(shared)]) == 1, shared
    # per milestone: the hold posted, the commission, its row; per deal: its state, its event, its deadlines; once:
    # the five above, the webhook endpoints and the members' users. The e-mails to members (outbox rows, their
    # preferences) come on top, per notice.
    mail = [q for q in seen if q.startswith(("INSERT INTO outbox_commands", "SELECT notification_preferences"))]
    assert len(seen) - len(mail) == (3 * 2 + 3) * len(ids) + 7, seen
    single = 3 * 2 + 3 + 7
    assert len(seen) - len(mail) < single * len(ids) * 0.7  # 4 deals alone: 64 statements, together: 43
    assert all(_settled(d) for d in deals)


def test_batched_after_commit_hooks_get_one_call_without_what_rolled_back(db):
    calls: list[list] = []
    db.session.execute(select(1))
    call_after_commit_batched(db.session(), calls.append, 1)
    with db.session.begin_nested():
        call_after_commit_batched(db.session(), calls.append, 2)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        call_after_commit_batched(db.session(), calls.append, 3)
        raise RuntimeError("this savepoint rolls back")
    assert calls == []
    db.session.commit()
    assert calls == [[1, 2]]
