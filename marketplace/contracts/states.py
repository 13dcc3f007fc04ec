"""The contract and contract-version lifecycles as transition tables, with their timers.

A contract's signatures are its first version's acceptances: the version moves (``accept``, ``decline``,
``withdraw``, ``lapse``) and the contract follows it (``sign``, ``decline``, ``withdraw``, ``lapse``). An
amendment is a later version run by the same table while the contract stays active.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..actors import ActorRole
from ..database import utcnow
from ..statemachine import StateMachine, Timer, Transition
from .models import Contract, ContractVersion
from .models import ContractStatus as C
from .models import VersionStatus as V

B, VE, A, S = ActorRole.BUYER, ActorRole.VENDOR, ActorRole.ADMIN, ActorRole.SYSTEM

#: the deadline a proposed version starts: not accepted by both in ``CONTRACT_SIGN_DAYS``, it lapses
SIGN_DUE = "sign_due"
#: the deadline an active contract starts: the end of its last day
EXPIRY = "expiry"
#: an active contract's parties are reminded this many days before it ends (once each)
EXPIRY_REMINDER_DAYS = (30, 7)


def sign_delay(config) -> timedelta:
    """How long a proposed contract or amendment waits for acceptance (``CONTRACT_SIGN_DAYS``, default 14)."""
    return timedelta(days=int(config.get("CONTRACT_SIGN_DAYS", 14)))


def day_start(day: date, config) -> datetime:
    """The first instant of ``day`` in the platform's time zone (``DEFAULT_TIMEZONE``), as UTC."""
    zone = ZoneInfo(config.get("DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def ends_at(contract: Contract, config) -> datetime:
    """When an active contract expires: the end of its ``ends_on`` in the platform's time zone."""
    return day_start(contract.ends_on + timedelta(days=1), config)


def today(config) -> date:
    """Today's date in the platform's time zone (contracts run by calendar days there)."""
    return utcnow().astimezone(ZoneInfo(config.get("DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))).date()


contract_machine = StateMachine(
    subject="contract",
    model=Contract,
    states=tuple(C),
    transitions=[
        # the contract follows its first version: accepted by both, declined, withdrawn or lapsed
        Transition("sign", (C.PROPOSED,), C.ACTIVE, frozenset({S})),
        Transition("decline", (C.PROPOSED,), C.DECLINED, frozenset({S})),
        Transition("withdraw", (C.PROPOSED,), C.WITHDRAWN, frozenset({S})),
        Transition("lapse", (C.PROPOSED,), C.LAPSED, frozenset({S})),
        Transition("expire", (C.ACTIVE,), C.EXPIRED, frozenset({S})),
        Transition("terminate", (C.ACTIVE,), C.TERMINATED, frozenset({B, VE, A})),
    ],
    timers=[Timer(C.ACTIVE, EXPIRY, "expire",
                  lambda contract, config: max(ends_at(contract, config) - utcnow(), timedelta(0)))],
)

version_machine = StateMachine(
    subject="contract_version",
    model=ContractVersion,
    states=tuple(V),
    transitions=[
        Transition("accept", (V.PROPOSED,), V.ACCEPTED, frozenset({B, VE})),
        Transition("decline", (V.PROPOSED,), V.DECLINED, frozenset({B, VE})),
        # the proposer takes it back; ``system``/admin: the contract ended while it was pending
        Transition("withdraw", (V.PROPOSED,), V.WITHDRAWN, frozenset({B, VE, A, S})),
        Transition("lapse", (V.PROPOSED,), V.LAPSED, frozenset({S})),
    ],
    timers=[Timer(V.PROPOSED, SIGN_DUE, "lapse", lambda version, config: sign_delay(config))],
)
