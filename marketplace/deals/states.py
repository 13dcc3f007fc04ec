"""The deal lifecycle as a transition table, with its timers."""

from datetime import timedelta

from ..actors import ActorRole
from ..statemachine import StateMachine, Timer, Transition
from .models import Deal
from .models import DealStatus as D

B, V, A, S = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM

#: the deadline entering ``awaiting_payment`` starts: unpaid past ``PAYMENT_DUE_DAYS``, the deal is cancelled
PAYMENT_DUE = "payment_due"


def payment_due_delay(config) -> timedelta:
    """How long a payable deal waits for its money before the sweeper cancels it."""
    return timedelta(days=config["PAYMENT_DUE_DAYS"])


def ship_grace(config) -> timedelta:
    """How long after its ship-by date an unshipped funded deal must wait before the buyer may cancel it."""
    return timedelta(days=config["SHIP_GRACE_DAYS"])


#: the vendor of a funded, unshipped deal is warned this long before its ship-by date
SHIP_WARNING = timedelta(days=1)

deal_machine = StateMachine(
    subject="deal",
    model=Deal,
    states=tuple(D),
    transitions=[
        Transition("approve", (D.AWAITING_APPROVAL,), D.AWAITING_PAYMENT, frozenset({B})),
        # ``system``: the payment deadline lapsed (timer ``payment_due``)
        Transition("cancel", (D.AWAITING_APPROVAL, D.AWAITING_PAYMENT), D.CANCELLED, frozenset({B, V, A, S})),
        # the buyer, once the ship-by date plus SHIP_GRACE_DAYS passed unshipped (services.deals.cancel_deal checks)
        Transition("cancel_unshipped", (D.FUNDED,), D.CANCELLED, frozenset({B})),
        Transition("fund", (D.AWAITING_PAYMENT,), D.FUNDED, frozenset({S})),
        Transition("ship", (D.FUNDED,), D.SHIPPED, frozenset({V})),
        Transition("confirm_delivery", (D.SHIPPED,), D.DELIVERED, frozenset({B, S})),
        Transition("accept", (D.DELIVERED,), D.ACCEPTED, frozenset({B, S})),
        # the buyer accepts some quantities: that share is released now, the rest held under a dispute it opens
        Transition("accept_partly", (D.DELIVERED,), D.DISPUTED, frozenset({B})),
        Transition("release", (D.ACCEPTED,), D.RELEASED, frozenset({S})),
        # either party, within DISPUTE_FILING_DAYS (services.disputes.open_dispute checks the window and scope)
        Transition("open_dispute", (D.SHIPPED, D.DELIVERED), D.DISPUTED, frozenset({B, V})),
        Transition("withdraw_dispute", (D.DISPUTED,), D.ACCEPTED, frozenset({S})),
        Transition("resolve", (D.DISPUTED,), D.RESOLVED, frozenset({S})),
        Transition("refund", (D.AWAITING_PAYMENT, D.FUNDED), D.REFUNDED, frozenset({A})),
        Transition("close", (D.RELEASED, D.RESOLVED, D.REFUNDED), D.CLOSED, frozenset({A, S})),
    ],
    timers=[
        # silence during the inspection window is acceptance
        Timer(D.DELIVERED, "inspection", "accept", lambda deal, config: timedelta(days=config["INSPECTION_DAYS"])),
        # a deal not paid in time is cancelled; entering ``cancelled`` stops its milestones taking money
        # (a later transfer becomes a refund payable) and refunds any milestone already held
        Timer(D.AWAITING_PAYMENT, PAYMENT_DUE, "cancel", lambda deal, config: payment_due_delay(config)),
    ],
)

#: the deadline a vendor's own report of delivery starts (not a state's timer: the deal stays ``shipped``).
#: A vendor's word never starts the inspection window (ARCHITECTURE §9): the buyer is asked to confirm;
#: only silence past ``DELIVERY_CONFIRM_DAYS`` counts as delivered (``confirm_delivery`` as ``system``).
DELIVERY_CONFIRM = "delivery_confirm"


def delivery_confirm_delay(config) -> timedelta:
    """How long the buyer has to answer a vendor-reported delivery before silence counts as delivered."""
    return timedelta(days=config["DELIVERY_CONFIRM_DAYS"])
