"""Ledger, payment gateways (bank_transfer, stripe), payouts, webhook inbox, reconciliation."""
