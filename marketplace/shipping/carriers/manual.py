"""The built-in ``manual`` carrier: no external service. The vendor ships by its own trucks or a forwarder booked
by phone, enters tracking itself (or gets an internal number with a check digit) and posts status updates; prices
come from the built-in rate card (:mod:`.builtin`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Capabilities, Carrier, RateQuote, RateRequest
from .builtin import make_tracking_number, price
from .statuses import MANUAL_STATUSES

#: the carrier a shipment is booked with when the vendor names none
MANUAL = "manual"


class ManualCarrier(Carrier):
    """The vendor ships by any means and reports progress by hand; rates from the built-in rate card."""

    code = MANUAL
    name = "Manual / self-delivery"
    manual_tracking = True
    capabilities = Capabilities(rates=True, pod=True, currencies=frozenset({"VND"}), countries=frozenset({"VN"}))
    status_table = MANUAL_STATUSES

    def create_shipment(self, deal, data: dict) -> dict:
        """Record the vendor's own tracking number (or allocate an internal one with a check digit) and its note;
        nothing is booked anywhere."""
        number = data.get("tracking_number") or make_tracking_number()
        return {"tracking_number": number, "details": {"note": data.get("note", "")}}

    def get_rates(self, request: RateRequest, config: Mapping[str, Any]) -> list[RateQuote]:
        """The built-in rate card's quote (an estimate), or none for a lane or currency the card does not cover."""
        quote = price(request, config, self.code)
        return [quote] if quote else []
