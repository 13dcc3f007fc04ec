"""The Viettel Post (VTP) adapter over its partner HTTP API: price, create order, cancel, order lookup; tracking
arrives by webhook (:mod:`marketplace.shipping.webhooks`) with its lookup as the polling fallback.

VTP authenticates with a token obtained by logging in (``/v2/user/Login``); the token is kept per process and
renewed once when VTP answers that it expired. Every booking sends our deterministic reference as VTP's
``ORDER_NUMBER``; VTP refuses a second order with it, so a retry after a timeout looks the first order up by that
reference instead of creating another. VTP sends times as ``dd/mm/yyyy HH:MM:SS`` in Vietnam time (UTC+7).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
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
from .http import UNAVAILABLE, CarrierRefusedError, CarrierUnavailableError, request_json
from .statuses import VTP_STATUSES

log = logging.getLogger(__name__)

VTP = "vtp"
#: VTP's service code of the orders we book and price (``VCN``: express delivery)
SERVICE = "VCN"
#: ``UpdateOrder`` TYPE that cancels an order
CANCEL = 4
#: the order lookup (by VTP's ``ORDER_NUMBER`` or by our ``ORDER_REFERENCE``); not in VTP's public documents
LOOKUP_PATH = "/v2/order/getOrderStatusByOrderNumber"
#: VTP's times (webhook ``ORDER_STATUSDATE``, lookups) are Vietnam local time, which has no daylight saving
VIETNAM = timezone(timedelta(hours=7), "ICT")
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"

#: login tokens by (API base, user name): one login per process, renewed when VTP says the token expired
_tokens: dict[tuple[str, str], str] = {}
_tokens_lock = threading.Lock()


class LoginRefusedError(CarrierRefusedError):
    """VTP refused our user name and password, or a token it had just issued (422, as any refusal)."""


def _refused(message: str, payload: Any, error: type[CarrierRefusedError] = CarrierRefusedError
             ) -> CarrierRefusedError:
    return error(message, details={"carrier_message": payload.get("message")
                                                 if isinstance(payload, dict) else None})


def _login(config: Mapping[str, Any], key: tuple[str, str]) -> str:
    """Log in with the configured user and keep the token for ``key``.

    :raises CarrierUnavailableError: VTP did not answer.
    :raises LoginRefusedError: VTP refused the user name or password.
    """
    _status, payload = request_json("POST", key[0] + "/v2/user/Login", headers={},
                                    timeout=config["VTP_TIMEOUT_SECONDS"],
                                    body={"USERNAME": config["VTP_USERNAME"], "PASSWORD": config["VTP_PASSWORD"]})
    data = payload.get("data") if _ok(payload) else None
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise _refused("the carrier refused our credentials", payload, LoginRefusedError)
    with _tokens_lock:
        _tokens[key] = token
    return token


def _ok(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("status") == 200 and not payload.get("error")


def _expired(status: int, payload: Any) -> bool:
    """Did VTP refuse the token (HTTP 401, or its own ``status`` 401 in a 200 answer)?"""
    return status == 401 or (isinstance(payload, dict) and payload.get("status") == 401)


def call(config: Mapping[str, Any], path: str, body: dict) -> Any:
    """POST ``body`` to VTP's ``path`` with the login token (logging in first, and once more when VTP says the
    token expired); returns its ``data``.

    :raises CarrierUnavailableError: a timeout, a connection error or a 5xx.
    :raises LoginRefusedError: VTP refused our credentials, or a token it had just issued.
    :raises CarrierRefusedError: VTP answered with an error (its message is kept).
    """
    base = config["VTP_API_BASE"].rstrip("/")
    key = (base, config["VTP_USERNAME"])
    with _tokens_lock:
        token = _tokens.get(key)
    fresh = token is None
    if fresh:
        token = _login(config, key)
    while True:
        status, payload = request_json("POST", base + path, body=body, timeout=config["VTP_TIMEOUT_SECONDS"],
                                       headers={"Token": token})
        if not _expired(status, payload):
            break
        if fresh:  # a token VTP has just issued is refused: logging in again would loop
            raise _refused("the carrier refused a fresh login token", payload, LoginRefusedError)
        with _tokens_lock:  # another thread may have renewed it meanwhile; drop only the token that failed
            if _tokens.get(key) == token:
                del _tokens[key]
        token, fresh = _login(config, key), True
    if not _ok(payload):
        raise _refused("the carrier refused the request", payload)
    return payload.get("data")


class VtpCarrier(Carrier):
    """Viettel Post: rates by getPrice, bookings by createOrder, cancel by UpdateOrder, tracking pushed by webhook
    (a ``TOKEN`` in the body) or pulled by the order lookup."""

    code = VTP
    name = "Viettel Post"
    capabilities = Capabilities(rates=True, cancel=True, tracking_push=True, tracking_pull=True, pickup=True,
                                currencies=frozenset({"VND"}), countries=frozenset({"VN"}))
    status_table = VTP_STATUSES
    required_settings = ("VTP_USERNAME", "VTP_PASSWORD", "VTP_API_BASE")
    webhook_setting = "VTP_WEBHOOK_TOKEN"

    def get_rates(self, request: RateRequest, config: Mapping[str, Any]) -> list[RateQuote]:
        """VTP's price for the parcels (chargeable weight summed) as one ``parcel`` charge; none for pallets (not
        VTP's parcel trade), another currency, or when VTP fails or refuses (the other carriers still quote)."""
        if request.pallets or not request.parcels or request.currency != "VND":
            return []
        grams = sum(chargeable_grams(p, config["SHIPPING_VOLUMETRIC_DIVISOR"]) for p in request.parcels)
        try:
            data = call(config, "/v2/order/getPrice",
                        {"PRODUCT_WEIGHT": grams, "PRODUCT_PRICE": 0, "MONEY_COLLECTION": 0, "ORDER_SERVICE": SERVICE,
                         "ORDER_SERVICE_ADD": "", "SENDER_PROVINCE": request.origin,
                         "RECEIVER_PROVINCE": request.destination, "PRODUCT_TYPE": "HH", "NATIONAL_TYPE": 1})
        except (CarrierUnavailableError, CarrierRefusedError) as exc:
            log.warning("Viettel Post price not available: %s %s", exc.message, exc.details)
            return []
        try:
            total = int(data["MONEY_TOTAL"])
            parts = ", ".join(f"{name} {int(data.get(name) or 0)}" for name in ("MONEY_FEE", "MONEY_FEE_VAT"))
            hours = int(float(data.get("KPI_HT") or 72))  # VTP's delivery target in hours
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("Viettel Post price not understood: %r", data)
            return []
        days = max(1, -(-hours // 24))
        ship_on = request.ship_on or ship_day(config)
        return [RateQuote(carrier=self.code, service="standard", currency="VND", amount=total,
                          breakdown=(Charge("parcel", f"Viettel Post {SERVICE} price for {grams} g chargeable "
                                                      f"({parts})", total),),
                          transit_days=days, eta=add_business_days(ship_on, days, config["BUSINESS_CALENDAR"]),
                          estimate=False)]

    def create_shipment(self, deal, data: dict) -> dict:
        """Create a VTP order under our deterministic reference as its ``ORDER_NUMBER``; when VTP refuses it and
        already holds an order under that reference (our earlier try timed out after VTP created it), that order is
        taken up instead of booking another.

        :raises CarrierUnavailableError: VTP did not answer (nothing stored here; a retry is safe).
        :raises CarrierRefusedError: VTP refused the order.
        """
        config = current_app.config
        reference = data["reference"]
        items = [{"PRODUCT_NAME": item["description"][:200], "PRODUCT_QUANTITY": item["quantity"],
                  "PRODUCT_PRICE": 0, "PRODUCT_WEIGHT": 0} for item in data.get("items", ())]
        weight = int(data.get("weight_grams") or 1000)
        body = {"ORDER_NUMBER": reference, "GROUPADDRESS_ID": 0, "CUS_ID": 0,
                "DELIVERY_DATE": datetime.now(VIETNAM).strftime(TIME_FORMAT),
                "SENDER_FULLNAME": str(getattr(deal, "vendor_id", "")),
                "RECEIVER_FULLNAME": str(getattr(deal, "buyer_id", "")),
                "PRODUCT_NAME": (items[0]["PRODUCT_NAME"] if items else reference)[:200],
                "PRODUCT_DESCRIPTION": data.get("note", "")[:2000],
                "PRODUCT_QUANTITY": sum(item["PRODUCT_QUANTITY"] for item in items) or 1,
                "PRODUCT_PRICE": 0, "PRODUCT_WEIGHT": weight, "PRODUCT_TYPE": "HH",
                # sender pays, nothing collected: the buyer paid into escrow (VTP's payer codes are unverified)
                "ORDER_PAYMENT": 1, "MONEY_COLLECTION": 0,
                "ORDER_SERVICE": SERVICE, "ORDER_SERVICE_ADD": "", "ORDER_NOTE": data.get("note", ""),
                "LIST_ITEM": items}
        try:
            order = call(config, "/v2/order/createOrder", body)
        except LoginRefusedError:
            raise
        except CarrierRefusedError as refused:
            # VTP's wording of the duplicate ORDER_NUMBER refusal is not documented: whatever the refusal, an
            # order VTP already holds under our reference is ours, from an earlier try
            order = self._order_by_reference(config, reference)
            if order is None:
                raise refused from None
        if not isinstance(order, dict) or not order.get("ORDER_NUMBER"):
            # VTP may hold an order nobody told us about: like a timeout, the retry takes it up by our reference
            raise CarrierUnavailableError(UNAVAILABLE, details={"carrier_message": "no ORDER_NUMBER in the answer"})
        return {"tracking_number": str(order["ORDER_NUMBER"]),
                "details": {"order_reference": reference, "money_total": order.get("MONEY_TOTAL"),
                            "kpi_hours": order.get("KPI_HT")}}

    def _order_by_reference(self, config: Mapping[str, Any], reference: str) -> dict | None:
        try:
            order = call(config, LOOKUP_PATH, {"ORDER_REFERENCE": reference})
        except CarrierRefusedError:
            return None
        return order if isinstance(order, dict) and order.get("ORDER_NUMBER") else None

    def cancel(self, tracking_number: str, config: Mapping[str, Any]) -> None:
        """Cancel a VTP order before pickup (``UpdateOrder`` TYPE 4).

        :raises CarrierRefusedError: VTP refused (already picked up).
        """
        call(config, "/v2/order/UpdateOrder", {"TYPE": CANCEL, "ORDER_NUMBER": tracking_number,
                                               "NOTE": "cancelled by the vendor"})

    def track(self, tracking_number: str, config: Mapping[str, Any]) -> list[CarrierEvent]:
        """The order's current status from VTP's lookup, as one report keyed like its webhook (a poll and a push
        of the same status are stored once).

        :raises CarrierUnavailableError: VTP did not answer (the poller backs off).
        :raises CarrierRefusedError: VTP does not know the order, or answered without its status.
        """
        order = call(config, LOOKUP_PATH, {"ORDER_NUMBER": tracking_number})
        try:
            return [_event(order if isinstance(order, dict) else {})]
        except InvalidInputError as exc:  # the poller backs off on a refusal; an unreadable answer is one
            raise CarrierRefusedError("the carrier's answer is not an order status",
                                      details={"carrier_message": exc.message}) from None

    def verify_webhook(self, delivery: WebhookDelivery, config: Mapping[str, Any]) -> bool:
        """VTP signs nothing: its JSON body carries ``TOKEN``, the secret agreed with VTP (``VTP_WEBHOOK_TOKEN``).
        A body that is not JSON carries no token and is refused."""
        expected = config.get(self.webhook_setting) or ""
        try:
            body = json.loads(delivery.raw)
        except (ValueError, UnicodeDecodeError):
            return False
        token = body.get("TOKEN") if isinstance(body, dict) else None
        return bool(isinstance(token, str) and token and expected) and hmac.compare_digest(token.encode(),
                                                                                            expected.encode())

    def parse_webhook(self, delivery: WebhookDelivery) -> list[CarrierEvent]:
        """VTP's status update ``{"DATA": {ORDER_NUMBER, ORDER_STATUS, ORDER_STATUSDATE, STATUS_NAME,
        LOCALION_CURRENTLY, NOTE, ...}, "TOKEN"}``; keyed by ORDER_NUMBER + ORDER_STATUS + ORDER_STATUSDATE.

        :raises InvalidInputError: not JSON, or not a VTP status update.
        """
        try:
            body = json.loads(delivery.raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInputError("the body is not JSON") from None
        data = body.get("DATA") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise InvalidInputError("the body is not a Viettel Post status update (DATA)")
        return [_event(data)]


def _event(data: Mapping[str, Any]) -> CarrierEvent:
    """One report from VTP's order fields (webhook ``DATA`` or a lookup answer).

    :raises InvalidInputError: ORDER_NUMBER, ORDER_STATUS (an integer) or ORDER_STATUSDATE missing or malformed.
    """
    number, status, date = data.get("ORDER_NUMBER"), data.get("ORDER_STATUS"), data.get("ORDER_STATUSDATE")
    if isinstance(status, str) and re.fullmatch(r"-?\d{1,9}", status.strip()):
        status = int(status)  # some integrations see the code as a string
    if not (isinstance(number, str) and number and isinstance(status, int) and not isinstance(status, bool)
            and isinstance(date, str) and date):
        raise InvalidInputError("the body is not a Viettel Post status update "
                                "(ORDER_NUMBER, ORDER_STATUS, ORDER_STATUSDATE)")
    description = " - ".join(str(data[k]).strip() for k in ("STATUS_NAME", "NOTE") if str(data.get(k) or "").strip())
    location = str(data.get("LOCALION_CURRENTLY") or "").strip()  # [sic]: VTP's spelling
    return CarrierEvent(tracking_number=number[:64], raw_status=str(status), occurred_at=parse_time(date),
                        dedupe_key=f"{number}:{status}:{date}"[:200], description=description[:2000],
                        location=location[:200] or None)


def parse_time(value: str) -> datetime:
    """VTP's ``dd/mm/yyyy HH:MM:SS`` (Vietnam time) as an aware datetime.

    :raises InvalidInputError: not a time in that form.
    """
    try:
        return datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=VIETNAM)
    except (AttributeError, ValueError):
        raise InvalidInputError("the event time is not dd/mm/yyyy HH:MM:SS") from None
