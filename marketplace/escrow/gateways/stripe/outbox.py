"""Stripe's outbox handlers: each call carries the command's key as Stripe's idempotency key, and its
follow-up records the answer in the same transaction as the command's result."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ....database import utcnow
from ....extensions import db
from ....jobs import OutboxCommand
from ... import ledger
from ...ledger import MilestoneStep, PostingCode
from .client import id_of, pause_after_call, stripe_client
from .models import StripeAccount, StripeCommand, StripePayment


def _call(kind: StripeCommand, create, payload: dict, key: str) -> dict:
    obj = create(params=payload["params"], options={"idempotency_key": key}).to_dict()
    pause_after_call(kind)
    return obj


def create_payment_intent(payload: dict, key: str) -> dict:
    """Create a milestone's PaymentIntent."""
    pi = _call(StripeCommand.PAYMENT_INTENT, stripe_client().v1.payment_intents.create, payload, key)
    return {k: pi.get(k) for k in ("id", "client_secret", "status", "amount", "currency")}


def create_transfer(payload: dict, key: str) -> dict:
    """Transfer a vendor's net to its connected account."""
    tr = _call(StripeCommand.TRANSFER, stripe_client().v1.transfers.create, payload, key)
    return {"id": tr["id"], "amount": tr["amount"], "currency": tr["currency"],
            "destination": id_of(tr.get("destination")), "transfer_group": tr.get("transfer_group")}


def create_refund(payload: dict, key: str) -> dict:
    """Refund the buyer's part against its PaymentIntent."""
    re = _call(StripeCommand.REFUND, stripe_client().v1.refunds.create, payload, key)
    return {k: re.get(k) for k in ("id", "amount", "currency", "status")}


def create_account(payload: dict, key: str) -> dict:
    """Create a vendor's Express connected account."""
    acct = _call(StripeCommand.ACCOUNT, stripe_client().v1.accounts.create, payload, key)
    return {"id": acct["id"]}


def payment_intent_created(command: OutboxCommand) -> None:
    """Record the PaymentIntent the outbox created (a repeat adds nothing)."""
    p, r = command.payload, command.result
    db.session.execute(insert(StripePayment).values(
        deal_id=p["deal_id"], milestone_id=p["milestone_id"], payment_intent_id=r["id"], client_secret=r["client_secret"],
        amount=p["amount"], currency=p["currency"], status=r["status"], created_at=utcnow(), updated_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["milestone_id"]))


def transfer_created(command: OutboxCommand) -> None:
    """The vendor's net left the platform's Stripe balance: the reserved payable is paid.

    :raises LedgerError: the payout hold is missing, already resolved, or the id exists with other figures.
    """
    p = command.payload
    ledger.post_hold(ledger.milestone_transfer(p["milestone_id"], MilestoneStep.PAYOUT),
                     ledger.milestone_transfer(p["milestone_id"], MilestoneStep.PAYOUT_HOLD), code=PostingCode.PAYOUT,
                     deal_id=p["deal_id"], milestone_id=p["milestone_id"], meta={"stripe_transfer": command.result["id"]})


def refund_created(command: OutboxCommand) -> None:
    """The buyer's part went back to its card: the reserved refund payable is paid.

    :raises LedgerError: the refund payout hold is missing, already resolved, or the id exists with other figures.
    """
    p = command.payload
    ledger.post_hold(ledger.milestone_transfer(p["milestone_id"], MilestoneStep.REFUND_PAYOUT),
                     ledger.milestone_transfer(p["milestone_id"], MilestoneStep.REFUND_PAYOUT_HOLD),
                     code=PostingCode.REFUND_PAYOUT, deal_id=p["deal_id"], milestone_id=p["milestone_id"],
                     meta={"stripe_refund": command.result["id"]})


def account_created(command: OutboxCommand) -> None:
    """Store the new connected account's id on the vendor's record."""
    account = db.session.get(StripeAccount, command.payload["vendor_id"], with_for_update=True)
    if account is not None and account.account_id is None:
        account.account_id = command.result["id"]
        account.updated_at = utcnow()


def stripe_commands(deal_id: int | None = None) -> list[OutboxCommand]:
    """The deal's Stripe outbox commands (for admins and tests), oldest first."""
    stmt = select(OutboxCommand).where(OutboxCommand.kind.in_([c.value for c in StripeCommand]))
    if deal_id is not None:
        stmt = stmt.where(OutboxCommand.payload["deal_id"].as_integer() == deal_id)
    return list(db.session.execute(stmt.order_by(OutboxCommand.id)).scalars())
