"""The double-entry ledger: account codes and transfer ids (:mod:`.accounts`), posting (:mod:`.postings`)
and reports (:mod:`.reports`). ``from marketplace.escrow import ledger`` gives all three."""

from .accounts import (  # noqa: F401
    COMMISSION,
    ESCROW_ACCOUNTS,
    REFUND_PAYABLES,
    SUSPENSE,
    UNAPPLIED_ACCOUNTS,
    VENDOR_PAYABLES,
    buyer_refund_payable,
    clearing_account,
    escrow_account,
    kind_of,
    milestone_transfer,
    milestone_transfers,
    payable_owner,
    payout_transfer,
    statement_line_transfer,
    unapplied_account,
    vendor_payable,
)
from .postings import (  # noqa: F401
    LedgerError,
    account,
    balance,
    hold,
    post_hold,
    resolution_of,
    transfer,
    void_hold,
)
from .reports import (  # noqa: F401
    accounts_matching,
    deal_ledger,
    deal_ledger_with_accounts,
    deal_report,
    deal_summary,
    held_report,
    payable_balances,
    recomputed_balances,
    total_held,
    trial_balance,
    trial_balance_report,
)
