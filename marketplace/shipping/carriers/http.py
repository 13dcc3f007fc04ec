"""The one HTTP client every carrier adapter speaks through (``urllib.request``, a timeout per call) and the two
errors a carrier call ends in: it did not answer (502, safe to retry) or it refused (422, its message kept)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from ...errors import DomainError

#: the refusal when a carrier times out or fails (nothing was booked on our side; trying again is safe)
UNAVAILABLE = "the carrier did not answer in time; nothing was booked, please try again"


class CarrierUnavailableError(DomainError):
    """The carrier did not answer in time or failed (502); nothing was booked on our side."""

    status = 502
    code = "carrier_unavailable"


class CarrierRefusedError(DomainError):
    """The carrier refused the request (422)."""

    status = 422
    code = "carrier_refused"


def request_json(method: str, url: str, *, headers: Mapping[str, str], timeout: float, body: Any = None,
                 form: bool = False) -> tuple[int, Any]:
    """Send ``body`` (JSON, or form-encoded when ``form``) and return ``(http status, parsed JSON answer)`` for any
    answer below 500.

    :raises CarrierUnavailableError: a timeout, a connection error, a 5xx or an answer that is not JSON.
    """
    data = None
    sent = {"Accept": "application/json", **headers}
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise CarrierUnavailableError(UNAVAILABLE, details={"http_status": exc.code}) from None
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        raise CarrierUnavailableError(UNAVAILABLE) from None
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        raise CarrierUnavailableError(UNAVAILABLE, details={"http_status": status}) from None


def request_pdf(url: str, *, headers: Mapping[str, str], timeout: float) -> bytes | Any:
    """GET a document: the PDF's bytes, or the parsed JSON answer when the carrier answered with JSON instead (its
    refusal).

    :raises CarrierUnavailableError: a timeout, a connection error, a 5xx, or neither a PDF nor JSON.
    """
    req = urllib.request.Request(url, method="GET", headers={"Accept": "application/pdf", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise CarrierUnavailableError(UNAVAILABLE, details={"http_status": exc.code}) from None
        raw = exc.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        raise CarrierUnavailableError(UNAVAILABLE) from None
    if raw.startswith(b"%PDF-"):
        return raw
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise CarrierUnavailableError(UNAVAILABLE) from None
