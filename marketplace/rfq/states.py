"""RFQ and quote lifecycles as transition tables."""

from datetime import timedelta

from ..database import utcnow
from ..statemachine import StateMachine, Timer, Transition
from .models import Quote, Rfq

B, V, A, S = "buyer", "vendor", "admin", "system"


def _until_deadline(rfq, config) -> timedelta:
    return max(timedelta(0), rfq.quote_deadline - utcnow()) if rfq.quote_deadline else timedelta(days=7)


rfq_machine = StateMachine(
    subject="rfq",
    model=Rfq,
    states=("draft", "open", "closed", "awarded", "cancelled", "expired"),
    transitions=[
        Transition("publish", ("draft",), "open", frozenset({B})),
        Transition("close", ("open",), "closed", frozenset({B, S})),
        Transition("award", ("open", "closed", "awarded"), "awarded", frozenset({B})),
        Transition("cancel", ("draft", "open", "closed"), "cancelled", frozenset({B, A})),
        Transition("expire", ("closed",), "expired", frozenset({S})),
    ],
    timers=[
        Timer("open", "quote_deadline", "close", _until_deadline),
        Timer("closed", "award_deadline", "expire", lambda rfq, config: timedelta(days=30)),
    ],
)

quote_machine = StateMachine(
    subject="quote",
    model=Quote,
    states=("submitted", "revised", "accepted", "rejected", "withdrawn", "expired"),
    transitions=[
        Transition("revise", ("submitted", "revised"), "revised", frozenset({V})),
        Transition("accept", ("submitted", "revised"), "accepted", frozenset({B, S})),
        Transition("reject", ("submitted", "revised"), "rejected", frozenset({B, S})),
        Transition("withdraw", ("submitted", "revised"), "withdrawn", frozenset({V})),
        Transition("expire", ("submitted", "revised"), "expired", frozenset({S})),
    ],
    timers=[
        Timer("submitted", "validity", "expire", lambda q, c: max(timedelta(0), q.valid_until - utcnow())),
        Timer("revised", "validity", "expire", lambda q, c: max(timedelta(0), q.valid_until - utcnow())),
    ],
)
