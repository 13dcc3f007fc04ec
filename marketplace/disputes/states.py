"""The dispute lifecycle as a transition table."""

from ..statemachine import StateMachine, Transition
from .models import Dispute

B, V, A, S = "buyer", "vendor", "admin", "system"
LIVE = ("open", "negotiating", "escalated", "under_review")

dispute_machine = StateMachine(
    subject="dispute",
    model=Dispute,
    states=("open", "negotiating", "escalated", "under_review", "decided", "settling", "resolved", "withdrawn"),
    transitions=[
        Transition("respond", ("open",), "negotiating", frozenset({V})),
        Transition("escalate", ("open", "negotiating"), "escalated", frozenset({B, V, S})),
        Transition("review", ("escalated",), "under_review", frozenset({A})),
        Transition("decide", LIVE, "decided", frozenset({A})),
        Transition("settle", ("decided",), "settling", frozenset({S})),
        Transition("resolve", ("settling",), "resolved", frozenset({S})),
        Transition("withdraw", ("open", "negotiating", "escalated"), "withdrawn", frozenset({B})),
    ],
)
