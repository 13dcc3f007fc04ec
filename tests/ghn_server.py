"""A small GHN-compatible test server (werkzeug, in a thread of the test process) speaking GHN's public API shapes.

- ``POST /shiip/public-api/v2/shipping-order/fee``: ``{"code": 200, "data": {"total", "service_fee", ...}}``;
- ``.../shipping-order/create``: a new ``order_code``; a ``client_order_code`` used before is refused (code 400,
  ``duplicate client_order_code``), as GHN does;
- ``.../shipping-order/detail-by-client-code``: the order booked under a ``client_order_code``;
- ``.../shipping-order/detail``: an order's ``status``, ``updated_date`` and its ``log[]`` of ``{status,
  updated_date}`` (what the poller asks when no webhook is configured); :meth:`GhnTestServer.advance` moves an
  order on without a webhook;
- ``.../switch-status/cancel``: cancels orders not yet picked up;
- every call needs the ``Token`` and ``ShopId`` headers (401 otherwise);
- faults on request: ``500`` answers before anything happens; ``timeout`` executes the call (the order exists)
  and then holds the answer longer than the client waits;
- webhooks: :meth:`GhnTestServer.webhook` builds the body GHN posts to the shop's callback URL for a status change
  (``OrderCode``, ``ClientOrderCode``, ``Status``, ``Time``, ``Type``, ...) and keeps it, so a test delivers it to
  the app once, twice, or out of order (GHN resends up to 10 times on a non-200).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from werkzeug.wrappers import Request, Response

from tests.carrier_peer import CarrierPeer, Fault

TOKEN, SHOP_ID = "ghn-test-token", "885"
PREFIX = "/shiip/public-api/v2"


@dataclass
class GhnState:
    orders: dict[str, dict] = field(default_factory=dict)  #: order_code -> order
    by_client_code: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    webhooks: list[bytes] = field(default_factory=list)  #: every body built by :meth:`GhnTestServer.webhook`


def _time(at: datetime) -> str:
    """A time as GHN writes it (UTC, milliseconds, ``Z``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _answer(code: int, message: str, data=None, http: int = 200) -> Response:
    return Response(json.dumps({"code": code, "message": message, "data": data}), status=http,
                    content_type="application/json")


class GhnTestServer(CarrierPeer):
    state_class = GhnState

    def handle(self, request: Request) -> Response:
        if request.headers.get("Token") != TOKEN or request.headers.get("ShopId") != SHOP_ID:
            return _answer(401, "Token is not valid", http=401)
        path = request.path.removeprefix(PREFIX)
        body = request.get_json(silent=True) or {}
        self.state.calls.append((path, body))
        fault = self._fault(path)
        if fault is not None and fault.kind == "500":
            return _answer(500, "internal error", http=500)
        with self._lock:
            response = self._route(path, body)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)  # executed; the client gave up before this answer
        return response

    def _route(self, path: str, body: dict) -> Response:
        if path == "/shipping-order/fee":
            weight = int(body.get("weight") or 0)
            if weight <= 0:
                return _answer(400, "weight is required", http=400)
            service = 15_000 + 5_000 * ((weight - 1) // 500)
            if body.get("from_province") != body.get("to_province"):
                service += 10_000
            return _answer(200, "Success", {"total": service, "service_fee": service, "insurance_fee": 0,
                                            "r2s_fee": 0, "transit_days": 2})
        if path == "/shipping-order/create":
            code = body.get("client_order_code")
            if not code or int(body.get("weight") or 0) <= 0:
                return _answer(400, "client_order_code and weight are required", http=400)
            if code in self.state.by_client_code:
                return _answer(400, "duplicate client_order_code", http=400)
            order_code = f"GHN{len(self.state.orders) + 1:06d}"
            order = {"order_code": order_code, "client_order_code": code, "status": "ready_to_pick",
                     "total_fee": 33_000, "expected_delivery_time": "2026-12-03T23:59:59Z", "request": body,
                     "log": [{"status": "ready_to_pick", "updated_date": _time(datetime.now(UTC))}]}
            self.state.orders[order_code] = order
            self.state.by_client_code[code] = order_code
            return _answer(200, "Success", {k: order[k] for k in ("order_code", "total_fee",
                                                                  "expected_delivery_time")})
        if path == "/shipping-order/detail-by-client-code":
            order_code = self.state.by_client_code.get(body.get("client_order_code"))
            if order_code is None:
                return _answer(400, "order not found", http=400)
            order = self.state.orders[order_code]
            return _answer(200, "Success", {k: order[k] for k in ("order_code", "client_order_code", "status",
                                                                  "total_fee", "expected_delivery_time")})
        if path == "/shipping-order/detail":
            order = self.state.orders.get(body.get("order_code"))
            if order is None:
                return _answer(400, "order not found", http=400)
            steps = order.setdefault("log", [])
            return _answer(200, "Success", {"order_code": order["order_code"],
                                            "client_order_code": order["client_order_code"],
                                            "status": order["status"],
                                            "updated_date": steps[-1]["updated_date"] if steps else None,
                                            "log": list(steps)})
        if path == "/switch-status/cancel":
            results = []
            for code in body.get("order_codes") or []:
                order = self.state.orders.get(code)
                ok = order is not None and order["status"] in ("ready_to_pick", "picking")
                if ok:
                    order["status"] = "cancel"
                results.append({"order_code": code, "result": ok, "message": "OK" if ok else "cannot cancel"})
            return _answer(200, "Success", results)
        return _answer(404, "not found", http=404)

    def advance(self, order_code: str, status: str, at: datetime | None = None) -> None:
        """GHN moves ``order_code`` to ``status`` (its log gains the step); no webhook is sent."""
        with self._lock:
            order = self.state.orders[order_code]
            order["status"] = status
            order.setdefault("log", []).append({"status": status, "updated_date": _time(at or datetime.now(UTC))})

    def webhook(self, order_code: str, status: str, at: datetime | None = None, **extra) -> bytes:
        """The body GHN posts for ``order_code`` reaching ``status`` (kept in ``state.webhooks``)."""
        order = self.state.orders.get(order_code, {})
        at = at or datetime.now(UTC)
        body = {"CODAmount": 0, "CODTransferDate": None, "ClientOrderCode": order.get("client_order_code", ""),
                "ConvertedWeight": 1000, "Description": f"status {status}", "Fee": {"MainService": 33_000},
                "IsPartialReturn": False, "OrderCode": order_code, "PaymentType": 1, "Reason": "", "ReasonCode": "",
                "ShopID": int(SHOP_ID), "Status": status,
                "Time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "TotalFee": 33_000, "Type": "switch_status", "Warehouse": "Bưu cục Cầu Giấy", **extra}
        if order:
            order["status"] = status
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.state.webhooks.append(raw)
        return raw
