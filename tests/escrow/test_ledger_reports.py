"""The admins' ledger reports over HTTP: payables one keyset page at a time, money as decimal strings."""

from marketplace.escrow import ledger
from marketplace.escrow.ledger import PostingCode

CLEARING = ledger.clearing_account("bank_transfer")


def _owe(db, vendor_id: int, amount: int, currency: str = "VND") -> None:
    ledger.transfer(f"test.owe.{vendor_id}.{currency}", CLEARING, ledger.vendor_payable(vendor_id), amount, currency,
                    code=PostingCode.FUND)


def test_payables_are_paged_by_account_code_with_balances_as_decimal_strings(api, world, db):
    _owe(db, 101, 1_500_000)
    _owe(db, 102, 2_000_000)
    _owe(db, 103, 1250, "USD")
    ledger.transfer("test.refund", CLEARING, ledger.buyer_refund_payable(world.buyer.org_id), 700, "VND",
                    code=PostingCode.REFUND)  # a buyer's refund payable is not a vendor payable
    db.session.commit()

    first = api.get("/admin/ledger/payables?limit=2", world.admin)
    assert first["next_cursor"] is not None
    rest = api.get(f"/admin/ledger/payables?limit=2&cursor={first['next_cursor']}", world.admin)
    rows = first["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert [(r["account"], r["currency"], r["balance"]) for r in rows] == [
        ("vendor:101:payable", "VND", "1500000"),
        ("vendor:102:payable", "VND", "2000000"),
        ("vendor:103:payable", "USD", "12.50"),
    ]
    assert api.get("/admin/ledger/payables?cursor=nonsense", world.admin, expect=422)["error"]["fields"]["cursor"]
    api.get("/admin/ledger/payables", world.vendors[0], expect=403)


def test_held_and_trial_balance_speak_decimal_strings(api, world, db):
    ledger.transfer("test.fund", CLEARING, ledger.escrow_account(1), 1250, "USD", code=PostingCode.FUND)
    db.session.commit()
    assert api.get("/admin/ledger/held", world.admin)["held"] == [{"currency": "USD", "amount": "12.50"}]
    usd = api.get("/admin/ledger/trial-balance", world.admin)["currencies"]["USD"]
    assert (usd["debits"], usd["credits"], usd["balanced"]) == ("12.50", "12.50", True)


def test_setting_a_commission_rate_answers_with_the_new_rates(api, world):
    vendor_id = world.vendors[0].org_id
    rates = api.call("PUT", f"/admin/commission/vendors/{vendor_id}", world.admin, json={"bps": 150},
                     expect=200).get_json()
    assert {"vendor_id": vendor_id, "bps": 150} in rates["vendors"]
    rates = api.call("PUT", f"/admin/commission/vendors/{vendor_id}", world.admin, json={"bps": None},
                     expect=200).get_json()
    assert all(v["vendor_id"] != vendor_id for v in rates["vendors"])
