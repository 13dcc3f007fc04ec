"""Carrier adapters behind one interface (:class:`Carrier`, with declared :class:`Capabilities` and a status
table per carrier). ``manual`` is the built-in carrier: no external service, rates from a rate card. Adapters are
declared in ``shipping/registration.py`` and looked up through the registry; a carrier is offered when its
settings (credentials) are present, the built-in one always."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import registry
from .base import Capabilities, Carrier, Charge, Parcel, RateQuote, RateRequest
from .builtin import PROVINCES, make_tracking_number, valid_tracking_number
from .manual import MANUAL, ManualCarrier

__all__ = ["MANUAL", "PROVINCES", "Capabilities", "Carrier", "Charge", "ManualCarrier", "Parcel", "RateQuote",
           "RateRequest", "all_carriers", "enabled_carriers", "make_tracking_number", "valid_tracking_number"]


def all_carriers() -> Mapping[str, Carrier]:
    """Every registered adapter by code, enabled or not."""
    return registry.current().carriers


def enabled_carriers(config: Mapping[str, Any]) -> dict[str, Carrier]:
    """The registered adapters offered with these settings, by code (sorted)."""
    return {code: c for code, c in sorted(all_carriers().items()) if c.enabled(config)}
