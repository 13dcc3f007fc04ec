"""Every ledger account code and transfer-id rule of the platform, in one place.

Account codes (one account per code and currency):

- ``escrow:deal:<deal>``: the money held for one deal (liability);
- ``vendor:<vendor>:payable``: what the platform owes a vendor (liability);
- ``buyer:<buyer>:refund_payable``: what the platform owes a buyer back (liability);
- ``buyer:<buyer>:unapplied``: a buyer's partial bank credits waiting for a top-up (liability);
- ``platform:gateway_clearing:<gateway>``: money at a gateway or bank (asset);
- ``platform:bank_suspense``: bank credits nobody could match yet (liability);
- ``platform:commission``: the platform's revenue.

Transfer ids are deterministic, so a replay inserts nothing: ``m<milestone>.<step>`` (fund, hold,
release, commission, void, refund, payout_hold, payout, refund_payout_hold, refund_payout),
``bsl<statement line>.<step>`` (partial, apply, excess, duplicate, suspense, unsuspense) and
``po<payout>.<step>`` (hold, paid).
"""

from __future__ import annotations

from ..models import AccountKind

COMMISSION = "platform:commission"
SUSPENSE = "platform:bank_suspense"
_CLEARING = "platform:gateway_clearing"

#: SQL LIKE patterns of the account families
ESCROW_ACCOUNTS = "escrow:%"
VENDOR_PAYABLES = "vendor:%:payable"
REFUND_PAYABLES = "buyer:%:refund_payable"
UNAPPLIED_ACCOUNTS = "buyer:%:unapplied"

#: account-code prefixes and their kind (everything else is a liability)
_KINDS = (
    (_CLEARING, AccountKind.ASSET),
    (COMMISSION, AccountKind.REVENUE),
)


def kind_of(code: str) -> str:
    """The :class:`AccountKind` of an account code."""
    for prefix, kind in _KINDS:
        if code.startswith(prefix):
            return kind
    return AccountKind.LIABILITY


def escrow_account(deal_id: int) -> str:
    """The money held for one deal."""
    return f"escrow:deal:{deal_id}"


def vendor_payable(vendor_id: int) -> str:
    """What the platform owes a vendor."""
    return f"vendor:{vendor_id}:payable"


def buyer_refund_payable(buyer_id: int) -> str:
    """What the platform owes a buyer back."""
    return f"buyer:{buyer_id}:refund_payable"


def unapplied_account(buyer_id: int) -> str:
    """A buyer's partial bank credits waiting for a top-up."""
    return f"buyer:{buyer_id}:unapplied"


def clearing_account(gateway: str) -> str:
    """Money at a gateway or bank (an asset)."""
    return f"{_CLEARING}:{gateway}"


def payable_owner(code: str) -> tuple[str, int]:
    """``vendor:7:payable`` -> (``vendor``, 7); ``buyer:3:refund_payable`` -> (``buyer``, 3)."""
    side, org_id, _ = code.split(":", 2)
    return side, int(org_id)


def milestone_transfer(milestone_id: int, step: str) -> str:
    """``m<milestone>.<step>``: fund, hold, release, commission, void, refund, payout(_hold), refund_payout(_hold)."""
    return f"m{milestone_id}.{step}"


def milestone_transfers(milestone_id: int) -> dict[str, str]:
    """The ids of one milestone's escrow steps, by step."""
    return {k: milestone_transfer(milestone_id, k) for k in ("fund", "hold", "release", "commission", "void", "refund")}


def statement_line_transfer(line_id: int, step: str) -> str:
    """``bsl<line>.<step>``: partial, apply, excess, duplicate, suspense, unsuspense."""
    return f"bsl{line_id}.{step}"


def payout_transfer(payout_id: int, step: str) -> str:
    """``po<payout>.<step>``: hold (reserved by a batch), paid (the batch was paid)."""
    return f"po{payout_id}.{step}"
