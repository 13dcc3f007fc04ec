"""The catalog order lifecycle as a transition table, with its timer."""

from datetime import timedelta

from ..actors import ActorRole
from ..statemachine import StateMachine, Timer, Transition
from .models import Order
from .models import OrderStatus as O

B, V, A, S = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM

#: the deadline entering ``placed`` starts: unconfirmed past ``ORDER_CONFIRM_HOURS``, the order is cancelled
CONFIRM_DUE = "confirm_due"
#: the vendor of a placed order is reminded this long before its confirmation deadline
CONFIRM_WARNING = timedelta(hours=12)


def confirm_delay(config) -> timedelta:
    """How long a vendor has to confirm or reject a placed order (``ORDER_CONFIRM_HOURS``, default 48)."""
    return timedelta(hours=int(config.get("ORDER_CONFIRM_HOURS", 48)))


order_machine = StateMachine(
    subject="order",
    model=Order,
    states=tuple(O),
    transitions=[
        Transition("approve", (O.AWAITING_APPROVAL,), O.PLACED, frozenset({B})),
        Transition("confirm", (O.PLACED,), O.CONFIRMED, frozenset({V})),
        Transition("reject", (O.PLACED,), O.REJECTED, frozenset({V})),
        # the buyer withdraws (or an approver refuses) it; ``system``: the vendor let the deadline lapse
        Transition("cancel", (O.AWAITING_APPROVAL, O.PLACED), O.CANCELLED, frozenset({B, A, S})),
    ],
    timers=[Timer(O.PLACED, CONFIRM_DUE, "cancel", lambda order, config: confirm_delay(config))],
)
