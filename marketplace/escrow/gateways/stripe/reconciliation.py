"""Reconciling ``stripe``: our ledger vs what Stripe recorded for payments, transfers and refunds."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ....extensions import db
from ....jobs import OutboxStatus
from ....money import format_amount
from ... import ledger
from ...ledger import MilestoneStep
from ...models import LedgerTransfer, MismatchKind
from ...reconciliation import Mismatch
from .client import from_stripe_amount, stripe_client
from .gateway import GATEWAY
from .models import PaymentIntentStatus, StripeCommand, StripePayment
from .outbox import stripe_commands


def reconcile_stripe() -> tuple[dict, list]:
    """Our Stripe money vs Stripe's records: every succeeded payment, transfer and refund is re-fetched
    and compared with the ledger; commands that gave up are reported too.

    Returns (summary per currency, as decimal strings; mismatches), as every reconciler does.
    """
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return {"configured": False}, []
    client = stripe_client()
    summary: dict[str, dict[str, int]] = {}
    out: list[Mismatch] = []

    def tally(currency: str, what: str, amount: int) -> None:
        row = summary.setdefault(currency, {"payments": 0, "transfers": 0, "refunds": 0})
        row[what] += amount

    def compare(kind: MismatchKind, subject: str, currency: str, remote: int | None, ledger_id: str) -> None:
        booked = db.session.get(LedgerTransfer, ledger_id)
        actual = booked.amount if booked is not None else None
        if remote != actual:
            out.append(Mismatch(GATEWAY, kind, subject, f"Stripe has {remote}, the ledger {actual} ({ledger_id})",
                                currency, remote, actual))

    payments = db.session.execute(select(StripePayment).where(StripePayment.status == PaymentIntentStatus.SUCCEEDED)
                                  .order_by(StripePayment.id)).scalars()
    for p in payments:
        pi = client.v1.payment_intents.retrieve(p.payment_intent_id).to_dict()
        remote = from_stripe_amount(pi["amount"], pi["currency"]) if pi["status"] == PaymentIntentStatus.SUCCEEDED else None
        tally(p.currency, "payments", remote or 0)
        compare(MismatchKind.PAYMENT, p.payment_intent_id, p.currency, remote,
                ledger.milestone_transfer(p.milestone_id, MilestoneStep.FUND))
    retrieve = {
        StripeCommand.TRANSFER: (client.v1.transfers.retrieve, "transfers", MismatchKind.TRANSFER, MilestoneStep.PAYOUT),
        StripeCommand.REFUND: (client.v1.refunds.retrieve, "refunds", MismatchKind.REFUND, MilestoneStep.REFUND_PAYOUT),
    }
    for command in stripe_commands():
        if command.kind not in retrieve:
            continue
        p = command.payload
        if command.status == OutboxStatus.FAILED:
            out.append(Mismatch(GATEWAY, MismatchKind.COMMAND_FAILED, command.key, command.last_error or "gave up",
                                p["currency"], p["amount"], None))
        if command.status != OutboxStatus.DONE:
            continue
        fetch, what, kind, step = retrieve[command.kind]
        obj = fetch(command.result["id"]).to_dict()
        remote = from_stripe_amount(obj["amount"] - obj.get("amount_reversed", 0), obj["currency"])
        if obj.get("status") in ("failed", "canceled"):
            remote = 0
        tally(p["currency"], what, remote)
        compare(kind, obj["id"], p["currency"], remote, ledger.milestone_transfer(p["milestone_id"], step))
    return {cur: {k: format_amount(v, cur) for k, v in row.items()} for cur, row in summary.items()}, out
