"""Payment gateways behind one interface, and the payment references buyers quote with a transfer."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ... import registry


def _check_digits(body: str) -> str:
    """ISO 7064 MOD 97-10 check digits over the reference body, so typos in a memo are caught."""
    digits = "".join(str(int(ch, 36)) for ch in body)
    return f"{98 - (int(digits + '00') % 97):02d}"


def payment_reference(deal_id: int, seq: int) -> str:
    """A transfer memo a buyer can type: letters and digits only (Vietnamese banks strip the rest)."""
    body = f"MKP{deal_id}M{seq}"
    return body + _check_digits(body)


def reference_is_valid(reference: str) -> bool:
    """The reference's check digits hold."""
    reference = reference.strip().upper()
    return len(reference) > 2 and reference[-2:].isdigit() and _check_digits(reference[:-2]) == reference[-2:]


@dataclass
class Gateway:
    """One way of paying into escrow. Deals reach it as plain objects (``.id .currency .gateway
    .buyer_id .vendor_id .commission_bps .milestones``): escrow never imports ``deals``."""

    code: str
    #: settings that must all be set for buyers to be offered this gateway
    requires: tuple[str, ...] = ()

    def instructions(self, milestone, currency: str) -> dict:
        """How to pay ``milestone`` (amounts in minor units; the API formats them in ``currency``)."""
        raise NotImplementedError

    def start(self, deal) -> None:
        """The buyer chose this gateway (same transaction): prepare each milestone awaiting payment."""

    def settled(self, deal, milestone) -> None:
        """``milestone`` was just settled in the ledger (same transaction): move the real money, if we do."""


def offered_gateways() -> list[str]:
    """Codes of the registered gateways a buyer may choose now: those whose settings are all set."""
    cfg = current_app.config
    return [code for code, gw in registry.current().gateways.items() if all(cfg.get(name) for name in gw.requires)]


def get_gateway(code: str) -> Gateway:
    """A registered gateway by code, offered or not: deals already paid through a gateway whose settings
    are gone keep settling (their outbox commands wait until the settings are back).

    :raises KeyError: no such gateway is registered.
    """
    return registry.current().gateways[code]
