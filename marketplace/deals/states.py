"""The deal lifecycle as a transition table, with its timers."""

from datetime import timedelta

from ..actors import ActorRole
from ..statemachine import StateMachine, Timer, Transition
from .models import Deal
from .models import DealStatus as D

B, V, A, S = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM

deal_machine = StateMachine(
    subject="deal",
    model=Deal,
    states=tuple(D),
    transitions=[
        Transition("approve", (D.AWAITING_APPROVAL,), D.AWAITING_PAYMENT, frozenset({B})),
        Transition("cancel", (D.AWAITING_APPROVAL, D.AWAITING_PAYMENT), D.CANCELLED, frozenset({B, V, A})),
        Transition("fund", (D.AWAITING_PAYMENT,), D.FUNDED, frozenset({S})),
        Transition("ship", (D.FUNDED,), D.SHIPPED, frozenset({V})),
        Transition("confirm_delivery", (D.SHIPPED,), D.DELIVERED, frozenset({B, S})),
        Transition("accept", (D.DELIVERED,), D.ACCEPTED, frozenset({B, S})),
        Transition("release", (D.ACCEPTED,), D.RELEASED, frozenset({S})),
        Transition("open_dispute", (D.SHIPPED, D.DELIVERED), D.DISPUTED, frozenset({B})),
        Transition("withdraw_dispute", (D.DISPUTED,), D.ACCEPTED, frozenset({S})),
        Transition("resolve", (D.DISPUTED,), D.RESOLVED, frozenset({S})),
        Transition("refund", (D.AWAITING_PAYMENT, D.FUNDED), D.REFUNDED, frozenset({A})),
        Transition("close", (D.RELEASED, D.RESOLVED, D.REFUNDED), D.CLOSED, frozenset({A, S})),
    ],
    timers=[
        # silence during the inspection window is acceptance
        Timer(D.DELIVERED, "inspection", "accept", lambda deal, config: timedelta(days=config["INSPECTION_DAYS"])),
    ],
)

#: the deadline a vendor's own report of delivery starts (not a state's timer: the deal stays ``shipped``).
#: A vendor's word never starts the inspection window (ARCHITECTURE §9): the buyer is asked to confirm;
#: only silence past ``DELIVERY_CONFIRM_DAYS`` counts as delivered (``confirm_delivery`` as ``system``).
DELIVERY_CONFIRM = "delivery_confirm"


def delivery_confirm_delay(config) -> timedelta:
    """How long the buyer has to answer a vendor-reported delivery before silence counts as delivered."""
    return timedelta(days=config["DELIVERY_CONFIRM_DAYS"])
