"""A small Viettel Post-compatible test server (werkzeug, in a thread of the test process) speaking the partner API
shapes the adapter uses. Every answer is ``{"status", "error", "message", "data"}`` (VTP answers refusals with HTTP
200 and its own ``status``, e.g. 205, and ``error: true``).

- ``POST /v2/user/Login {USERNAME, PASSWORD}``: ``data.token`` (a new token per login; wrong credentials: status
  204, error);
- every other call needs the ``Token`` header of a live token: HTTP 401 ``{"status": 401, ...}`` otherwise;
  :meth:`VtpTestServer.expire_tokens` expires every token issued so far, ``token_ttl`` = 0 makes new tokens expire
  at once (a login that never helps);
- ``/v2/order/getPrice``: ``data.MONEY_TOTAL`` (and ``MONEY_FEE``, ``MONEY_FEE_VAT``, ``KPI_HT`` hours);
- ``/v2/order/createOrder``: a new VTP ``ORDER_NUMBER`` (its tracking code); a partner ``ORDER_NUMBER`` used before is
  refused (status 205, ``ORDER_NUMBER đã tồn tại``);
- ``/v2/order/getOrderStatusByOrderNumber {ORDER_NUMBER | ORDER_REFERENCE}``: the order's current status (by VTP's
  code or by the partner's reference);
- ``/v2/order/UpdateOrder {TYPE: 4, ORDER_NUMBER}``: cancels an order not yet picked up (status 107);
- faults on request: ``500`` answers before anything happens; ``timeout`` executes the call (the order exists) and
  then holds the answer longer than the client waits;
- webhooks: :meth:`VtpTestServer.webhook` builds the JSON body VTP posts for a status change
  (``{"DATA": {...}, "TOKEN"}``, times as ``dd/mm/yyyy HH:MM:SS`` in Vietnam time) and keeps it, so a test
  delivers it once, twice, or out of order; :meth:`VtpTestServer.set_status` moves an order on without one (what
  the poller then sees).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from werkzeug.wrappers import Request, Response

from tests.carrier_peer import CarrierPeer, Fault

USERNAME, PASSWORD = "0987654321", "vtp-test-password"
VIETNAM = timezone(timedelta(hours=7))
#: VTP statuses before pickup, the ones UpdateOrder TYPE 4 may cancel
CANCELLABLE = {-100, 100, 102, 103, 104}


@dataclass
class VtpState:
    orders: dict[str, dict] = field(default_factory=dict)  #: VTP ORDER_NUMBER -> order
    by_reference: dict[str, str] = field(default_factory=dict)  #: partner ORDER_NUMBER -> VTP ORDER_NUMBER
    tokens: dict[str, float] = field(default_factory=dict)  #: token -> expiry (monotonic seconds)
    token_ttl: float = 3600.0  #: lifetime of the tokens issued from now on
    logins: int = 0  #: successful logins
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, dict]] = field(default_factory=list)  #: (path, body) of every authenticated call
    webhooks: list[bytes] = field(default_factory=list)  #: every body built by :meth:`VtpTestServer.webhook`


def _answer(status: int, message: str, data=None, http: int = 200) -> Response:
    return Response(json.dumps({"status": status, "error": status != 200, "message": message, "data": data}),
                    status=http, content_type="application/json")


def vtp_time(at: datetime) -> str:
    """``at`` as VTP writes times: ``dd/mm/yyyy HH:MM:SS`` in Vietnam time."""
    return at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")


class VtpTestServer(CarrierPeer):
    state_class = VtpState

    def __init__(self, webhook_token: str = ""):
        self.webhook_token = webhook_token  #: the TOKEN VTP puts into its webhook bodies
        super().__init__()

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (VTP answers 401 until the client logs in again)."""
        with self._lock:
            self.state.tokens = dict.fromkeys(self.state.tokens, 0.0)

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        if request.path == "/v2/user/Login":
            return self._login(body)
        with self._lock:
            expiry = self.state.tokens.get(request.headers.get("Token", ""))
        if expiry is None or expiry <= time.monotonic():
            return _answer(401, "Token is invalid or expired", http=401)
        self.state.calls.append((request.path, body))
        fault = self._fault(request.path)
        if fault is not None and fault.kind == "500":
            return _answer(500, "internal error", http=500)
        with self._lock:
            response = self._route(request.path, body)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)  # executed; the client gave up before this answer
        return response

    def _login(self, body: dict) -> Response:
        if body.get("USERNAME") != USERNAME or body.get("PASSWORD") != PASSWORD:
            return _answer(204, "Tên đăng nhập hoặc mật khẩu không đúng")
        token = "vtp-" + secrets.token_urlsafe(16)
        with self._lock:
            self.state.tokens[token] = time.monotonic() + self.state.token_ttl
            self.state.logins += 1
        return _answer(200, "OK", {"userId": 13840789, "token": token, "partner": 13840789, "phone": USERNAME,
                                   "expired": int(time.time() + self.state.token_ttl) * 1000, "encrypted": False,
                                   "source": 5})

    def _route(self, path: str, body: dict) -> Response:
        if path == "/v2/order/getPrice":
            weight = int(body.get("PRODUCT_WEIGHT") or 0)
            if weight <= 0:
                return _answer(205, "PRODUCT_WEIGHT is required")
            fee = 16_500 + 5_500 * ((weight - 1) // 500)
            if body.get("SENDER_PROVINCE") != body.get("RECEIVER_PROVINCE"):
                fee += 11_000
            vat = fee // 10
            return _answer(200, "OK", {"MONEY_TOTAL_OLD": fee + vat, "MONEY_TOTAL": fee + vat, "MONEY_TOTAL_FEE": fee,
                                       "MONEY_FEE": fee, "MONEY_COLLECTION_FEE": 0, "MONEY_FEE_VAT": vat,
                                       "MONEY_VAT": vat, "KPI_HT": 48.0})
        if path == "/v2/order/createOrder":
            reference = body.get("ORDER_NUMBER")
            if not reference or int(body.get("PRODUCT_WEIGHT") or 0) <= 0:
                return _answer(205, "ORDER_NUMBER and PRODUCT_WEIGHT are required")
            if reference in self.state.by_reference:
                return _answer(205, "ORDER_NUMBER đã tồn tại")
            number = f"1{len(self.state.orders) + 1:011d}"
            order = {"ORDER_NUMBER": number, "ORDER_REFERENCE": reference, "ORDER_STATUS": -100,
                     "STATUS_NAME": "Đơn hàng mới tạo", "ORDER_STATUSDATE": vtp_time(datetime.now(UTC)),
                     "LOCALION_CURRENTLY": "", "NOTE": "", "MONEY_TOTAL": 39_600, "KPI_HT": 48.0,
                     "EXCHANGE_WEIGHT": int(body["PRODUCT_WEIGHT"]), "request": body}
            self.state.orders[number] = order
            self.state.by_reference[reference] = number
            return _answer(200, "OK", {k: order[k] for k in ("ORDER_NUMBER", "MONEY_TOTAL", "KPI_HT",
                                                             "EXCHANGE_WEIGHT")}
                           | {"MONEY_COLLECTION": 0, "MONEY_TOTAL_FEE": 36_000, "MONEY_FEE_VAT": 3_600})
        if path == "/v2/order/getOrderStatusByOrderNumber":
            number = body.get("ORDER_NUMBER") or self.state.by_reference.get(body.get("ORDER_REFERENCE") or "")
            order = self.state.orders.get(number or "")
            if order is None:
                return _answer(205, "Không tìm thấy vận đơn")
            return _answer(200, "OK", {k: v for k, v in order.items() if k != "request"})
        if path == "/v2/order/UpdateOrder":
            order = self.state.orders.get(body.get("ORDER_NUMBER") or "")
            if order is None:
                return _answer(205, "Không tìm thấy vận đơn")
            if body.get("TYPE") != 4:
                return _answer(205, "TYPE not supported here")
            if order["ORDER_STATUS"] not in CANCELLABLE:
                return _answer(205, "Đơn hàng đã lấy, không thể hủy")
            order.update(ORDER_STATUS=107, STATUS_NAME="Đối tác yêu cầu hủy qua API",
                         ORDER_STATUSDATE=vtp_time(datetime.now(UTC)))
            return _answer(200, "OK")
        return _answer(404, "not found", http=404)

    def set_status(self, order_number: str, status: int, at: datetime | None = None, **extra) -> None:
        """VTP moves ``order_number`` to ``status`` (what its lookup answers from now on); no webhook is sent."""
        with self._lock:
            self.state.orders[order_number].update({"ORDER_STATUS": status, "STATUS_NAME": f"Trạng thái {status}",
                                                    "ORDER_STATUSDATE": vtp_time(at or datetime.now(UTC)), **extra})

    def webhook(self, order_number: str, status: int, at: datetime | None = None, *, token: str | None = None,
                **extra) -> bytes:
        """The body VTP posts for ``order_number`` reaching ``status`` at ``at`` (kept in ``state.webhooks``);
        ``token`` replaces the configured TOKEN (``extra`` replaces or adds DATA fields)."""
        order = self.state.orders.get(order_number, {})
        data = {"ORDER_NUMBER": order_number, "ORDER_REFERENCE": order.get("ORDER_REFERENCE", ""),
                "ORDER_STATUSDATE": vtp_time(at or datetime.now(UTC)), "ORDER_STATUS": status,
                "STATUS_NAME": f"Trạng thái {status}", "LOCALION_CURRENTLY": "Bưu cục Cầu Giấy, Hà Nội", "NOTE": "",
                "MONEY_COLLECTION": 0, "MONEY_FEECOD": 0, "MONEY_TOTAL": 39_600,
                "EXPECTED_DELIVERY": "Khoảng 2 ngày", "PRODUCT_WEIGHT": 1000, "ORDER_SERVICE": "VCN", **extra}
        if order:
            with self._lock:
                order.update({k: data[k] for k in ("ORDER_STATUS", "ORDER_STATUSDATE", "STATUS_NAME",
                                                   "LOCALION_CURRENTLY", "NOTE")})
        raw = json.dumps({"DATA": data, "TOKEN": self.webhook_token if token is None else token},
                         ensure_ascii=False).encode()
        self.state.webhooks.append(raw)
        return raw
