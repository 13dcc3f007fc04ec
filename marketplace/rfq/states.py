"""RFQ and quote lifecycles as transition tables, built from :class:`RfqStatus` and :class:`QuoteStatus`."""

from datetime import timedelta

from ..actors import ActorRole
from ..database import utcnow
from ..statemachine import StateMachine, Timer, Transition
from .models import LIVE_QUOTE_STATUSES, Quote, QuoteStatus, Rfq, RfqStatus

B, V, A, S = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM
R, Q = RfqStatus, QuoteStatus


def _until_deadline(rfq, config) -> timedelta:
    return max(timedelta(0), rfq.quote_deadline - utcnow()) if rfq.quote_deadline else timedelta(days=7)


def _until_invalid(quote, config) -> timedelta:
    return max(timedelta(0), quote.valid_until - utcnow())


rfq_machine = StateMachine(
    subject="rfq",
    model=Rfq,
    states=tuple(RfqStatus),
    transitions=[
        Transition("publish", (R.DRAFT,), R.OPEN, frozenset({B})),
        Transition("close", (R.OPEN,), R.CLOSED, frozenset({B, S})),
        Transition("award", (R.OPEN, R.CLOSED, R.AWARDED), R.AWARDED, frozenset({B})),
        Transition("cancel", (R.DRAFT, R.OPEN, R.CLOSED), R.CANCELLED, frozenset({B, A})),
        Transition("expire", (R.CLOSED,), R.EXPIRED, frozenset({S})),
    ],
    timers=[
        Timer(R.OPEN, "quote_deadline", "close", _until_deadline),
        Timer(R.CLOSED, "award_deadline", "expire", lambda rfq, config: timedelta(days=30)),
    ],
)

quote_machine = StateMachine(
    subject="quote",
    model=Quote,
    states=tuple(QuoteStatus),
    transitions=[
        Transition("revise", LIVE_QUOTE_STATUSES, Q.REVISED, frozenset({V})),
        Transition("accept", LIVE_QUOTE_STATUSES, Q.ACCEPTED, frozenset({B, S})),
        Transition("reject", LIVE_QUOTE_STATUSES, Q.REJECTED, frozenset({B, S})),
        Transition("withdraw", LIVE_QUOTE_STATUSES, Q.WITHDRAWN, frozenset({V})),
        Transition("expire", LIVE_QUOTE_STATUSES, Q.EXPIRED, frozenset({S})),
    ],
    timers=[Timer(status, "validity", "expire", _until_invalid) for status in LIVE_QUOTE_STATUSES],
)
