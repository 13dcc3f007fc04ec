"""The GHTK (Giao Hàng Tiết Kiệm) adapter over its public HTTP API (being written)."""

from __future__ import annotations

from .base import Capabilities, Carrier
from .statuses import GHTK_STATUSES

GHTK = "ghtk"


class GhtkCarrier(Carrier):
    code = GHTK
    name = "GHTK (Giao Hàng Tiết Kiệm)"
    capabilities = Capabilities(rates=True, cancel=True, tracking_push=True, tracking_pull=True, pickup=True)
    status_table = GHTK_STATUSES
    required_settings = ("GHTK_TOKEN", "GHTK_API_BASE")
    webhook_setting = "GHTK_WEBHOOK_HASH"
