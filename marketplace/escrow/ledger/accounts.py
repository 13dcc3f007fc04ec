"""Every ledger account code and transfer-id rule of the platform, in one place.

Account codes (one account per code and currency):

- ``escrow:deal:<deal>``: the money held for one deal (liability);
- ``vendor:<vendor>:payable``: what the platform owes a vendor (liability);
- ``buyer:<buyer>:refund_payable``: what the platform owes a buyer back (liability);
- ``buyer:<buyer>:unapplied``: a buyer's partial bank credits waiting for a top-up (liability);
- ``platform:gateway_clearing:<gateway>``: money at a gateway or bank (asset);
- ``platform:bank_suspense``: bank credits nobody could match yet (liability);
- ``platform:commission``: the platform's revenue.

Transfer ids are deterministic, so a replay inserts nothing: ``m<milestone>.<step>``
(:class:`MilestoneStep`), ``bsl<statement line>.<step>`` (:class:`StatementLineStep`) and
``po<payout>.<step>`` (:class:`PayoutStep`). What a transfer *is* is its :class:`PostingCode`.
"""

from __future__ import annotations

from enum import StrEnum

from ..models import AccountKind

COMMISSION = "platform:commission"
SUSPENSE = "platform:bank_suspense"
_CLEARING = "platform:gateway_clearing"

#: SQL LIKE patterns of the account families
ESCROW_ACCOUNTS = "escrow:%"
VENDOR_PAYABLES = "vendor:%:payable"
REFUND_PAYABLES = "buyer:%:refund_payable"
UNAPPLIED_ACCOUNTS = "buyer:%:unapplied"



class MilestoneStep(StrEnum):
    """A step of one milestone's money: the suffix of its transfer id ``m<milestone>.<step>``."""

    FUND = "fund"  #: gateway clearing -> deal escrow (the buyer paid)
    HOLD = "hold"  #: pending: deal escrow -> vendor payable
    RELEASE = "release"  #: posts the hold, fully or partly
    COMMISSION = "commission"  #: vendor payable -> platform commission
    VOID = "void"  #: voids the hold (nothing released)
    REFUND = "refund"  #: deal escrow -> buyer refund payable
    # a partial acceptance posts the hold partly (``release``, ``commission``) and holds the rest again:
    HOLD_REST = "hold2"  #: pending: deal escrow -> vendor payable, what a partial release left held
    RELEASE_REST = "release2"  #: posts the second hold, fully or partly
    COMMISSION_REST = "commission2"  #: vendor payable -> platform commission, on the second release
    VOID_REST = "void2"  #: voids the second hold (nothing more released)
    PAYOUT_HOLD = "payout_hold"  #: pending: vendor payable -> gateway clearing (Stripe transfer asked)
    PAYOUT = "payout"  #: posts the payout hold (Stripe made the transfer)
    REFUND_PAYOUT_HOLD = "refund_payout_hold"  #: pending: buyer refund payable -> gateway clearing
    REFUND_PAYOUT = "refund_payout"  #: posts the refund payout hold (Stripe made the refund)


#: the steps of the escrow itself (fund to settlement), as :func:`milestone_transfers` names them
ESCROW_STEPS = (MilestoneStep.FUND, MilestoneStep.HOLD, MilestoneStep.RELEASE, MilestoneStep.COMMISSION,
                MilestoneStep.VOID, MilestoneStep.REFUND, MilestoneStep.HOLD_REST, MilestoneStep.RELEASE_REST,
                MilestoneStep.COMMISSION_REST, MilestoneStep.VOID_REST)


class StatementLineStep(StrEnum):
    """A step of one bank statement line: the suffix of its transfer id ``bsl<line>.<step>``."""

    PARTIAL = "partial"  #: an under-payment: bank clearing -> the buyer's unapplied credits
    APPLY = "apply"  #: the top-up came: the earlier credits go back to the bank clearing
    EXCESS = "excess"  #: an over-payment: the surplus to the buyer's refund payable
    DUPLICATE = "duplicate"  #: nothing more was owed: all of it to the buyer's refund payable
    SUSPENSE = "suspense"  #: nobody could be matched: bank clearing -> bank suspense
    UNSUSPENSE = "unsuspense"  #: an admin assigned the line: bank suspense -> bank clearing


class PayoutStep(StrEnum):
    """A step of one bank payout: the suffix of its transfer id ``po<payout>.<step>``."""

    HOLD = "hold"  #: reserved by a batch (payable -> bank clearing, pending)
    PAID = "paid"  #: the batch was paid (the hold posted)


class PostingCode(StrEnum):
    """What a ledger transfer is (``LedgerTransfer.code``), whichever id it has."""

    FUND = "fund"  #: money for a milestone arrived into its deal's escrow
    HOLD = "hold"  #: a milestone's money held for the vendor
    RELEASE = "release"  #: held money posted to the vendor (gross)
    COMMISSION = "commission"  #: the platform's share of a release
    VOID = "void"  #: a hold cancelled
    REFUND = "refund"  #: escrow money owed back to the buyer
    PAYOUT_HOLD = "payout_hold"  #: a payable reserved for a payout (bank batch or Stripe transfer)
    PAYOUT = "payout"  #: a payable paid out to a vendor or buyer
    REFUND_PAYOUT_HOLD = "refund_payout_hold"  #: a refund payable reserved for a Stripe refund
    REFUND_PAYOUT = "refund_payout"  #: a refund payable paid back through Stripe
    BANK_PARTIAL = "bank_partial"  #: an under-paying bank credit parked as unapplied
    BANK_APPLY = "bank_apply"  #: parked credits applied to the milestone they completed
    BANK_EXCESS = "bank_excess"  #: an over-payment owed back to the buyer
    BANK_DUPLICATE = "bank_duplicate"  #: a payment nothing was owed for, owed back to the buyer
    BANK_SUSPENSE = "bank_suspense"  #: an unmatched bank credit parked in suspense
    BANK_UNSUSPENSE = "bank_unsuspense"  #: a suspense credit assigned by an admin


#: the posting code of each statement-line step
STATEMENT_LINE_CODES = {
    StatementLineStep.PARTIAL: PostingCode.BANK_PARTIAL,
    StatementLineStep.APPLY: PostingCode.BANK_APPLY,
    StatementLineStep.EXCESS: PostingCode.BANK_EXCESS,
    StatementLineStep.DUPLICATE: PostingCode.BANK_DUPLICATE,
    StatementLineStep.SUSPENSE: PostingCode.BANK_SUSPENSE,
    StatementLineStep.UNSUSPENSE: PostingCode.BANK_UNSUSPENSE,
}

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


#: the first segment of a payable's code: whose it is
VENDOR_SIDE = "vendor"
BUYER_SIDE = "buyer"


def payable_owner(code: str) -> tuple[str, int]:
    """``vendor:7:payable`` -> (:data:`VENDOR_SIDE`, 7); ``buyer:3:refund_payable`` -> (:data:`BUYER_SIDE`, 3)."""
    side, org_id, _ = code.split(":", 2)
    return side, int(org_id)


def milestone_transfer(milestone_id: int, step: MilestoneStep) -> str:
    """``m<milestone>.<step>``: see :class:`MilestoneStep`."""
    return f"m{milestone_id}.{MilestoneStep(step)}"


def milestone_transfers(milestone_id: int) -> dict[MilestoneStep, str]:
    """The ids of one milestone's escrow steps (:data:`ESCROW_STEPS`), by step."""
    return {step: milestone_transfer(milestone_id, step) for step in ESCROW_STEPS}


def statement_line_transfer(line_id: int, step: StatementLineStep) -> str:
    """``bsl<line>.<step>``: see :class:`StatementLineStep`."""
    return f"bsl{line_id}.{StatementLineStep(step)}"


def payout_transfer(payout_id: int, step: PayoutStep) -> str:
    """``po<payout>.<step>``: see :class:`PayoutStep`."""
    return f"po{payout_id}.{PayoutStep(step)}"
