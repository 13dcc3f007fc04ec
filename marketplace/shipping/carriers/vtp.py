"""The Viettel Post adapter over its public HTTP API (being written)."""

from __future__ import annotations

from .base import Capabilities, Carrier
from .statuses import VTP_STATUSES

VTP = "vtp"


class VtpCarrier(Carrier):
    code = VTP
    name = "Viettel Post"
    capabilities = Capabilities(rates=True, cancel=True, tracking_push=True, tracking_pull=True, pickup=True)
    status_table = VTP_STATUSES
    required_settings = ("VTP_USERNAME", "VTP_PASSWORD", "VTP_API_BASE")
    webhook_setting = "VTP_WEBHOOK_TOKEN"
