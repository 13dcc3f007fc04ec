"""Helpers for the bank-transfer tests: deals awaiting payment, statement uploads, ledger soundness."""

from __future__ import annotations

import io

from marketplace.escrow import ledger
from marketplace.escrow.models import LedgerAccount

HEADER = "date,amount,currency,description,transaction_id"
TOTAL = 17500 * 1000 + 500000  #: what the factories' default quote costs, in VND
_txn = iter(range(1, 10**9))


def awaiting_deal(api, world, terms=None) -> tuple[dict, list[dict]]:
    """A deal paid by bank transfer and not yet funded: (deal, [{"id", "reference", "amount"}...])."""
    rfq = api.open_rfq(world.buyer, [world.vendors[0]])
    quote = api.quote(world.vendors[0], rfq, terms=terms)
    deal = api.post(f"/rfqs/{rfq['id']}/award", world.buyer, {"quote_ids": [quote["id"]]}, expect=201)["deals"][0]
    pay = api.post(f"/deals/{deal['id']}/payments", world.buyer, {"gateway": "bank_transfer"})
    milestones = [{"id": m["milestone_id"], "reference": m["instructions"]["reference"],
                   "amount": int(m["instructions"]["amount"])} for m in pay["milestones"]]
    return deal, milestones


def row(amount, memo, currency="VND", txn=None, day="2026-11-20") -> str:
    txn = txn or f"FT{next(_txn):08d}"
    memo = '"' + memo.replace('"', '""') + '"'
    return f"{day},{amount},{currency},{memo},{txn}"


def csv_bytes(rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(api, who, data: bytes, expect=201, filename="statement.csv", **query):
    resp = api.client.post("/api/v1/admin/bank-statements", headers=who.headers, content_type="multipart/form-data",
                           query_string=query, data={"file": (io.BytesIO(data), filename)})
    assert resp.status_code == expect, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def import_rows(api, who, *rows, expect=201):
    return upload(api, who, csv_bytes(rows), expect=expect)


def balances(*codes, currency="VND") -> dict[str, int]:
    return {code: ledger.balance(code, currency) for code in codes}


def assert_ledger_sound(db) -> None:
    """Debits = credits per currency (posted and pending), totals match the transfers, nothing negative."""
    db.session.expire_all()
    for cur, tb in ledger.trial_balance().items():
        assert tb["debits"] == tb["credits"], cur
        assert tb["debits_pending"] == tb["credits_pending"], cur
    recomputed = ledger.recomputed_balances()
    for acct in db.session.query(LedgerAccount):
        r = recomputed[acct.id]
        assert (acct.debits_posted, acct.credits_posted, acct.debits_pending, acct.credits_pending) == (
            r["dp"], r["cp"], r["dpe"], r["cpe"]), acct.code
        assert acct.balance() >= 0 and acct.available() >= 0, acct.code
