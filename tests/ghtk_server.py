"""A small GHTK-compatible test server (werkzeug, in a thread of the test process) speaking GHTK's public API shapes.

- ``POST /services/shipment/fee``: ``{"success": true, "fee": {"name", "fee", "insurance_fee", "delivery"}}``
  (``delivery`` false for a province in ``state.unserved``);
- ``POST /services/shipment/order``: ``{"success": true, "order": {"partner_id", "label", "fee", ...}}``; an order
  ``id`` used before is refused with HTTP 200, ``success: false`` and ``error.code`` ``ORDER_ID_EXIST``, as GHTK
  does;
- ``GET /services/shipment/v2/<label>`` and ``.../v2/partner_id:<id>``: the order's status (``status``,
  ``status_text``, ``created``, ``modified`` in GHTK's local time without a zone);
- ``GET /services/label/<label>``: GHTK's own A6 label as PDF (a JSON refusal for an unknown or cancelled order);
- ``POST /services/shipment/cancel/<label>`` (or ``partner_id:<id>``): cancels an order not yet picked up (status
  1, 2 or 12), refuses otherwise (HTTP 200, ``success: false``);
- every call needs the ``Token`` header (HTTP 401, ``success: false`` otherwise); ``X-Client-Source`` is recorded;
- faults on request: ``500`` answers before anything happens; ``timeout`` executes the call (the order exists)
  and then holds the answer longer than the client waits; ``refuse`` answers ``success: false`` with HTTP 200;
- webhooks: :meth:`GhtkTestServer.webhook` builds the form-encoded body GHTK posts to the shop's callback URL for a
  status change (``label_id``, ``partner_id``, ``status_id``, ``action_time``, ``reason``, ...) and keeps it, so a
  test delivers it once, twice, or out of order (GHTK resends on a non-200).

Not emulated: address master data and area checks beyond ``unserved``, pickup scheduling, COD
reconciliation, rate limits.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from werkzeug.wrappers import Request, Response

from tests.carrier_peer import CarrierPeer, Fault

TOKEN, CLIENT_SOURCE = "ghtk-test-token", "S-TEST"
PREFIX = "/services/shipment"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
#: statuses GHTK still cancels: not received, received, picking
CANCELLABLE = frozenset({"1", "2", "12"})
STATUS_TEXT = {"-1": "Hủy đơn hàng", "1": "Chưa tiếp nhận", "2": "Đã tiếp nhận", "3": "Đã lấy hàng/Đã nhập kho",
               "4": "Đã điều phối giao hàng/Đang giao hàng", "5": "Đã giao hàng/Chưa đối soát",
               "6": "Đã đối soát", "9": "Không giao được hàng", "12": "Đang lấy hàng", "20": "Đang trả hàng",
               "21": "Đã trả hàng"}


@dataclass
class GhtkState:
    orders: dict[str, dict] = field(default_factory=dict)  #: label -> order
    by_partner_id: dict[str, str] = field(default_factory=dict)  #: our ``order.id`` -> label
    unserved: set[str] = field(default_factory=set)  #: provinces GHTK does not deliver to (fee ``delivery`` false)
    faults: list[Fault] = field(default_factory=list)
    #: every authenticated call: (method, path after PREFIX, JSON body, {"Token", "X-Client-Source"})
    calls: list[tuple[str, str, dict, dict]] = field(default_factory=list)
    webhooks: list[bytes] = field(default_factory=list)  #: every body built by :meth:`GhtkTestServer.webhook`


def _answer(payload: dict, http: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=http, content_type="application/json")


def _refuse(message: str, http: int = 200, **extra) -> Response:
    return _answer({"success": False, "message": message, **extra}, http)


def _local(at: datetime) -> str:
    """GHTK's order-status clock: local time without a zone."""
    return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


class GhtkTestServer(CarrierPeer):
    state_class = GhtkState

    def set_status(self, label: str, status_id: str, at: datetime | None = None) -> None:
        """GHTK's side moves an order (e.g. the shipper picked it up), without a webhook."""
        order = self.state.orders[label]
        order["status"], order["modified"] = str(status_id), _local(at or datetime.now(UTC))

    def handle(self, request: Request) -> Response:
        if request.headers.get("Token") != TOKEN:
            return _refuse("Token không hợp lệ", http=401)
        if request.path.startswith("/services/label/"):
            fault = self._fault("/label")
            if fault is not None and fault.kind == "500":
                return Response("<html>502 Bad Gateway</html>", status=500, content_type="text/html")
            return self._label(request.path.removeprefix("/services/label/"))
        path = request.path.removeprefix(PREFIX)
        body = request.get_json(silent=True) or {}
        self.state.calls.append((request.method, path, body, {
            "Token": request.headers.get("Token"), "X-Client-Source": request.headers.get("X-Client-Source")}))
        fault = self._fault(path)
        if fault is not None and fault.kind == "500":
            return Response("<html>502 Bad Gateway</html>", status=500, content_type="text/html")
        if fault is not None and fault.kind == "refuse":
            return _refuse("Hệ thống đang bận, vui lòng thử lại sau")
        with self._lock:
            response = self._route(request.method, path, body)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)  # executed; the client gave up before this answer
        return response

    def _label(self, label: str) -> Response:
        """GHTK's own label of an order: a PDF (A6) with the label code, or a JSON refusal for an unknown or
        cancelled order."""
        order = self.state.orders.get(urllib.parse.unquote(label))
        if order is None or str(order.get("status")) == "-1":
            return _refuse("Không tìm thấy đơn hàng")
        pdf = FPDF(format=(105, 148))  # A6, in mm
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(0, 10, f"GHTK {order['label_id']}")
        return Response(bytes(pdf.output()), content_type="application/pdf")

    def _find(self, key: str) -> dict | None:
        key = urllib.parse.unquote(key)
        if key.startswith("partner_id:"):
            key = self.state.by_partner_id.get(key.removeprefix("partner_id:"), "")
        return self.state.orders.get(key)

    def _route(self, method: str, path: str, body: dict) -> Response:
        if method == "POST" and path == "/fee":
            weight = int(body.get("weight") or 0)
            if weight <= 0:
                return _refuse("Khối lượng không hợp lệ")
            fee = 22_000 + 2_500 * ((weight - 1) // 500)
            if body.get("pick_province") != body.get("province"):
                fee += 8_000
            return _answer({"success": True, "message": "", "fee": {
                "name": "area1" if body.get("pick_province") == body.get("province") else "area2", "fee": fee,
                "insurance_fee": 0, "include_vat": 0, "cost_id": 0, "delivery_type": "",
                "delivery": body.get("province") not in self.state.unserved, "extFees": []}})
        if method == "POST" and path == "/order":
            order_in, products = body.get("order") or {}, body.get("products") or []
            partner_id = order_in.get("id")
            if not partner_id or not products:
                return _refuse("Thiếu mã đơn hàng hoặc sản phẩm")
            if partner_id in self.state.by_partner_id:
                label = self.state.by_partner_id[partner_id]
                return _refuse(f"Mã đơn hàng {partner_id} đã tồn tại trong hệ thống", error={
                    "code": "ORDER_ID_EXIST", "partner_id": partner_id, "ghtk_label": label,
                    "created": self.state.orders[label]["created"], "status": 2})
            label = f"S1.A1.{2_001_297_581 + len(self.state.orders)}"
            now = _local(datetime.now(UTC))
            order = {"label_id": label, "partner_id": partner_id, "status": "2", "created": now, "modified": now,
                     "ship_money": 30_400, "insurance": 0, "value": int(order_in.get("value") or 0),
                     "weight": int(order_in.get("total_weight") or 0), "pick_money": int(order_in.get("pick_money")
                                                                                        or 0),
                     "request": body}
            self.state.orders[label] = order
            self.state.by_partner_id[partner_id] = label
            return _answer({"success": True, "message": "", "order": {
                "partner_id": partner_id, "label": label, "area": "1", "fee": "30400", "insurance_fee": "0",
                "estimated_pick_time": "Sáng 2026-12-01", "estimated_deliver_time": "Chiều 2026-12-03",
                "products": [], "status_id": 2}})
        if method == "GET" and path.startswith("/v2/"):
            order = self._find(path.removeprefix("/v2/"))
            if order is None:
                return _refuse("Không tìm thấy đơn hàng")
            return _answer({"success": True, "message": "", "order": {
                "label_id": order["label_id"], "partner_id": order["partner_id"], "status": order["status"],
                "status_text": STATUS_TEXT.get(order["status"], ""), "created": order["created"],
                "modified": order["modified"], "message": "", "ship_money": str(order["ship_money"]),
                "insurance": str(order["insurance"]), "value": str(order["value"]),
                "weight": str(order["weight"]), "pick_money": order["pick_money"], "is_freeship": "1"}})
        if method == "POST" and path.startswith("/cancel/"):
            order = self._find(path.removeprefix("/cancel/"))
            if order is None:
                return _refuse("Không tìm thấy đơn hàng")
            if order["status"] == "-1":
                return _refuse("Đơn hàng đã ở trạng thái hủy")
            if order["status"] not in CANCELLABLE:
                return _refuse("Đơn hàng đã lấy, không thể hủy")
            order["status"], order["modified"] = "-1", _local(datetime.now(UTC))
            return _answer({"success": True, "message": "", "log_id": f"log-{order['label_id']}"})
        return _refuse("Not found", http=404)

    def webhook(self, label: str, status_id: str | int, at: datetime | None = None, **extra) -> bytes:
        """The form-encoded body GHTK posts for ``label`` reaching ``status_id`` (kept in ``state.webhooks``); the
        order takes that status."""
        order = self.state.orders.get(label, {})
        at = at or datetime.now(UTC)
        body = {"partner_id": order.get("partner_id", ""), "label_id": label, "status_id": str(status_id),
                "action_time": at.astimezone(LOCAL).isoformat(timespec="seconds"), "reason_code": "",
                "reason": "", "weight": "1.0", "fee": "30400", "pick_money": "0", "return_part_package": "0",
                **{k: str(v) for k, v in extra.items()}}
        if order:
            order["status"], order["modified"] = str(status_id), _local(at)
        raw = urllib.parse.urlencode(body).encode()
        self.state.webhooks.append(raw)
        return raw
