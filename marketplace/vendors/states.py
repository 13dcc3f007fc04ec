"""Vendor verification lifecycle: unverified -> pending -> verified | rejected; suspended by admins.

A verified vendor that changes its legal name, tax code or payout account goes back to pending (``reverify``).
"""

from ..actors import ActorRole
from ..statemachine import StateMachine, Transition
from .models import REVERIFY, VendorProfile, VerificationDecision
from .models import VerificationStatus as S

V, A = ActorRole.VENDOR, ActorRole.ADMIN

verification_machine = StateMachine(
    subject="vendor",
    model=VendorProfile,
    states=tuple(S),
    transitions=[
        Transition("submit", (S.UNVERIFIED, S.REJECTED), S.PENDING, frozenset({V})),
        Transition(REVERIFY, (S.VERIFIED,), S.PENDING, frozenset({V})),
        Transition(VerificationDecision.VERIFY, (S.PENDING,), S.VERIFIED, frozenset({A})),
        Transition(VerificationDecision.REJECT, (S.PENDING,), S.REJECTED, frozenset({A})),
        Transition(VerificationDecision.SUSPEND, (S.VERIFIED, S.PENDING, S.UNVERIFIED, S.REJECTED), S.SUSPENDED,
                   frozenset({A})),
        Transition(VerificationDecision.REINSTATE, (S.SUSPENDED,), S.VERIFIED, frozenset({A})),
    ],
)
