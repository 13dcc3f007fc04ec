"""Carrier adapters behind one interface. ``manual`` needs no external service: the vendor enters
tracking itself and posts status updates."""

from __future__ import annotations

import secrets


class Carrier:
    code = ""
    name = ""

    def create_shipment(self, deal, data: dict) -> dict:
        """Book the shipment; returns ``{"tracking_number", "details"}``."""
        raise NotImplementedError

    def normalise(self, raw_code: str) -> str:
        """Map the carrier's status code to a normalised status."""
        raise NotImplementedError


class ManualCarrier(Carrier):
    """The vendor ships by any means and reports progress by hand."""

    code = "manual"
    name = "Manual / self-delivery"

    def create_shipment(self, deal, data: dict) -> dict:
        number = data.get("tracking_number") or f"MAN{deal.id:06d}{secrets.token_hex(3).upper()}"
        return {"tracking_number": number, "details": {"note": data.get("note", "")}}

    def normalise(self, raw_code: str) -> str:
        return raw_code  # the manual carrier already speaks our statuses


CARRIERS: dict[str, Carrier] = {c.code: c for c in (ManualCarrier(),)}
