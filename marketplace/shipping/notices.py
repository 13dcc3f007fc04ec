"""Who hears of a shipment's progress (being written)."""

from __future__ import annotations

from .models import Shipment


def on_status_changed(shipment: Shipment, previous: str) -> None:
    """Listener of ``shipping.status_changed``."""
