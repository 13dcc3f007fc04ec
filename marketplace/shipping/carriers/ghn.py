"""The GHN (Giao Hàng Nhanh) adapter over its public HTTP API: fee, create order, cancel; tracking arrives by
webhook (:mod:`marketplace.shipping.webhooks`), or is polled from the order detail when no webhook token is set
(:mod:`marketplace.shipping.polling`).

Every booking sends a deterministic ``client_order_code``; GHN refuses a second order with the same code, so a
retry after a timeout looks the first order up by that code instead of creating another.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app

from ...business_days import add_business_days
from ...errors import InvalidInputError
from .base import (
    Capabilities,
    Carrier,
    CarrierEvent,
    Charge,
    RateQuote,
    RateRequest,
    WebhookDelivery,
)
from .builtin import chargeable_grams, ship_day
from .http import CarrierRefusedError, CarrierUnavailableError, request_json
from .statuses import GHN_STATUSES

log = logging.getLogger(__name__)

GHN = "ghn"
#: GHN's message when a client_order_code was used before (the emulator speaks the same)
DUPLICATE_CODE = "duplicate client_order_code"


def call(config: Mapping[str, Any], path: str, body: dict) -> Any:
    """POST ``body`` to GHN's ``path``; returns its ``data``.

    :raises CarrierUnavailableError: a timeout, a connection error or a 5xx.
    :raises CarrierRefusedError: GHN answered with an error code (its message is kept).
    """
    _status, payload = request_json("POST", config["GHN_API_BASE"].rstrip("/") + path, body=body,
                                    timeout=config["GHN_TIMEOUT_SECONDS"],
                                    headers={"Token": config["GHN_TOKEN"], "ShopId": str(config["GHN_SHOP_ID"])})
    if not isinstance(payload, dict) or payload.get("code") != 200:
        raise CarrierRefusedError("the carrier refused the request",
                                  details={"carrier_message": payload.get("message") if isinstance(payload, dict)
                                           else None})
    return payload.get("data")


class GhnCarrier(Carrier):
    """GHN: rates by its fee API, bookings by create order, cancel, tracking pushed by webhook."""

    code = GHN
    name = "GHN (Giao Hàng Nhanh)"
    capabilities = Capabilities(rates=True, labels=False, cancel=True, tracking_push=True,
                                tracking_pull=True, pickup=True,
                                currencies=frozenset({"VND"}), countries=frozenset({"VN"}))
    status_table = GHN_STATUSES
    required_settings = ("GHN_TOKEN", "GHN_SHOP_ID", "GHN_API_BASE")
    webhook_setting = "GHN_WEBHOOK_TOKEN"

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
        code = data["reference"]
        body = {"client_order_code": code, "payment_type_id": 1, "required_note": "CHOXEMHANGKHONGTHU",
                "service_type_id": 2, "weight": int(data.get("weight_grams") or 1000), "note": data.get("note", ""),
                "to_name": str(getattr(deal, "buyer_id", "")),
                "items": [{"name": item["description"][:200], "quantity": item["quantity"]}
                          for item in data.get("items", ())]}
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

    def cancel(self, tracking_number: str, config: Mapping[str, Any]) -> None:
        """Cancel a GHN order before pickup.

        :raises CarrierRefusedError: GHN refused (already picked up).
        """
        results = call(config, "/shiip/public-api/v2/switch-status/cancel", {"order_codes": [tracking_number]})
        if not any(r.get("order_code") == tracking_number and r.get("result") for r in results or ()):
            raise CarrierRefusedError("the carrier refused to cancel", details={"carrier_message": next(
                (r.get("message") for r in results or () if r.get("order_code") == tracking_number), None)})

    def verify_webhook(self, delivery: WebhookDelivery, config: Mapping[str, Any]) -> bool:
        """GHN signs nothing: the callback URL registered with GHN carries our shared ``GHN_WEBHOOK_TOKEN``
        (``?token=``, or the ``Token`` header)."""
        token = delivery.query.get("token") or delivery.headers.get("Token") or ""
        expected = config.get(self.webhook_setting) or ""
        return bool(token and expected) and hmac.compare_digest(token.encode(), expected.encode())

    def parse_webhook(self, delivery: WebhookDelivery) -> list[CarrierEvent]:
        """GHN's JSON order event (``OrderCode``, ``Status``, ``Time``, ``Reason``, ``Warehouse``, ...); keyed by
        OrderCode + Status + Time.

        :raises InvalidInputError: not JSON, or not a GHN status event.
        """
        try:
            body = json.loads(delivery.raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInputError("the body is not JSON") from None
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body.get(k)
                                                 for k in ("OrderCode", "Status", "Time")):
            raise InvalidInputError("the body is not a GHN status event (OrderCode, Status, Time)")
        return [CarrierEvent(tracking_number=body["OrderCode"][:64], raw_status=body["Status"][:64],
                             occurred_at=parse_time(body["Time"]),
                             dedupe_key=f"{body['OrderCode']}:{body['Status']}:{body['Time']}"[:200],
                             description=str(body.get("Reason") or body.get("Description") or "")[:2000],
                             location=str(body["Warehouse"])[:200] if body.get("Warehouse") else None)]

    def track(self, tracking_number: str, config: Mapping[str, Any]) -> list[CarrierEvent]:
        """The order's history from GHN's order detail (``log[]`` of ``{status, updated_date}``, and the current
        ``status`` / ``updated_date``), keyed like its webhook (OrderCode + Status + Time) so a report that came
        both ways is stored once; an entry without a status or a zoned time is skipped.

        :raises CarrierUnavailableError: GHN did not answer (the poller backs off).
        :raises CarrierRefusedError: GHN refused (e.g. it does not know the order).
        """
        data = call(config, "/shiip/public-api/v2/shipping-order/detail", {"order_code": tracking_number}) or {}
        entries = [e for e in data.get("log") or () if isinstance(e, dict)]
        current = {"status": data.get("status"), "updated_date": data.get("updated_date")}
        if current["status"] and current["updated_date"] and not any(
                (e.get("status"), e.get("updated_date")) == (current["status"], current["updated_date"])
                for e in entries):
            entries.append(current)  # the newest step may not be in the log yet
        events = []
        for entry in entries:
            status, at = entry.get("status"), entry.get("updated_date")
            if not (isinstance(status, str) and status and isinstance(at, str)):
                continue
            try:
                occurred = parse_time(at)
            except InvalidInputError:
                log.warning("GHN order %s: skipped a log entry with time %r", tracking_number, at)
                continue
            events.append(CarrierEvent(tracking_number=tracking_number[:64], raw_status=status[:64],
                                       occurred_at=occurred, dedupe_key=f"{tracking_number}:{status}:{at}"[:200],
                                       description=str(entry.get("reason") or "")[:2000],
                                       location=str(entry["warehouse"])[:200] if entry.get("warehouse") else None))
        return events


def parse_time(value: str):
    """An ISO 8601 time with a zone (``Z`` or an offset) as an aware datetime.

    :raises InvalidInputError: not a timestamp with a zone.
    """
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInputError("the event time is not ISO 8601") from None
    if at.tzinfo is None:
        raise InvalidInputError("the event time has no zone")
    return at
