"""The ``bank_transfer`` gateway: statement import and matching, payout batches, reconciliation."""
