"""The GHN (Giao Hàng Nhanh) adapter over its public HTTP API: fee, create order, cancel; tracking arrives by
webhook (:mod:`marketplace.shipping.webhooks`).

Every booking sends a deterministic ``client_order_code``; GHN refuses a second order with the same code, so a
retry after a timeout looks the first order up by that code instead of creating another.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ...business_days import add_business_days
from ...errors import DomainError
from ...extensions import db
from ..models import Shipment
from .base import Capabilities, Carrier, Charge, RateQuote, RateRequest
from .builtin import chargeable_grams, ship_day
from .statuses import GHN_STATUSES

log = logging.getLogger(__name__)

GHN = "ghn"
#: GHN's message when a client_order_code was used before (the emulator speaks the same)
DUPLICATE_CODE = "duplicate client_order_code"
#: the refusal when GHN times out or fails (nothing was booked on our side; trying again is safe)
UNAVAILABLE = "the carrier did not answer in time; nothing was booked, please try again"


class CarrierUnavailableError(DomainError):
    """The carrier did not answer in time or failed (502); nothing was booked on our side."""

    status = 502
    code = "carrier_unavailable"


class CarrierRefusedError(DomainError):
    """The carrier refused the request (422)."""

    status = 422
    code = "carrier_refused"


def client_order_code(deal) -> str:
    """Our deterministic key of the deal's next GHN booking: the deal and its GHN shipment count (a failed try
    stores nothing, so its retry sends the same code)."""
    booked = db.session.scalar(select(func.count()).select_from(Shipment)
                               .where(Shipment.deal_id == deal.id, Shipment.carrier == GHN))
    return f"MKT-D{deal.id}-S{booked + 1}"


def call(config: Mapping[str, Any], path: str, body: dict) -> Any:
    """POST ``body`` to GHN's ``path``; returns its ``data``.

    :raises CarrierUnavailableError: a timeout, a connection error or a 5xx.
    :raises CarrierRefusedError: GHN answered with an error code (its message is kept).
    """
    req = urllib.request.Request(
        config["GHN_API_BASE"].rstrip("/") + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Token": config["GHN_TOKEN"],
                 "ShopId": str(config["GHN_SHOP_ID"])})
    try:
        with urllib.request.urlopen(req, timeout=config["GHN_TIMEOUT_SECONDS"]) as resp:
            payload = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise CarrierUnavailableError(UNAVAILABLE, details={"http_status": exc.code}) from None
        payload = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        raise CarrierUnavailableError(UNAVAILABLE) from None
    if payload.get("code") != 200:
        raise CarrierRefusedError("the carrier refused the request",
                                  details={"carrier_message": payload.get("message")})
    return payload.get("data")


class GhnCarrier(Carrier):
    """GHN: rates by its fee API, bookings by create order, cancel, tracking pushed by webhook."""

    code = GHN
    name = "GHN (Giao Hàng Nhanh)"
    capabilities = Capabilities(rates=True, labels=False, cancel=True, tracking_push=True, pickup=True,
                                currencies=frozenset({"VND"}), countries=frozenset({"VN"}))
    status_table = GHN_STATUSES
    required_settings = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_BASE", "GHN_WEBHOOK_TOKEN")

    def get_rates(self, request: RateRequest, config: Mapping[str, Any]) -> list[RateQuote]:
        """GHN's fee for the parcels (chargeable weight summed) as one ``parcel`` charge; none for pallets (not
        GHN's trade), another currency, or when GHN fails or refuses (the other carriers still quote)."""
        if request.pallets or not request.parcels or request.currency != "VND":
            return []
        grams = sum(chargeable_grams(p, config["SHIPPING_VOLUMETRIC_DIVISOR"]) for p in request.parcels)
        try:
            data = call(config, "/shiip/public-api/v2/shipping-order/fee",
                        {"service_type_id": 2, "from_province": request.origin, "to_province": request.destination,
                         "weight": grams})
        except (CarrierUnavailableError, CarrierRefusedError) as exc:
            log.warning("GHN fee not available: %s %s", exc.message, exc.details)
            return []
        parts = ", ".join(f"{name} {int(data.get(name) or 0)}" for name in ("service_fee", "insurance_fee", "r2s_fee"))
        total = int(data["total"])
        days = int(data.get("transit_days", 3))
        ship_on = request.ship_on or ship_day(config)
        return [RateQuote(carrier=self.code, service="standard", currency="VND", amount=total,
                          breakdown=(Charge("parcel", f"GHN fee for {grams} g chargeable ({parts})", total),),
                          transit_days=days, eta=add_business_days(ship_on, days, config["BUSINESS_CALENDAR"]),
                          estimate=False)]

    def create_shipment(self, deal, data: dict) -> dict:
        """Create a GHN order under a deterministic ``client_order_code``; a code GHN already holds (our earlier
        try timed out after GHN created it) is looked up, not booked again.

        :raises CarrierUnavailableError: GHN did not answer (nothing stored here; a retry is safe).
        :raises CarrierRefusedError: GHN refused the order.
        """
        config = current_app.config
        code = client_order_code(deal)
        body = {"client_order_code": code, "payment_type_id": 1, "required_note": "CHOXEMHANGKHONGTHU",
                "service_type_id": 2, "weight": int(data.get("weight_grams", 1000)), "note": data.get("note", ""),
                "to_name": str(getattr(deal, "buyer_id", "")), "items": []}
        try:
            order = call(config, "/shiip/public-api/v2/shipping-order/create", body)
        except CarrierRefusedError as exc:
            if DUPLICATE_CODE not in (exc.details.get("carrier_message") or ""):
                raise
            order = call(config, "/shiip/public-api/v2/shipping-order/detail-by-client-code",
                         {"client_order_code": code})
        return {"tracking_number": order["order_code"],
                "details": {"client_order_code": code, "total_fee": order.get("total_fee"),
                            "expected_delivery_time": order.get("expected_delivery_time")}}

    def cancel(self, tracking_number: str) -> None:
        """Cancel a GHN order before pickup.

        :raises CarrierRefusedError: GHN refused (already picked up).
        """
        call(current_app.config, "/shiip/public-api/v2/switch-status/cancel", {"order_codes": [tracking_number]})
