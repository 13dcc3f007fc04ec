"""The GHTK (Giao Hàng Tiết Kiệm) adapter over its public HTTP API: fee, create order, cancel, order status (the
polling fallback); tracking arrives by form-encoded webhook (:mod:`marketplace.shipping.webhooks`).

Every booking sends our deterministic reference as GHTK's order ``id`` (its ``partner_id``); GHTK refuses a second
order with the same id, so a retry after a timeout looks the first order up by partner id instead of creating
another. GHTK answers errors as ``{"success": false, "message": ...}``, often with HTTP 200.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
from .builtin import chargeable_grams, rate_card, ship_day, zone_of
from .http import (
    CarrierRefusedError,
    CarrierUnavailableError,
    request_json,
    request_pdf,
)
from .statuses import GHTK_STATUSES

log = logging.getLogger(__name__)

GHTK = "ghtk"
#: GHTK's error code when an order ``id`` (our reference) was used before (the emulator speaks the same)
ORDER_ID_EXIST = "ORDER_ID_EXIST"
#: GHTK's own clock: order status times come without a zone and are Vietnamese local time
GHTK_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
#: a GHTK ``status_id``: a small integer, -1 for cancelled
STATUS_ID = re.compile(r"-?\d{1,6}")
#: GHTK keeps at most this much of an order note
NOTE_MAX = 120
#: order statuses that mean GHTK has cancelled the order (a repeated cancel is then done, not refused)
CANCELLED_IDS = frozenset({"-1"})


def call(config: Mapping[str, Any], method: str, path: str, body: dict | None = None) -> dict:
    """Send ``body`` (JSON) to GHTK's ``path``; returns its whole answer (``success`` is true).

    :raises CarrierUnavailableError: a timeout, a connection error or a 5xx.
    :raises CarrierRefusedError: GHTK answered ``success: false`` (its message and error code are kept).
    """
    headers = {"Token": config["GHTK_TOKEN"]}
    if config.get("GHTK_CLIENT_SOURCE"):
        headers["X-Client-Source"] = config["GHTK_CLIENT_SOURCE"]
    _status, payload = request_json(method, config["GHTK_API_BASE"].rstrip("/") + path, body=body,
                                    timeout=config["GHTK_TIMEOUT_SECONDS"], headers=headers)
    if not isinstance(payload, dict) or payload.get("success") is not True:
        error = payload.get("error") if isinstance(payload, dict) else None
        raise CarrierRefusedError("the carrier refused the request", details={
            "carrier_message": payload.get("message") if isinstance(payload, dict) else None,
            "carrier_code": error.get("code") if isinstance(error, dict) else None})
    return payload


def _order_path(key: str) -> str:
    """``/services/shipment/v2/<label>`` (or ``partner_id:<reference>``), quoted for the URL."""
    return "/services/shipment/v2/" + urllib.parse.quote(key, safe=":.")


class GhtkCarrier(Carrier):
    """GHTK: rates by its fee API, bookings by create order, cancel, tracking pushed by webhook or polled."""

    code = GHTK
    name = "GHTK (Giao Hàng Tiết Kiệm)"
    capabilities = Capabilities(rates=True, labels=True, cancel=True, tracking_push=True, tracking_pull=True,
                                pickup=True, currencies=frozenset({"VND"}), countries=frozenset({"VN"}))
    status_table = GHTK_STATUSES
    required_settings = ("GHTK_TOKEN", "GHTK_API_BASE")
    webhook_setting = "GHTK_WEBHOOK_HASH"

    def get_rates(self, request: RateRequest, config: Mapping[str, Any]) -> list[RateQuote]:
        """GHTK's fee for the parcels (chargeable weight summed, grams) as one ``parcel`` charge; none for pallets
        (not GHTK's trade), another currency, a lane GHTK does not deliver, or when GHTK fails or refuses (the other
        carriers still quote)."""
        if request.pallets or not request.parcels or request.currency != "VND":
            return []
        grams = sum(chargeable_grams(p, config["SHIPPING_VOLUMETRIC_DIVISOR"]) for p in request.parcels)
        try:
            answer = call(config, "POST", "/services/shipment/fee",
                          {"pick_province": request.origin, "province": request.destination, "weight": grams,
                           "value": 0, "transport": "road", "deliver_option": "none"})
        except (CarrierUnavailableError, CarrierRefusedError) as exc:
            log.warning("GHTK fee not available: %s %s", exc.message, exc.details)
            return []
        fee = answer.get("fee") if isinstance(answer.get("fee"), dict) else {}
        if not fee.get("delivery", True) or fee.get("fee") is None:
            return []  # GHTK does not deliver to that area
        freight, insurance = int(fee["fee"]), int(fee.get("insurance_fee") or 0)
        total = freight + insurance
        # GHTK's fee answer carries no lead time: the built-in card's zone gives the business days
        zone = zone_of(rate_card(config), request.origin, request.destination)
        days = rate_card(config)["zones"][zone]["transit_days"] if zone else 4
        ship_on = request.ship_on or ship_day(config)
        return [RateQuote(carrier=self.code, service="road", currency="VND", amount=total,
                          breakdown=(Charge("parcel", f"GHTK fee for {grams} g chargeable (fee {freight}, "
                                                      f"insurance_fee {insurance})", total),),
                          transit_days=days, eta=add_business_days(ship_on, days, config["BUSINESS_CALENDAR"]),
                          estimate=False, details={"area": fee.get("name")})]

    def create_shipment(self, deal, data: dict) -> dict:
        """Create a GHTK order whose ``id`` is our deterministic reference; an id GHTK already holds (our earlier try
        timed out after GHTK created it) is looked up by partner id, not booked again.

        :raises CarrierUnavailableError: GHTK did not answer (nothing stored here; a retry is safe).
        :raises CarrierRefusedError: GHTK refused the order.
        """
        config = current_app.config
        reference = data["reference"]
        grams = int(data.get("weight_grams") or 1000)
        items = [item for item in data.get("items") or () if int(item.get("quantity") or 0) > 0]
        products = [{"name": (item.get("description") or f"Deal line {item.get('deal_line_id')}")[:200],
                     "quantity": int(item["quantity"]), "weight": max(1, grams // len(items)),
                     "product_code": str(item.get("deal_line_id") or "")} for item in items]
        if not products:
            products = [{"name": f"Deal {deal.id} goods", "quantity": 1, "weight": grams}]
        order = {"id": reference, "pick_money": 0,  # paid into escrow: GHTK collects nothing (no COD)
                 "value": int(data.get("declared_value") or 0), "is_freeship": 1, "transport": "road",
                 "weight_option": "gram", "total_weight": grams, "note": (data.get("note") or "")[:NOTE_MAX],
                 "name": str(getattr(deal, "buyer_id", ""))}
        try:
            answer = call(config, "POST", "/services/shipment/order", {"products": products, "order": order})
            booked = answer.get("order") or {}
            label = booked.get("label")
        except CarrierRefusedError as exc:
            if exc.details.get("carrier_code") != ORDER_ID_EXIST:
                raise
            booked = call(config, "GET", _order_path(f"partner_id:{reference}")).get("order") or {}
            label = booked.get("label_id") or booked.get("label")
        if not label:
            raise CarrierUnavailableError("the carrier answered without a tracking label; please try again",
                                          details={"carrier": self.code})
        return {"tracking_number": str(label)[:64],
                "details": {"partner_id": reference, "fee": _int(booked.get("fee", booked.get("ship_money"))),
                            "insurance_fee": _int(booked.get("insurance_fee", booked.get("insurance"))),
                            "estimated_pick_time": booked.get("estimated_pick_time"),
                            "estimated_deliver_time": booked.get("estimated_deliver_time")}}

    def cancel(self, tracking_number: str, config: Mapping[str, Any]) -> None:
        """Cancel a GHTK order before pickup; an order GHTK already shows as cancelled is done.

        :raises CarrierRefusedError: GHTK refused (already picked up).
        :raises CarrierUnavailableError: GHTK did not answer.
        """
        try:
            call(config, "POST", "/services/shipment/cancel/" + urllib.parse.quote(tracking_number, safe=".:"))
        except CarrierRefusedError as exc:
            # a cancel that reached GHTK before our side failed: GHTK refuses the second one, the order is cancelled
            current = call(config, "GET", _order_path(tracking_number)).get("order") or {}
            if str(current.get("status")) in CANCELLED_IDS:
                return
            raise CarrierRefusedError("the carrier refused to cancel", details=exc.details) from None

    def verify_webhook(self, delivery: WebhookDelivery, config: Mapping[str, Any]) -> bool:
        """GHTK signs nothing: the callback URL registered with GHTK carries our shared ``GHTK_WEBHOOK_HASH``
        (``?hash=``)."""
        given = delivery.query.get("hash") or ""
        expected = config.get(self.webhook_setting) or ""
        return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())

    def parse_webhook(self, delivery: WebhookDelivery) -> list[CarrierEvent]:
        """GHTK's status update, form-encoded (JSON accepted too): ``label_id``, ``partner_id``, ``status_id``,
        ``action_time``, ``reason_code``, ``reason``, ``weight``, ``fee``, ``pick_money``, ``return_part_package``;
        keyed by label_id + status_id + action_time.

        :raises InvalidInputError: not a GHTK status update.
        """
        body = _fields(delivery)
        label, status_id = body.get("label_id", "").strip(), body.get("status_id", "").strip()
        if not label or not STATUS_ID.fullmatch(status_id) or not body.get("action_time"):
            raise InvalidInputError("the body is not a GHTK status update (label_id, status_id, action_time)")
        at = parse_time(body["action_time"])
        description = body.get("reason", "").strip()
        if body.get("return_part_package", "").strip() == "1":
            description = f"{description} (partial delivery)".strip()
        return [CarrierEvent(tracking_number=label[:64], raw_status=status_id, occurred_at=at,
                             dedupe_key=dedupe_key(label, status_id, at), description=description[:2000])]

    def track(self, tracking_number: str, config: Mapping[str, Any]) -> list[CarrierEvent]:
        """GHTK's current status of the order (``GET /services/shipment/v2/<label>``) as one report, timed by the
        order's last change.

        :raises CarrierUnavailableError: GHTK did not answer (the poller backs off).
        :raises CarrierRefusedError: GHTK does not know the order.
        """
        order = call(config, "GET", _order_path(tracking_number)).get("order") or {}
        status_id = str(order.get("status", "")).strip()
        if not STATUS_ID.fullmatch(status_id):
            raise CarrierUnavailableError("the carrier answered without a status; please try again",
                                          details={"carrier": self.code})
        stamp = order.get("modified") or order.get("created")
        at = parse_time(stamp) if stamp else datetime.now(UTC)
        label = str(order.get("label_id") or tracking_number)
        return [CarrierEvent(tracking_number=label[:64], raw_status=status_id, occurred_at=at,
                             dedupe_key=dedupe_key(label, status_id, at),
                             description=str(order.get("status_text") or order.get("message") or "")[:2000])]

    def carrier_label(self, tracking_number: str, config: Mapping[str, Any]) -> bytes:
        """GHTK's own A6 label: ``GET /services/label/<label>`` answers the PDF (or a JSON refusal).

        :raises CarrierUnavailableError: GHTK did not answer.
        :raises CarrierRefusedError: GHTK refused (its message kept).
        """
        headers = {"Token": config["GHTK_TOKEN"]}
        if config.get("GHTK_CLIENT_SOURCE"):
            headers["X-Client-Source"] = config["GHTK_CLIENT_SOURCE"]
        url = (config["GHTK_API_BASE"].rstrip("/") + "/services/label/" + urllib.parse.quote(tracking_number, safe=".")
               + "?original=portrait&page_size=A6")
        answer = request_pdf(url, headers=headers, timeout=config["GHTK_TIMEOUT_SECONDS"])
        if isinstance(answer, bytes):
            return answer
        raise CarrierRefusedError("the carrier refused the request", details={
            "carrier_message": answer.get("message") if isinstance(answer, dict) else None})


def _fields(delivery: WebhookDelivery) -> dict[str, str]:
    """The delivery's fields as strings: a form body, or a JSON object when sent as JSON.

    :raises InvalidInputError: neither.
    """
    try:
        text = delivery.raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("the body is not UTF-8") from None
    if delivery.content_type == "application/json":
        try:
            body = json.loads(text)
        except ValueError:
            raise InvalidInputError("the body is not JSON") from None
        if not isinstance(body, dict):
            raise InvalidInputError("the body is not a GHTK status update")
        return {str(k): "" if v is None else str(v) for k, v in body.items()}
    try:
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=100))
    except ValueError:
        raise InvalidInputError("the body is not form-encoded") from None


def dedupe_key(label: str, status_id: str, at: datetime) -> str:
    """``label_id:status_id:action_time`` with the time in UTC, so a resend (or a poll that sees the same change)
    has the same key whatever zone GHTK wrote the time in."""
    return f"{label}:{status_id}:{at.astimezone(UTC).isoformat()}"[:200]


def parse_time(value: str) -> datetime:
    """A GHTK time as an aware datetime: ISO 8601 (``2026-11-29T12:18:39+07:00``) or GHTK's ``2026-11-29
    12:18:39``; a time without a zone is GHTK's local time (Asia/Ho_Chi_Minh).

    :raises InvalidInputError: not a timestamp.
    """
    try:
        at = datetime.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInputError("the event time is not ISO 8601") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=GHTK_ZONE)


def _int(value) -> int | None:
    """GHTK sends money as numbers or numeric strings; None when absent or not a number."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None
