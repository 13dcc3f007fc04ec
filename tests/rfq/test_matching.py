"""Matching on real PostgreSQL: hard filters, folded Vietnamese, rationale, quota, idempotency, evaluation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from flask.cli import ScriptInfo

from marketplace.cli import main
from marketplace.jobs import enqueue


def _rfq(api, buyer, title, quantity=100, region="VN-SG", hs_code=None):
    line = {"description": title, "quantity": quantity, "unit": "piece"}
    if hs_code:
        line["hs_code"] = hs_code
    rfq = api.post("/rfqs", buyer, {
        "title": title, "delivery_region": region,
        "quote_deadline": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat(),
        "lines": [line]}, expect=201)
    return api.post(f"/rfqs/{rfq['id']}/publish", buyer)


def _invited(api, buyer, rfq):
    return api.get(f"/rfqs/{rfq['id']}/matches?limit=100", buyer)["items"]


def _laser_vendor(api, admin, n, regions=("VN",), capacity=100000, moq=10, name="Máy cắt laser CNC 3kW"):
    vendor = api.verified_vendor(admin, regions, f"Laser Vendor {n}", capacity=capacity)
    api.product(vendor, f"LASER-{n}", name, "350000000", moq=moq, hs_code="845611",
                description="máy cắt kim loại bằng tia laser")
    return vendor


def test_hard_filters_are_never_crossed(api, run_jobs):
    admin = api.platform_admin()
    good = _laser_vendor(api, admin, 1, regions=("VN-SG",))
    suspended = _laser_vendor(api, admin, 2)
    api.post(f"/admin/vendors/{suspended.org_id}/verification", admin, {"decision": "suspend", "reason": "fraud"})
    elsewhere = _laser_vendor(api, admin, 3, regions=("VN-HN", "VN-HP"))
    big_moq = _laser_vendor(api, admin, 4, moq=500)
    small = _laser_vendor(api, admin, 5, capacity=50)
    buyer = api.register("buyer")

    rfq = _rfq(api, buyer, "Máy cắt laser CNC", quantity=100, region="VN-SG")
    run_jobs()

    invited = {m["vendor_id"] for m in _invited(api, buyer, rfq)}
    assert invited == {good.org_id}
    assert not invited & {suspended.org_id, elsewhere.org_id, big_moq.org_id, small.org_id}


def test_unaccented_request_finds_vietnamese_listing_with_a_stored_rationale(api, run_jobs):
    admin = api.platform_admin()
    laser = _laser_vendor(api, admin, 1)
    rebar = api.verified_vendor(admin, ("VN",), "Thép Hà Nội")
    api.product(rebar, "REBAR-D16", "Thép thanh vằn D16", "14200000", moq=1, hs_code="721420")
    buyer = api.register("buyer")

    rfq = _rfq(api, buyer, "may cat laser", quantity=20)
    run_jobs()

    matches = _invited(api, buyer, rfq)
    assert [m["vendor_id"] for m in matches][0] == laser.org_id
    assert rebar.org_id not in {m["vendor_id"] for m in matches}
    top = matches[0]
    assert top["rank"] == 1 and top["source"] == "match"
    assert top["rationale"]["text"]["best_product"] == "Máy cắt laser CNC 3kW"
    assert top["rationale"]["text"]["score"] > 0
    assert top["rationale"]["hs"]["code"] == "845611"
    assert top["rationale"]["track_record"]["score"] == 0  # no history: neutral
    assert "máy cắt laser" in top["rationale"]["summary"].lower()


def test_hs_code_on_the_line_ranks_the_same_subheading_first(api, run_jobs):
    admin = api.platform_admin()
    heading = api.verified_vendor(admin, ("VN",), "Roller bearings")
    api.product(heading, "ROLLER", "Tapered roller bearings", "50000", moq=1, hs_code="848220")
    exact = api.verified_vendor(admin, ("VN",), "Vòng bi")
    api.product(exact, "VB-6205", "Vòng bi 6205", "18000", moq=1, hs_code="848210")
    buyer = api.register("buyer")

    rfq = _rfq(api, buyer, "bearings for conveyor", quantity=100, hs_code="848210")
    run_jobs()

    matches = _invited(api, buyer, rfq)
    assert [m["vendor_id"] for m in matches] == [exact.org_id, heading.org_id]
    assert matches[0]["rationale"]["hs"]["level"] == "subheading"
    assert matches[1]["rationale"]["hs"]["level"] == "heading"


def test_vendor_over_its_weekly_quota_is_skipped_for_the_next(app, api, run_jobs, monkeypatch):
    monkeypatch.setitem(app.config, "VENDOR_INVITES_PER_WEEK", 1)
    monkeypatch.setitem(app.config, "MATCH_TOP_K", 1)
    admin = api.platform_admin()
    a = _laser_vendor(api, admin, 1)
    b = _laser_vendor(api, admin, 2)
    buyer = api.register("buyer")

    first = _rfq(api, buyer, "máy cắt laser")
    run_jobs()
    [winner] = [m["vendor_id"] for m in _invited(api, buyer, first)]
    second = _rfq(api, buyer, "máy cắt laser")
    run_jobs()

    assert [m["vendor_id"] for m in _invited(api, buyer, second)] == [({a.org_id, b.org_id} - {winner}).pop()]
    third = _rfq(api, buyer, "máy cắt laser")
    run_jobs()
    assert _invited(api, buyer, third) == []  # both used their quota


def test_rerunning_matching_invites_nobody_twice(app, api, run_jobs):
    admin = api.platform_admin()
    vendors = [_laser_vendor(api, admin, n) for n in range(3)]
    buyer = api.register("buyer")
    rfq = _rfq(api, buyer, "may cat laser")
    run_jobs()
    before = _invited(api, buyer, rfq)
    assert {m["vendor_id"] for m in before} == {v.org_id for v in vendors}

    enqueue("marketplace.rfq.jobs.match_rfq", rfq["id"], queue="bulk")
    enqueue("marketplace.rfq.jobs.match_rfq", rfq["id"], queue="bulk")
    run_jobs()

    after = _invited(api, buyer, rfq)
    assert sorted(m["vendor_id"] for m in after) == sorted(m["vendor_id"] for m in before)
    invites = [n for n in api.get("/notifications?limit=100", vendors[0])["items"] if n["kind"] == "rfq_invitation"]
    assert len(invites) == 1


# --- the evaluation command -----------------------------------------------------------------------


def _write_dataset(folder):
    vendors = [
        {"id": "vA", "name": "A", "verified": True, "regions": ["VN"], "monthly_capacity": 1000},
        {"id": "vB", "name": "B", "verified": True, "regions": ["VN-SG"], "monthly_capacity": 1000},
        {"id": "vC", "name": "C", "verified": True, "regions": ["VN-SG"], "monthly_capacity": 1000},
        {"id": "vD", "name": "D", "verified": False, "regions": ["VN"], "monthly_capacity": 1000},
        {"id": "vE", "name": "E", "verified": True, "regions": ["VN-HN"], "monthly_capacity": 1000},
        {"id": "vG", "name": "G", "verified": True, "regions": ["VN"], "monthly_capacity": 1000},
    ]

    def product(vid, name, hs):
        return {"vendor_id": vid, "sku": f"{vid}-1", "name": name, "description": name, "hs_code": hs,
                "unit": "piece", "moq": 10, "price_tiers": [{"min_qty": 10, "unit_price": "18000"}],
                "currency": "VND"}

    products = [product("vA", "Ball bearings", "848210"), product("vB", "Tapered roller bearings", "848220"),
                product("vC", "Gear boxes", "848340"), product("vD", "Ball bearings", "848210"),
                product("vE", "Ball bearings", "848210"), product("vG", "Electric motors", "850110")]
    rfqs = [{"id": "r1", "title": "need ball bearings", "description": "", "quantity": 100, "unit": "piece",
             "delivery_region": "VN-SG", "currency": "VND", "hs_code_hint": None}]
    for name, rows in (("vendors", vendors), ("products", products), ("rfqs", rfqs)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    # vC is (by this hand-made label) not eligible: inviting it is a violation; vG is relevant but missed
    (folder / "eligible.tsv").write_text("r1\tvA\nr1\tvB\nr1\tvG\n")
    (folder / "qrels.tsv").write_text("r1\t0\tvA\t3\nr1\t0\tvB\t2\nr1\t0\tvG\t2\n")


def test_eval_command_prints_the_hand_computed_metrics(app, tmp_path):
    _write_dataset(tmp_path)
    result = CliRunner().invoke(main, ["eval-matching", str(tmp_path), "--k", "3"],
                                obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)

    assert result.exit_code == 0, result.output
    # ranking vA (3), vB (2), vC (0): DCG = 7 + 3/log2(3); IDCG = 7 + 3/log2(3) + 3/log2(4)
    # nDCG@10 = 8.8928 / 10.3928 = 0.856; P@5 = 2/5; R@8 = 2/3; one violation (vC) in the top 3
    assert "rfqs=1 nDCG@10=0.856 P@5(g>=2)=0.400 R@8(g>=2)=0.667 filter_violations_in_top3=1" in result.output
