"""What ``deals`` declares to the registry."""

from ..disputes.models import DisputeStatus
from ..escrow.services import LOCK_OWNER, PAYMENT_RECEIVED
from ..registry import OutboxHandler, Registration
from ..shipping.documents import DEAL_OF
from ..shipping.services import SHIPMENT_DELIVERED
from . import models, services
from .models import DealStatus
from .services import dispute_outcomes, terms
from .services.delivery import (
    BOOK_SHIPMENT,
    book_queued,
    on_delivered,
    on_queued_booked,
    on_queued_booking_failed,
)
from .states import deal_machine

registration = Registration(
    name="deals",
    models=(models,),
    machines=(deal_machine,),
    on_enter={("deal", DealStatus.ACCEPTED): services.queue_release,  # accepted, by anyone: release the money
              ("deal", DealStatus.DELIVERED): on_delivered,  # delivered, by anyone: stamp when
              # cancelled, by anyone or the payment deadline: unpaid milestones closed, held ones refunded
              ("deal", DealStatus.CANCELLED): services.on_cancelled,
              # a dispute decided, by anyone (an admin, the parties, a return accepted or lapsed): settle it
              ("dispute", DisputeStatus.DECIDED): dispute_outcomes.on_decided,
              # resolved: the decision settled the money; payment terms still unpaid take no more
              ("deal", DealStatus.RESOLVED): terms.on_resolved},
    sweep_steps=(services.redrive_settlements, services.redrive_dispute_settlements, services.warn_unshipped,
                 terms.sweep_payment_terms),
    # a shipment to the buyer confirms the delivery (or asks the buyer); a dispute's return starts its inspection
    listeners={SHIPMENT_DELIVERED: dispute_outcomes.on_shipment_delivered},
    # a carrier booking that timed out is tried once more in the background, then the deal ships (or the vendor
    # is told it failed)
    outbox_handlers={BOOK_SHIPMENT: OutboxHandler(book_queued, follow_up=on_queued_booked,
                                                  on_error=on_queued_booking_failed)},
    # escrow's flows (statement import, Stripe webhooks) lock and pay the deal through these
    hooks={LOCK_OWNER: services.lock_owner, PAYMENT_RECEIVED: services.record_payment,
           DEAL_OF: services.get_deal},  # shipping's documents read the deal's lines and terms
)
