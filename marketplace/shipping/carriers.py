"""Carrier adapters behind one interface. ``manual`` needs no external service: the vendor enters
tracking itself and posts status updates. Adapters are declared in ``shipping/registration.py`` and
looked up through the registry."""

from __future__ import annotations

import secrets

from .models import ShipmentStatus

#: the carrier a shipment is booked with when the vendor names none
MANUAL = "manual"


class Carrier:
    """One carrier adapter: books shipments and maps the carrier's status codes onto :class:`ShipmentStatus`."""

    code = ""
    name = ""
    #: the vendor reports this carrier's progress by hand (others report their own tracking)
    manual_tracking = False

    def create_shipment(self, deal, data: dict) -> dict:
        """Book the shipment for ``deal`` (a plain object: ``.id``); returns ``{"tracking_number", "details"}``."""
        raise NotImplementedError

    def normalise(self, raw_code: str) -> ShipmentStatus:
        """Map the carrier's status code to a normalised status."""
        raise NotImplementedError


class ManualCarrier(Carrier):
    """The vendor ships by any means and reports progress by hand."""

    code = MANUAL
    name = "Manual / self-delivery"
    manual_tracking = True

    def create_shipment(self, deal, data: dict) -> dict:
        """Record the vendor's own tracking number (or make one up from the deal id) and its note; nothing is booked
        anywhere."""
        number = data.get("tracking_number") or f"MAN{deal.id:06d}{secrets.token_hex(3).upper()}"
        return {"tracking_number": number, "details": {"note": data.get("note", "")}}

    def normalise(self, raw_code: str) -> ShipmentStatus:
        """The vendor posts our own status values, so the code maps to itself.

        :raises ValueError: not a :class:`ShipmentStatus` value.
        """
        return ShipmentStatus(raw_code)  # the manual carrier already speaks our statuses
