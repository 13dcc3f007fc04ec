"""The ``stripe`` gateway: separate charges and transfers on the platform account.

Per milestone the buyer pays a PaymentIntent on the platform account (``transfer_group=deal_<id>``)
with its client_secret; Stripe's webhook (see :mod:`.webhooks`) tells us it succeeded and the
milestone is held in escrow like any other. When the ledger settles a milestone, the real money
follows: a Transfer of the vendor's net (gross less commission) to the vendor's Express connected
account, and a Refund of the buyer's part against the PaymentIntent; a split is both.

Every Stripe call is an outbox command whose key is also Stripe's idempotency key (``pi-m<id>``,
``tr-m<id>``, ``re-m<id>``, ``acct-v<id>``). A worker that dies between the call and the commit
leaves a leased row that the sweeper re-drives; the repeated call carries the same key, so Stripe
answers with the response it stored the first time instead of moving the money again.
"""

from __future__ import annotations

from sqlalchemy import select

from ....errors import ConflictError
from ....extensions import db
from ....jobs import add_outbox_command
from ... import ledger
from ...ledger import MilestoneStep, PostingCode
from ...models import MilestoneStatus
from ..base import Gateway
from .client import PLATFORM_TAG, THREE_DECIMAL, to_stripe_amount
from .models import TERMINAL, StripeAccount, StripeCommand, StripePayment

GATEWAY = "stripe"


def payment_for(milestone_id: int) -> StripePayment | None:
    """The PaymentIntent record of a milestone, if the outbox created it."""
    return db.session.execute(select(StripePayment).where(StripePayment.milestone_id == milestone_id)).scalar_one_or_none()


def connected_account(vendor_id: int) -> StripeAccount | None:
    """The vendor's connected account record, if it asked for one."""
    return db.session.get(StripeAccount, vendor_id)


class StripeGateway(Gateway):
    """PaymentIntents in, Transfers and Refunds out; see the module docstring."""

    def instructions(self, milestone, currency: str) -> dict:
        """The milestone's PaymentIntent and its client secret, or ``preparing`` until the outbox made it."""
        out = {"method": GATEWAY, "amount": milestone.amount, "currency": currency}
        payment = payment_for(milestone.id)
        if payment is None:  # the outbox has not created the PaymentIntent yet: ask again shortly
            return {**out, "status": "preparing"}
        return {**out, "status": "ready" if payment.status not in TERMINAL else payment.status,
                "payment_intent": payment.payment_intent_id, "client_secret": payment.client_secret}

    def start(self, deal) -> None:
        """One PaymentIntent command per milestone awaiting payment (a repeat adds nothing).

        :raises ConflictError: the vendor cannot receive transfers yet (no connected account, or its
            onboarding is unfinished), or Stripe cannot settle this currency exactly.
        """
        account = connected_account(deal.vendor_id)
        if account is None or account.account_id is None or not account.payouts_enabled:
            raise ConflictError("the vendor has not finished setting up its Stripe payout account; pay by bank "
                                "transfer or ask the vendor to connect Stripe", code="vendor_not_onboarded")
        currency = deal.currency
        if currency in THREE_DECIMAL:  # commission and split amounts would not all end in 0, as Stripe needs
            raise ConflictError(f"Stripe cannot settle {currency} deals exactly; pay by bank transfer",
                                code="currency_not_supported")
        for m in deal.milestones:
            if m.status != MilestoneStatus.AWAITING_PAYMENT or payment_for(m.id) is not None:
                continue
            params = {
                "amount": to_stripe_amount(m.amount, currency), "currency": currency.lower(),
                "transfer_group": f"deal_{deal.id}", "description": f"Deal {deal.id}, milestone {m.seq} ({m.name})",
                "metadata": {"platform": PLATFORM_TAG, "deal_id": str(deal.id), "milestone_id": str(m.id),
                             "milestone_seq": str(m.seq)},
            }
            add_outbox_command(StripeCommand.PAYMENT_INTENT, f"pi-m{m.id}",
                               {"params": params, "deal_id": deal.id, "milestone_id": m.id, "amount": m.amount,
                                "currency": currency})

    def settled(self, deal, m) -> None:
        """Transfer the vendor's net and refund the buyer's part, as outbox commands in this transaction.

        Each amount is also reserved in the ledger (a hold from the payable to the Stripe clearing
        account), so no bank payout batch can pay it a second time; Stripe's answer posts the hold.

        :raises ConflictError: the milestone has no PaymentIntent or the vendor no connected account.
        """
        payment = payment_for(m.id)
        if payment is None:
            raise ConflictError(f"milestone {m.seq} has no Stripe payment to settle", code="stripe_payment_missing")
        currency = deal.currency
        common = {"deal_id": deal.id, "milestone_id": m.id, "currency": currency}
        metadata = {"platform": PLATFORM_TAG, "deal_id": str(deal.id), "milestone_id": str(m.id)}
        net = m.released_amount - m.commission_amount
        if net > 0:
            account = connected_account(deal.vendor_id)
            if account is None or account.account_id is None:
                raise ConflictError("the vendor has no Stripe account to transfer to", code="vendor_not_onboarded")
            params = {"amount": to_stripe_amount(net, currency), "currency": currency.lower(),
                      "destination": account.account_id, "transfer_group": f"deal_{deal.id}", "metadata": metadata}
            if payment.charge_id:  # ties the transfer to the charge's funds (and their availability)
                params["source_transaction"] = payment.charge_id
            ledger.hold(ledger.milestone_transfer(m.id, MilestoneStep.PAYOUT_HOLD), ledger.vendor_payable(deal.vendor_id),
                        ledger.clearing_account(GATEWAY), net, currency, code=PostingCode.PAYOUT_HOLD, deal_id=deal.id,
                        milestone_id=m.id)
            add_outbox_command(StripeCommand.TRANSFER, f"tr-m{m.id}",
                               {**common, "params": params, "amount": net, "vendor_id": deal.vendor_id})
        if m.refunded_amount > 0:
            params = {"payment_intent": payment.payment_intent_id,
                      "amount": to_stripe_amount(m.refunded_amount, currency), "metadata": metadata}
            ledger.hold(ledger.milestone_transfer(m.id, MilestoneStep.REFUND_PAYOUT_HOLD),
                        ledger.buyer_refund_payable(deal.buyer_id), ledger.clearing_account(GATEWAY), m.refunded_amount,
                        currency, code=PostingCode.REFUND_PAYOUT_HOLD, deal_id=deal.id, milestone_id=m.id)
            add_outbox_command(StripeCommand.REFUND, f"re-m{m.id}",
                               {**common, "params": params, "amount": m.refunded_amount, "buyer_id": deal.buyer_id})
