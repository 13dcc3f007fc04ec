"""Bank statement import: each credit is matched, kept as partial credit, refunded or held in suspense; none is lost."""

from __future__ import annotations

import pytest

from marketplace.escrow import ledger
from marketplace.escrow.gateways import payment_reference
from marketplace.escrow.gateways.bank.parsing import reference_candidates
from marketplace.escrow.ledger import SUSPENSE, unapplied_account
from tests.factories import (
    TOTAL,
    assert_ledger_sound,
    awaiting_deal,
    balances,
    csv_bytes,
    import_rows,
    row,
    upload,
)

CLEARING = ledger.clearing_account("bank_transfer")


def _accounts(world, deal):
    return (CLEARING, ledger.escrow_account(deal["id"]), ledger.buyer_refund_payable(world.buyer.org_id),
            unapplied_account(world.buyer.org_id), SUSPENSE)


def test_exact_payment_funds_the_milestone(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    memo = f"CT DEN:0912 {m['reference'].lower()} thanh toan don hang"
    body = import_rows(api, world.admin, row(TOTAL, memo))
    (line,) = body["lines"]
    assert line["state"] == "matched" and line["milestone_id"] == m["id"] and line["reference"] == m["reference"]
    assert body["statement"]["lines_new"] == 1
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    clearing, escrow, refund, unapplied, suspense = _accounts(world, deal)
    assert balances(clearing, escrow, refund, unapplied, suspense) == {
        clearing: TOTAL, escrow: TOTAL, refund: 0, unapplied: 0, suspense: 0}
    assert_ledger_sound(db)


def test_under_payment_waits_for_top_ups_then_funds_once(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    clearing, escrow, refund, unapplied, _ = _accounts(world, deal)
    first = import_rows(api, world.admin, row(10_000_000, m["reference"]))["lines"][0]
    assert first["state"] == "partial"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "awaiting_payment"
    assert balances(clearing, escrow, unapplied) == {clearing: 10_000_000, escrow: 0, unapplied: 10_000_000}

    second = import_rows(api, world.admin, row(5_000_000, m["reference"]))["lines"][0]
    assert second["state"] == "partial"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "awaiting_payment"

    last = import_rows(api, world.admin, row(TOTAL - 15_000_000, m["reference"]))["lines"][0]
    assert last["state"] == "matched"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert balances(clearing, escrow, refund, unapplied) == {clearing: TOTAL, escrow: TOTAL, refund: 0, unapplied: 0}
    assert ledger.deal_summary(deal["id"], "VND")["funded"] == TOTAL
    assert_ledger_sound(db)


def test_top_up_beyond_the_amount_keeps_the_excess_for_the_buyer(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    clearing, escrow, refund, unapplied, _ = _accounts(world, deal)
    import_rows(api, world.admin, row(10_000_000, m["reference"]))
    line = import_rows(api, world.admin, row(9_000_000, m["reference"]))["lines"][0]
    assert line["state"] == "excess" and line["excess_amount"] == "1000000" and line["applied_amount"] == "8000000"
    assert balances(clearing, escrow, refund, unapplied) == {
        clearing: 19_000_000, escrow: TOTAL, refund: 1_000_000, unapplied: 0}
    assert_ledger_sound(db)


def test_over_payment_funds_and_puts_the_excess_in_refund_payable(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    clearing, escrow, refund, unapplied, _ = _accounts(world, deal)
    (line,) = import_rows(api, world.admin, row(TOTAL + 500_000, m["reference"]))["lines"]
    assert line["state"] == "excess" and line["excess_amount"] == "500000"
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert balances(clearing, escrow, refund, unapplied) == {
        clearing: TOTAL + 500_000, escrow: TOTAL, refund: 500_000, unapplied: 0}
    assert_ledger_sound(db)


def test_duplicate_payment_goes_whole_to_refund_payable(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    clearing, escrow, refund, _, _ = _accounts(world, deal)
    body = import_rows(api, world.admin, row(TOTAL, m["reference"]), row(TOTAL, f"{m['reference']} lan 2"))
    assert [l["state"] for l in body["lines"]] == ["matched", "duplicate"]
    assert balances(clearing, escrow, refund) == {clearing: 2 * TOTAL, escrow: TOTAL, refund: TOTAL}
    assert ledger.deal_summary(deal["id"], "VND")["funded"] == TOTAL
    assert_ledger_sound(db)


def test_milestones_of_one_deal_are_matched_each_to_its_reference(api, world, db):
    terms = [{"name": "deposit", "percent": 30, "due": "on_award"},
             {"name": "balance", "percent": 70, "due": "before_shipment"}]
    deal, (deposit, balance) = awaiting_deal(api, world, terms)
    body = import_rows(api, world.admin, row(deposit["amount"], deposit["reference"]))
    assert body["lines"][0]["milestone_id"] == deposit["id"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "awaiting_payment"
    import_rows(api, world.admin, row(balance["amount"], balance["reference"]))
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert ledger.total_held()["VND"] == TOTAL
    assert_ledger_sound(db)


def test_unmatched_line_waits_in_suspense_until_an_admin_assigns_it(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    clearing, escrow, refund, _, suspense = _accounts(world, deal)
    (line,) = import_rows(api, world.admin, row(TOTAL, "chuyen tien hang thang 11"))["lines"]
    assert line["state"] == "unmatched" and line["reason"] == "no_reference"
    assert balances(clearing, suspense, escrow) == {clearing: TOTAL, suspense: TOTAL, escrow: 0}
    waiting = api.get("/admin/bank-statements/lines?state=unmatched", world.admin)["items"]
    assert [l["id"] for l in waiting] == [line["id"]]

    assigned = api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"reference": m["reference"]})
    assert assigned["state"] == "assigned" and assigned["milestone_id"] == m["id"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert balances(clearing, suspense, escrow, refund) == {clearing: TOTAL, suspense: 0, escrow: TOTAL, refund: 0}
    assert api.get("/admin/bank-statements/lines?state=unmatched", world.admin)["items"] == []
    # assigning again is a no-op; assigning elsewhere is refused
    again = api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m["id"]})
    assert again["state"] == "assigned"
    other, (m2,) = awaiting_deal(api, world)
    err = api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m2["id"]},
                   expect=409)
    assert err["error"]["code"] == "line_not_unmatched"
    assert balances(clearing, suspense, escrow) == {clearing: TOTAL, suspense: 0, escrow: TOTAL}
    assert_ledger_sound(db)


def test_assigning_a_short_line_keeps_it_as_partial_credit(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    _, escrow, _, unapplied, suspense = _accounts(world, deal)
    (line,) = import_rows(api, world.admin, row(8_000_000, "no memo"))["lines"]
    api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m["id"]})
    assert balances(unapplied, suspense, escrow) == {unapplied: 8_000_000, suspense: 0, escrow: 0}
    import_rows(api, world.admin, row(TOTAL - 8_000_000, m["reference"]))
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "funded"
    assert balances(unapplied, escrow) == {unapplied: 0, escrow: TOTAL}
    assert_ledger_sound(db)


def test_assigning_to_a_paid_milestone_is_refused_and_moves_nothing(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m["reference"]))
    (line,) = import_rows(api, world.admin, row(1000, "???"))["lines"]
    err = api.post(f"/admin/bank-statements/lines/{line['id']}/assign", world.admin, {"milestone_id": m["id"]},
                   expect=409)
    assert err["error"]["code"] == "milestone_not_payable"
    assert api.get(f"/admin/bank-statements/lines/{line['id']}", world.admin)["state"] == "unmatched"
    assert ledger.balance(SUSPENSE, "VND") == 1000
    assert_ledger_sound(db)


@pytest.mark.parametrize("memo_of", [
    lambda ref: ref.lower(),
    lambda ref: f"IBFT {ref[:3]} {ref[3:-2]} {ref[-2:]}",
    lambda ref: "-".join(ref) + ".",
    lambda ref: f"MBVCB.{ref}.0987654321.CT tu 0071000 toi",
    lambda ref: f"{ref}0987654",
])
def test_references_survive_what_banks_do_to_memos(api, world, db, memo_of):
    deal, (m,) = awaiting_deal(api, world)
    (line,) = import_rows(api, world.admin, row(TOTAL, memo_of(m["reference"])))["lines"]
    assert (line["state"], line["milestone_id"]) == ("matched", m["id"])
    assert ledger.total_held()["VND"] == TOTAL
    assert_ledger_sound(db)


@pytest.mark.parametrize("memo_of, reason", [
    (lambda ref: ref[:-2] + ("00" if ref[-2:] != "00" else "01"), "bad_check_digits"),
    (lambda ref: ref[:-3] + str((int(ref[-3]) + 1) % 10) + ref[-2:], "bad_check_digits"),
    (lambda ref: payment_reference(999999, 1), "unknown_reference"),
    (lambda ref: "thanh toan tien hang", "no_reference"),
])
def test_bad_references_leave_the_line_unmatched(api, world, db, memo_of, reason):
    deal, (m,) = awaiting_deal(api, world)
    (line,) = import_rows(api, world.admin, row(TOTAL, memo_of(m["reference"])))["lines"]
    assert (line["state"], line["reason"]) == ("unmatched", reason)
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "awaiting_payment"
    assert ledger.balance(SUSPENSE, "VND") == TOTAL
    assert_ledger_sound(db)


def test_reference_candidates_need_valid_check_digits():
    ref = payment_reference(12, 1)
    assert reference_candidates(f"xx {ref.lower()} yy") == ([ref], None)
    assert reference_candidates("MKP12M199")[1] in (None, "bad_check_digits")
    assert reference_candidates("") == ([], "no_reference")


def test_currency_other_than_the_deal_is_unmatched(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    (line,) = import_rows(api, world.admin, row("180.00", m["reference"], currency="USD"))["lines"]
    assert (line["state"], line["reason"]) == ("unmatched", "currency_mismatch")
    assert ledger.balance(SUSPENSE, "USD") == 18000
    assert_ledger_sound(db)


def test_reimporting_the_same_file_adds_nothing(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    data = csv_bytes([row(10_000_000, m["reference"], txn="FT1"), row(TOTAL, "unknown payer", txn="FT2")])
    first = upload(api, world.admin, data)
    assert first["statement"]["lines_new"] == 2
    before = balances(*_accounts(world, deal))
    second = upload(api, world.admin, data)
    assert second["statement"]["lines_new"] == 0 and second["lines"] == []
    assert balances(*_accounts(world, deal)) == before
    assert len(api.get("/admin/bank-statements/lines", world.admin)["items"]) == 2
    # another bank account may reuse the bank's ids
    third = upload(api, world.admin, data, bank_account="999888777")
    assert third["statement"]["lines_new"] == 2
    assert_ledger_sound(db)


def test_reimporting_a_transaction_id_with_other_figures_is_refused(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    import_rows(api, world.admin, row(TOTAL, m["reference"], txn="FT1"))
    err = import_rows(api, world.admin, row(TOTAL - 1, m["reference"], txn="FT1"), row(5, "new", txn="FT9"), expect=422)
    assert err["error"]["fields"]["rows"]["2"]["transaction_id"]
    assert len(api.get("/admin/bank-statements/lines", world.admin)["items"]) == 1


def test_semicolons_day_first_dates_and_column_aliases_are_accepted(api, world):
    deal, (m,) = awaiting_deal(api, world)
    data = f"Booking_Date;Memo;Amount;Currency;Bank_Transaction_Id;Balance\n20/11/2026;{m['reference']};{TOTAL};vnd;X1;0\n"
    (line,) = upload(api, world.admin, data.encode("utf-8-sig"))["lines"]
    assert line["state"] == "matched" and line["booked_on"] == "2026-11-20"


@pytest.mark.parametrize("data, where", [
    (b"date,amount,currency,transaction_id\n2026-11-20,100,VND,A1\n", "file"),
    (csv_bytes([row("12,5", "x", txn="A1")]), "rows"),
    (csv_bytes([row("abc", "x", txn="A1")]), "rows"),
    (csv_bytes([row("100.5", "x", txn="A1")]), "rows"),
    (csv_bytes([row("1.001", "x", currency="USD", txn="A1")]), "rows"),
    (csv_bytes([row("100", "x", currency="XYZ", txn="A1")]), "rows"),
    (csv_bytes([row("-100", "x", txn="A1")]), "rows"),
    (csv_bytes([row("100", "x", txn="A1", day="2026-13-45")]), "rows"),
    (csv_bytes([row("100", "x", txn="A1"), row("200", "y", txn="A1")]), "rows"),
    (csv_bytes([row("100", "Thanh toán hàng", txn="A1")]).decode().encode("cp1258"), "file"),
    ("date,amount,currency,description,transaction_id\n".encode("utf-16"), "file"),
    (b"", "file"),
])
def test_malformed_statements_are_refused_whole(api, world, db, data, where):
    good = row(TOTAL, "a good row", txn="GOOD1")
    if where == "rows":  # a good row beside the bad one must not be imported either
        data = data.replace(b"\n", ("\n" + good + "\n").encode(), 1).replace(b"\n\n", b"\n")
    err = upload(api, world.admin, data, expect=422)["error"]
    assert err["code"] == "invalid" and err["message"] and where in err["fields"]
    assert api.get("/admin/bank-statements/lines", world.admin)["items"] == []
    assert ledger.balance(CLEARING, "VND") == 0


def test_upload_without_a_file_is_a_422_envelope(api, world):
    resp = api.client.post("/api/v1/admin/bank-statements", headers=world.admin.headers,
                           content_type="multipart/form-data", data={})
    assert resp.status_code == 422
    assert "file" in resp.get_json()["error"]["fields"]


def test_only_platform_admins_import_statements(api, world):
    upload(api, world.buyer, csv_bytes([row(1, "x")]), expect=403)
    upload(api, world.vendors[0], csv_bytes([row(1, "x")]), expect=403)


def test_statement_line_backs_an_earlier_admin_confirmation_instead_of_duplicating(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": str(TOTAL), "currency": "VND"})
    (line,) = import_rows(api, world.admin, row(TOTAL, m["reference"]))["lines"]
    assert line["state"] == "matched" and line["transfer_ids"] == [f"m{m['id']}.fund"]
    clearing, escrow, refund, _, _ = _accounts(world, deal)
    assert balances(clearing, escrow, refund) == {clearing: TOTAL, escrow: TOTAL, refund: 0}
    # a second such line is a real duplicate
    (dup,) = import_rows(api, world.admin, row(TOTAL, m["reference"]))["lines"]
    assert dup["state"] == "duplicate"
    assert ledger.balance(refund, "VND") == TOTAL
    assert_ledger_sound(db)


def test_payment_for_a_cancelled_deal_goes_back_to_the_buyer(api, world, db):
    deal, (m,) = awaiting_deal(api, world)
    api.post(f"/deals/{deal['id']}/cancel", world.buyer, {"reason": "changed our mind"})
    (line,) = import_rows(api, world.admin, row(TOTAL, m["reference"]))["lines"]
    assert (line["state"], line["reason"]) == ("duplicate", "deal_not_payable")
    assert api.get(f"/deals/{deal['id']}", world.buyer)["status"] == "cancelled"
    clearing, escrow, refund, _, _ = _accounts(world, deal)
    assert balances(clearing, escrow, refund) == {clearing: TOTAL, escrow: 0, refund: TOTAL}
    assert_ledger_sound(db)


def test_the_stored_file_name_is_a_safe_base_name(api, world):
    body = upload(api, world.admin, csv_bytes([row(1000, "no reference here")]), filename="../../etc/bank\x07.csv")
    assert body["statement"]["filename"] == "bank.csv"


def test_a_wrong_amount_confirmation_names_the_expected_amount_as_a_decimal_string(api, world):
    deal, (m,) = awaiting_deal(api, world)
    err = api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": "1000", "currency": "VND"},
                   expect=409)["error"]
    assert err["code"] == "amount_mismatch"
    assert err["details"] == {"expected": str(TOTAL), "currency": "VND"} and "fields" not in err
    err = api.post("/admin/bank-transfers", world.admin, {"reference": m["reference"], "amount": "1.5", "currency": "VND"},
                   expect=422)["error"]
    assert list(err["fields"]) == ["amount"]
    assert api.get(f"/deals/{deal['id']}", world.buyer)["milestones"][0]["status"] == "awaiting_payment"
