"""The deal lifecycle as a transition table, with its timers."""

from datetime import timedelta

from ..statemachine import StateMachine, Timer, Transition
from .models import Deal

B, V, A, S = "buyer", "vendor", "admin", "system"

deal_machine = StateMachine(
    subject="deal",
    model=Deal,
    states=("awaiting_approval", "awaiting_payment", "funded", "shipped", "delivered", "accepted", "released",
            "closed", "cancelled", "disputed", "resolved", "refunded"),
    transitions=[
        Transition("approve", ("awaiting_approval",), "awaiting_payment", frozenset({B})),
        Transition("cancel", ("awaiting_approval", "awaiting_payment"), "cancelled", frozenset({B, V, A})),
        Transition("fund", ("awaiting_payment",), "funded", frozenset({S})),
        Transition("ship", ("funded",), "shipped", frozenset({V})),
        Transition("confirm_delivery", ("shipped",), "delivered", frozenset({B, S})),
        Transition("accept", ("delivered",), "accepted", frozenset({B, S})),
        Transition("release", ("accepted",), "released", frozenset({S})),
        Transition("open_dispute", ("shipped", "delivered"), "disputed", frozenset({B})),
        Transition("withdraw_dispute", ("disputed",), "accepted", frozenset({S})),
        Transition("resolve", ("disputed",), "resolved", frozenset({S})),
        Transition("refund", ("awaiting_payment", "funded"), "refunded", frozenset({A})),
        Transition("close", ("released", "resolved", "refunded"), "closed", frozenset({A, S})),
    ],
    timers=[
        # silence during the inspection window is acceptance
        Timer("delivered", "inspection", "accept", lambda deal, config: timedelta(days=config["INSPECTION_DAYS"])),
    ],
)
