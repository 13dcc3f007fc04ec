"""Who acts: the role a request, job or timer plays in the transition tables, and the people behind it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorRole(StrEnum):
    BUYER = "buyer"  #: a member of a buyer organisation
    VENDOR = "vendor"  #: a member of a vendor organisation
    ADMIN = "admin"  #: a platform admin (sees every organisation's rows)
    SYSTEM = "system"  #: the platform itself: deadlines, jobs, facts reported by other packages


ROLES = frozenset(ActorRole)


@dataclass(frozen=True)
class Actor:
    """Who triggers a transition: a role in the table, and the user/organisation behind it."""

    role: ActorRole  #: buyer | vendor | admin | system
    user_id: int | None = None
    org_id: int | None = None
    member_role: str | None = None  #: the membership role inside the organisation (owner, approver, ...)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown actor role {self.role!r}")


SYSTEM = Actor(ActorRole.SYSTEM)
