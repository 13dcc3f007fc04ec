"""The dispute lifecycle as a transition table, built from :class:`DisputeStatus`."""

from ..actors import ActorRole
from ..statemachine import StateMachine, Transition
from .models import Dispute
from .models import DisputeStatus as S

BUYER, VENDOR, ADMIN, SYSTEM = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM
#: a case still being argued: an admin may decide it
LIVE = (S.OPEN, S.NEGOTIATING, S.ESCALATED, S.UNDER_REVIEW)

dispute_machine = StateMachine(
    subject="dispute",
    model=Dispute,
    states=tuple(S),
    transitions=[
        Transition("respond", (S.OPEN,), S.NEGOTIATING, frozenset({VENDOR})),
        Transition("escalate", (S.OPEN, S.NEGOTIATING), S.ESCALATED, frozenset({BUYER, VENDOR, SYSTEM})),
        Transition("review", (S.ESCALATED,), S.UNDER_REVIEW, frozenset({ADMIN})),
        Transition("decide", LIVE, S.DECIDED, frozenset({ADMIN})),
        Transition("settle", (S.DECIDED,), S.SETTLING, frozenset({SYSTEM})),
        Transition("resolve", (S.SETTLING,), S.RESOLVED, frozenset({SYSTEM})),
        Transition("withdraw", (S.OPEN, S.NEGOTIATING, S.ESCALATED), S.WITHDRAWN, frozenset({BUYER})),
    ],
)
