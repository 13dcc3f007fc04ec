"""What ``deals`` declares to the registry."""

from ..escrow.services import LOCK_OWNER, PAYMENT_RECEIVED
from ..registry import Registration
from ..shipping.services import SHIPMENT_DELIVERED
from . import models, services
from .models import DealStatus
from .services.delivery import on_delivered
from .states import deal_machine

registration = Registration(
    name="deals",
    models=(models,),
    machines=(deal_machine,),
    on_enter={("deal", DealStatus.ACCEPTED): services.queue_release,  # accepted, by anyone: release the money
              ("deal", DealStatus.DELIVERED): on_delivered,  # delivered, by anyone: stamp when
              # cancelled, by anyone or the payment deadline: unpaid milestones closed, held ones refunded
              ("deal", DealStatus.CANCELLED): services.on_cancelled},
    sweep_steps=(services.redrive_settlements, services.redrive_dispute_settlements, services.warn_unshipped),
    listeners={SHIPMENT_DELIVERED: services.on_shipment_delivered},  # confirms, or asks the buyer
    # escrow's flows (statement import, Stripe webhooks) lock and pay the deal through these
    hooks={LOCK_OWNER: services.lock_owner, PAYMENT_RECEIVED: services.record_payment},
)
