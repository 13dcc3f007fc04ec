"""What ``escrow`` declares to the registry: ledger, milestone and gateway tables, gateways, Stripe's
outbox handlers, the webhook re-drive, the reconcilers, and the hooks it needs from the package that
owns deals."""

from ..registry import OutboxHandler, Registration
from . import models, services
from .gateways.bank import models as bank_models
from .gateways.bank.gateway import GATEWAY as BANK
from .gateways.bank.gateway import BankTransferGateway
from .gateways.bank.reconciliation import reconcile_bank_transfer
from .gateways.stripe import models as stripe_models
from .gateways.stripe import outbox as stripe_outbox
from .gateways.stripe.gateway import GATEWAY as STRIPE
from .gateways.stripe.gateway import StripeGateway
from .gateways.stripe.models import StripeCommand
from .gateways.stripe.reconciliation import reconcile_stripe
from .gateways.stripe.webhooks import redrive_webhook_events

registration = Registration(
    name="escrow",
    models=(models, bank_models, stripe_models),
    gateways={
        BANK: BankTransferGateway(BANK),
        STRIPE: StripeGateway(STRIPE, requires=("STRIPE_SECRET_KEY",)),
    },
    outbox_handlers={
        StripeCommand.PAYMENT_INTENT: OutboxHandler(stripe_outbox.create_payment_intent, stripe_outbox.payment_intent_created),
        StripeCommand.TRANSFER: OutboxHandler(stripe_outbox.create_transfer, stripe_outbox.transfer_created),
        StripeCommand.REFUND: OutboxHandler(stripe_outbox.create_refund, stripe_outbox.refund_created),
        StripeCommand.ACCOUNT: OutboxHandler(stripe_outbox.create_account, stripe_outbox.account_created),
    },
    sweep_steps=(redrive_webhook_events,),
    reconcilers={
        BANK: reconcile_bank_transfer,
        STRIPE: reconcile_stripe,
    },
    requires=(services.LOCK_OWNER, services.PAYMENT_RECEIVED),
)
