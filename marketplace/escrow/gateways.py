"""Payment gateways behind one interface. ``bank_transfer`` works with no external service."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, has_app_context

from ..money import format_amount


def _check_digits(body: str) -> str:
    """ISO 7064 MOD 97-10 check digits over the reference body, so typos in a memo are caught."""
    digits = "".join(str(int(ch, 36)) for ch in body)
    return f"{98 - (int(digits + '00') % 97):02d}"


def payment_reference(deal_id: int, seq: int) -> str:
    """A transfer memo a buyer can type: letters and digits only (Vietnamese banks strip the rest)."""
    body = f"MKP{deal_id}M{seq}"
    return body + _check_digits(body)


def reference_is_valid(reference: str) -> bool:
    reference = reference.strip().upper()
    return len(reference) > 2 and reference[-2:].isdigit() and _check_digits(reference[:-2]) == reference[-2:]


@dataclass
class Gateway:
    code: str

    def instructions(self, milestone, currency: str) -> dict:
        raise NotImplementedError

    def start(self, deal) -> None:
        """The buyer chose this gateway (same transaction): prepare each milestone awaiting payment."""

    def settled(self, deal, milestone) -> None:
        """``milestone`` was just settled in the ledger (same transaction): move the real money, if we do."""


class BankTransferGateway(Gateway):
    """The buyer wires the amount with the reference as memo; an admin (or a statement import) confirms."""

    def instructions(self, milestone, currency: str) -> dict:
        cfg = current_app.config
        return {
            "method": "bank_transfer",
            "bank_name": cfg["BANK_NAME"],
            "account_name": cfg["BANK_ACCOUNT_NAME"],
            "account_number": cfg["BANK_ACCOUNT_NUMBER"],
            "reference": milestone.payment_reference,
            "amount": format_amount(milestone.amount, currency),
            "currency": currency,
        }


class GatewayRegistry(Mapping):
    """The gateways a buyer may choose in the current app: each is offered only when its settings are set.

    ``get_gateway`` still finds a registered gateway whose settings are missing, so deals already paid
    through it keep settling (their outbox commands wait until the settings are back).
    """

    def __init__(self) -> None:
        self._gateways: dict[str, Gateway | str] = {}
        self._requires: dict[str, tuple[str, ...]] = {}

    def register(self, code: str, gateway: Gateway | str, requires: tuple[str, ...] = ()) -> None:
        """Add a gateway, or a ``"module:Class"`` path built on first use (its module may import this one)."""
        self._gateways[code] = gateway
        self._requires[code] = requires

    def _offered(self, code: str) -> bool:
        needs = self._requires[code]
        return not needs or (has_app_context() and all(current_app.config.get(name) for name in needs))

    def __getitem__(self, code: str) -> Gateway:
        if code not in self._gateways or not self._offered(code):
            raise KeyError(code)
        return self.registered(code)

    def __iter__(self):
        return (code for code in self._gateways if self._offered(code))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def registered(self, code: str) -> Gateway:
        gateway = self._gateways[code]
        if isinstance(gateway, str):
            module, _, name = gateway.partition(":")
            gateway = self._gateways[code] = getattr(importlib.import_module(module), name)(code)
        return gateway


GATEWAYS = GatewayRegistry()
GATEWAYS.register("bank_transfer", BankTransferGateway("bank_transfer"))
GATEWAYS.register("stripe", "marketplace.escrow.stripe_gateway:StripeGateway", requires=("STRIPE_SECRET_KEY",))


def get_gateway(code: str) -> Gateway:
    """A registered gateway by code, offered or not (see :class:`GatewayRegistry`)."""
    return GATEWAYS.registered(code)
