"""The ``bank_transfer`` gateway: the buyer wires the amount with the reference as memo; a statement
import (or an admin) confirms it. Works with no external service."""

from __future__ import annotations

from flask import current_app

from ..base import Gateway

GATEWAY = "bank_transfer"


class BankTransferGateway(Gateway):
    """The buyer wires the amount with the reference as memo; an admin (or a statement import) confirms."""

    def instructions(self, milestone, currency: str) -> dict:
        """The platform's bank account and the milestone's reference to quote as the transfer memo."""
        cfg = current_app.config
        return {
            "method": GATEWAY,
            "bank_name": cfg["BANK_NAME"],
            "account_name": cfg["BANK_ACCOUNT_NAME"],
            "account_number": cfg["BANK_ACCOUNT_NUMBER"],
            "reference": milestone.payment_reference,
            "amount": milestone.amount,
            "currency": currency,
        }
