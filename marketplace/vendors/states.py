"""Vendor verification lifecycle: unverified -> pending -> verified | rejected; suspended by admins."""

from ..statemachine import StateMachine, Transition
from .models import VendorProfile

B, V, A, S = "buyer", "vendor", "admin", "system"

verification_machine = StateMachine(
    subject="vendor",
    model=VendorProfile,
    states=("unverified", "pending", "verified", "rejected", "suspended"),
    transitions=[
        Transition("submit", ("unverified", "rejected"), "pending", frozenset({V})),
        Transition("verify", ("pending",), "verified", frozenset({A})),
        Transition("reject", ("pending",), "rejected", frozenset({A})),
        Transition("suspend", ("verified", "pending", "unverified", "rejected"), "suspended", frozenset({A})),
        Transition("reinstate", ("suspended",), "verified", frozenset({A})),
    ],
)
