"""The dispute desk over HTTP: the queue with age, deadline, claim and assignee, its filters, assignment to
platform staff only, and the symmetric dispute metrics of vendors and buyers."""

from __future__ import annotations

import sqlalchemy as sa

from ..factories import assert_ledger_sound


def _disputed(api, world, **body) -> tuple[dict, dict]:
    deal, _ = api.shipped_deal(world)
    dispute = api.post(f"/deals/{deal['id']}/disputes", world.buyer,
                       {"reason": "damaged", "description": "a third of the bearings arrived rusted", **body},
                       expect=201)
    return deal, dispute


def _ids(page) -> list[int]:
    return [row["id"] for row in page["items"]]


def test_the_desk_lists_live_cases_oldest_first_with_their_figures(api, world):
    deal, first = _disputed(api, world)
    _, second = _disputed(api, world, claimed_amount="1000000")
    desk = api.get("/admin/disputes", world.admin)
    assert _ids(desk) == [first["id"], second["id"]]
    row = desk["items"][0]
    assert row["claimed_amount"] == deal["total"] and row["currency"] == "VND"
    assert row["age_days"] == 0 and row["assignee_id"] is None and row["overdue"] is False
    assert (row["buyer_name"], row["vendor_name"]) == ("Nhà máy May Việt Tiến", "Cơ khí Sài Gòn")
    assert desk["items"][1]["claimed_amount"] == "1000000"
    # a withdrawn case leaves the live queue but is found by its status
    api.post(f"/disputes/{first['id']}/withdraw", world.buyer)
    assert _ids(api.get("/admin/disputes", world.admin)) == [second["id"]]
    assert _ids(api.get("/admin/disputes?status=withdrawn", world.admin)) == [first["id"]]
    # paging
    page = api.get("/admin/disputes?limit=1&status=open", world.admin)
    assert _ids(page) == [second["id"]] and page["next_cursor"] is None


def test_assignment_and_the_assignee_filters(api, world):
    _, first = _disputed(api, world)
    _, second = _disputed(api, world)
    colleague = api.platform_admin()
    mine = api.post(f"/admin/disputes/{first['id']}/assign", world.admin, {"assignee_id": world.admin.user_id})
    assert mine["assignee_id"] == world.admin.user_id and mine["assigned_at"]
    api.post(f"/admin/disputes/{second['id']}/assign", world.admin, {"assignee_id": colleague.user_id})
    assert _ids(api.get("/admin/disputes?assignee=me", world.admin)) == [first["id"]]
    assert _ids(api.get("/admin/disputes?assignee=me", colleague)) == [second["id"]]
    assert _ids(api.get(f"/admin/disputes?assignee={colleague.user_id}", world.admin)) == [second["id"]]
    assert _ids(api.get("/admin/disputes?assignee=none", world.admin)) == []
    assert api.get("/admin/disputes", world.admin)["items"][1]["assignee_name"] == "Admin"
    # back to nobody
    api.post(f"/admin/disputes/{second['id']}/assign", colleague, {"assignee_id": None})
    assert _ids(api.get("/admin/disputes?assignee=none", world.admin)) == [second["id"]]
    # the assignment is on the case's timeline
    names = [e["name"] for e in api.get(f"/disputes/{second['id']}/events", world.admin)["items"]]
    assert names.count("assign") == 2


def test_only_platform_staff_take_cases_and_read_the_desk(api, world):
    _, dispute = _disputed(api, world)
    url = f"/admin/disputes/{dispute['id']}/assign"
    for who in (world.buyer, world.vendors[0]):
        api.get("/admin/disputes", who, expect=403)
        api.post(url, who, {"assignee_id": who.user_id}, expect=403)
        api.get("/admin/metrics/disputes", who, expect=403)
    refused = api.post(url, world.admin, {"assignee_id": world.buyer.user_id}, expect=422)
    assert list(refused["error"]["fields"]) == ["assignee_id"]
    api.post(url, world.admin, {"assignee_id": 10**9}, expect=422)
    api.post(url, world.admin, {}, expect=422)
    api.post("/admin/disputes/999999/assign", world.admin, {"assignee_id": None}, expect=404)
    for bad in ("assignee=someone", "status=lost", "overdue=maybe", "sort=age"):
        api.get(f"/admin/disputes?{bad}", world.admin, expect=422)


def test_the_overdue_filter_splits_the_queue(api, world, db):
    _, dispute = _disputed(api, world)
    _, late = _disputed(api, world)
    overdue = _ids(api.get("/admin/disputes?overdue=true", world.admin))
    on_time = _ids(api.get("/admin/disputes?overdue=false", world.admin))
    assert overdue == [] and on_time == [dispute["id"], late["id"]]  # cases opened just now are not late
    with db.engine.begin() as conn:  # the current step's deadline passed (as the negotiation's timers set it)
        conn.execute(sa.text("UPDATE disputes SET deadline_at = now() - interval '1 hour' WHERE id = :id"),
                     {"id": late["id"]})
    overdue = api.get("/admin/disputes?overdue=true", world.admin)
    assert _ids(overdue) == [late["id"]] and overdue["items"][0]["overdue"] is True
    assert overdue["items"][0]["deadline_at"]
    assert _ids(api.get("/admin/disputes?overdue=false", world.admin)) == [dispute["id"]]


def test_metrics_count_both_sides(api, world, run_jobs, db):
    # three shipped deals of vendor 0 with the buyer: two disputed by the buyer, one decided against the vendor
    _, d1 = _disputed(api, world)
    _, d2 = _disputed(api, world)
    api.shipped_deal(world)
    api.funded_deal(world)  # not shipped: not counted against the vendor, but a deal of the buyer
    api.post(f"/admin/disputes/{d1['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "refund"})
    api.post(f"/admin/disputes/{d2['id']}/decision", world.admin, {"rationale": "the evidence shows it", "outcome": "release"})
    run_jobs()
    metrics = api.get("/admin/metrics/disputes?window_days=30", world.admin)
    assert metrics["window_days"] == 30
    vendor = next(v for v in metrics["vendors"] if v["vendor_id"] == world.vendors[0].org_id)
    assert (vendor["deals_shipped"], vendor["disputes"], vendor["decided_against"]) == (3, 2, 1)
    assert vendor["dispute_rate"] == "66.67" and vendor["decided_against_rate"] == "33.33"
    buyer = next(b for b in metrics["buyers"] if b["buyer_id"] == world.buyer.org_id)
    assert (buyer["deals"], buyer["claims"], buyer["claim_rate"]) == (4, 2, "50.00")
    assert metrics["vendors"][0]["vendor_id"] == world.vendors[0].org_id  # most disputes first
    assert_ledger_sound(db)
