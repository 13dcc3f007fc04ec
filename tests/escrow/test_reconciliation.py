"""Reconciliation: the bank clearing account against the imported statements, mismatch by mismatch."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from flask.cli import ScriptInfo

from marketplace.escrow import ledger
from marketplace.escrow.gateways.bank.models import (
    BankStatementImport,
    BankStatementLine,
)
from marketplace.jobs import enqueue
from tests.factories import TOTAL, assert_ledger_sound, awaiting_deal, import_rows, row


def _kinds(report) -> list[tuple[str, str]]:
    return sorted((m["kind"], m["subject"]) for m in report["mismatches"])


def test_statement_driven_money_reconciles_clean(api, world, db):
    _, (m1,) = awaiting_deal(api, world)
    _, (m2,) = awaiting_deal(api, world)
    _, (m3,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m1["reference"]), row(TOTAL, m1["reference"]),  # exact + duplicate
                row(5_000_000, m2["reference"]), row(TOTAL + 1, m3["reference"]))  # partial, over
    import_rows(api, world.admin, row(TOTAL - 5_000_000, m2["reference"]))  # top-up
    body = api.post("/admin/reconciliation", world.admin, expect=201)
    assert body["status"] == "clean" and body["mismatches"] == []
    assert body["summary"]["bank_transfer"]["VND"]["statement_received"] == str(4 * TOTAL + 1)
    assert body["summary"]["bank_transfer"]["VND"]["ledger_received"] == str(4 * TOTAL + 1)
    batch = api.post("/admin/payouts", world.admin, {}, expect=201)
    api.post(f"/admin/payouts/{batch['id']}/mark-paid", world.admin, {"bank_reference": "R1"})
    after = api.post("/admin/reconciliation", world.admin, expect=201)
    assert after["status"] == "clean"
    assert after["summary"]["bank_transfer"]["VND"]["paid_out"] == str(TOTAL + 1)
    assert api.get("/admin/reconciliation", world.admin)["id"] == after["id"]
    assert_ledger_sound(db)


def test_admin_confirmation_without_a_statement_line_is_reported_until_the_statement_arrives(api, world, db):
    _, (m,) = awaiting_deal(api, world)
    api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(TOTAL), "currency": "VND"})
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    assert report["status"] == "mismatches"
    assert _kinds(report) == [("confirmation_without_statement", f"transfer:m{m['id']}.fund")]
    assert report["mismatches"][0]["actual"] == str(TOTAL)
    assert api.get(f"/admin/reconciliation/{report['id']}", world.admin)["mismatch_count"] == 1

    import_rows(api, world.admin, row(TOTAL, m["reference"]))
    assert api.post("/admin/reconciliation", world.admin, expect=201)["status"] == "clean"
    assert_ledger_sound(db)


def test_unassigned_suspense_is_reported_until_assigned(api, world, db):
    _, (m,) = awaiting_deal(api, world)
    (line,) = import_rows(api, world.admin, row(TOTAL, "no reference at all"))["lines"]
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    assert _kinds(report) == [("unassigned_suspense", f"line:{line['id']}")]
    api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m["id"]})
    assert api.post("/admin/reconciliation", world.admin, expect=201)["status"] == "clean"
    assert_ledger_sound(db)


def test_a_statement_line_without_ledger_transfers_is_reported(api, world, db):
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m["reference"]))
    # a line that reached the table without being booked (as a buggy import would leave it)
    record = BankStatementImport(bank_account="0000000000", sha256="0" * 64, lines_total=1, lines_new=1)
    db.session.add(record)
    db.session.flush()
    db.session.add(BankStatementLine(import_id=record.id, bank_account="0000000000", bank_transaction_id="GHOST",
                                     booked_on=date(2026, 11, 20), amount=42_000, currency="VND", description="",
                                     state="matched", transfer_ids=[], applied_amount=0, excess_amount=0))
    db.session.commit()
    report = api.post("/admin/reconciliation", world.admin, expect=201)
    kinds = _kinds(report)
    assert [k for k, _ in kinds] == ["clearing_total_mismatch", "line_without_ledger"]
    total = next(m for m in report["mismatches"] if m["kind"] == "clearing_total_mismatch")
    assert (total["expected"], total["actual"]) == (str(TOTAL + 42_000), str(TOTAL))


def test_a_partial_credit_stranded_by_a_manual_confirmation_is_reported(api, world, db):
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(1_000_000, m["reference"]))
    api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(TOTAL), "currency": "VND"})
    kinds = [k for k, _ in _kinds(api.post("/admin/reconciliation", world.admin, expect=201))]
    assert kinds == ["confirmation_without_statement", "stranded_partial_credit"]
    assert_ledger_sound(db)


def test_the_reconciliation_job_stores_a_report(api, world, run_jobs):
    api.get("/admin/reconciliation", world.admin, expect=404)
    _, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m["reference"]))
    enqueue("marketplace.escrow.jobs.reconcile_job", queue="money")
    run_jobs()
    report = api.get("/admin/reconciliation", world.admin)
    assert report["status"] == "clean" and report["summary"]["bank_transfer"]["VND"]["statement_received"] == str(TOTAL)
    api.get("/admin/reconciliation", world.vendors[0], expect=403)


def test_the_reconcile_command_prints_mismatches_and_fails(app, api, world):
    _, (m,) = awaiting_deal(api, world)
    from marketplace.cli import main

    runner = CliRunner()
    clean = runner.invoke(main, ["reconcile"], obj=ScriptInfo(create_app=lambda: app))
    assert clean.exit_code == 0, clean.output
    assert "clean" in clean.output
    api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(TOTAL), "currency": "VND"})
    dirty = runner.invoke(main, ["reconcile"], obj=ScriptInfo(create_app=lambda: app))
    assert dirty.exit_code == 1
    assert "confirmation_without_statement" in dirty.output


def test_assigning_a_suspense_line_to_a_confirmed_milestone_backs_the_confirmation(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(TOTAL), "currency": "VND"})
    (line,) = import_rows(api, world.admin, row(TOTAL, "memo lost by the bank"))["lines"]
    assert [k for k, _ in _kinds(api.post("/admin/reconciliation", world.admin, expect=201))] == [
        "confirmation_without_statement", "unassigned_suspense"]
    assigned = api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m["id"]})
    assert assigned["state"] == "assigned" and f"m{m['id']}.fund" in assigned["transfer_ids"]
    assert api.post("/admin/reconciliation", world.admin, expect=201)["status"] == "clean"
    assert ledger.balance(ledger.clearing_account("bank_transfer"), "VND") == TOTAL
    assert ledger.balance(ledger.buyer_refund_payable(world.buyer.org_id), "VND") == 0
    assert_ledger_sound(db)
