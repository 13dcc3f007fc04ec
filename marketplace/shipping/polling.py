"""Polling fallback: shipments of carriers that do not push tracking here are asked for it on a schedule with
back-off, until a terminal status (being written)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .models import Shipment


def schedule_first_poll(shipment: Shipment, config: Mapping[str, Any]) -> None:
    """Set the first ask of a newly booked shipment when its carrier is polled here."""


def poll_due_shipments(now: datetime | None = None) -> int:
    """Sweep step: queue a poll job for each shipment whose ``next_poll_at`` has come; returns how many."""
    return 0
