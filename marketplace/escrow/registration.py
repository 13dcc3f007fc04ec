"""What ``escrow`` declares to the registry: ledger and gateway tables, gateways, Stripe's outbox
handlers, the webhook re-drive and the reconcilers."""

from ..registry import OutboxHandler, Registration
from . import bank_models, commission, models, reconciliation, stripe_gateway, webhooks
from .gateways import BankTransferGateway

registration = Registration(
    name="escrow",
    models=(models, bank_models, commission, stripe_gateway, webhooks),
    gateways={
        "bank_transfer": BankTransferGateway("bank_transfer"),
        "stripe": stripe_gateway.StripeGateway("stripe", requires=("STRIPE_SECRET_KEY",)),
    },
    outbox_handlers={
        "stripe.payment_intent": OutboxHandler(stripe_gateway.create_payment_intent, stripe_gateway.payment_intent_created),
        "stripe.transfer": OutboxHandler(stripe_gateway.create_transfer, stripe_gateway.transfer_created),
        "stripe.refund": OutboxHandler(stripe_gateway.create_refund, stripe_gateway.refund_created),
        "stripe.account": OutboxHandler(stripe_gateway.create_account, stripe_gateway.account_created),
    },
    sweep_steps=(webhooks.redrive_webhook_events,),
    reconcilers={
        "bank_transfer": reconciliation.reconcile_bank_transfer,
        "stripe": stripe_gateway.reconcile_stripe,
    },
)
