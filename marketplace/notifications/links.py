"""Where a notification leads: the page it is about, for a reader in a buyer, vendor or platform organisation.

Pages are named by their endpoint (``blueprint.view``) and built from the app's URL map, so this
package needs no import of the web interface, and a link works outside a request (jobs, the sweeper).
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from werkzeug.routing import BuildError

from ..accounts.models import OrgKind
from .models import NotificationKind as K

#: kinds that lead to one page whatever their data: kind -> (endpoint, data key of its argument or None)
KIND_LINKS: dict[str, tuple[str, str | None]] = {
    K.RFQ_APPROVAL_REQUESTED: ("web_buyer.approvals", None),
    K.VENDOR_VERIFICATION_REQUESTED: ("web_admin.verifications", None),
    K.VENDOR_CHANGE_REVIEW: ("web_admin.verifications", None),
    K.VENDOR_VERIFIED: ("web_vendor.onboarding", None),
    K.VENDOR_REJECTED: ("web_vendor.onboarding", None),
    K.VENDOR_REVERIFICATION: ("web_vendor.onboarding", None),
    K.DEAL_RELEASED: ("web_deals.deal", "deal_id"),
    K.SHIPMENT_UNKNOWN_STATUS: ("web_admin.shipments", None),
    K.ORDER_PLACED: ("web_orders.order", "order_id"),
    K.ORDER_APPROVAL_REQUESTED: ("web_orders.order", "order_id"),
    K.ORDER_REJECTED: ("web_orders.order", "order_id"),
    K.ORDER_CONFIRM_DUE: ("web_orders.order", "order_id"),
    K.ORDER_LAPSED: ("web_orders.order", "order_id"),
    **{kind: ("web_contracts.contract", "contract_id") for kind in K if kind.startswith("contract_")},
}

#: the reader's kind of organisation -> (data key, endpoint, the endpoint's argument), first match wins
DATA_LINKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    OrgKind.BUYER: (("deal_id", "web_deals.deal", "deal_id"), ("rfq_id", "web_buyer.rfq", "rfq_id")),
    OrgKind.VENDOR: (("deal_id", "web_deals.deal", "deal_id"), ("quote_id", "web_vendor.quote", "quote_id"),
                     ("rfq_id", "web_vendor.rfq_page", "rfq_id")),
    OrgKind.PLATFORM: (("dispute_id", "web_admin.dispute", "dispute_id"), ("deal_id", "web_deals.deal", "deal_id")),
}

#: where the notification centre page lives (the default link of an e-mail)
NOTIFICATION_CENTRE_PATH = "/account/notifications"
#: where a member chooses which e-mails to get (linked from every e-mail's footer)
NOTIFICATION_SETTINGS_PATH = "/account/notifications/settings"


def _build(endpoint: str, values: dict) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except (BuildError, TypeError, ValueError):
        return None


def page_path(org_kind: str, kind: str, data: dict) -> str | None:
    """The path of the page a notification of ``kind`` is about, for a reader in an ``org_kind``
    organisation (None: no such page; the notification centre then)."""
    if kind in KIND_LINKS:
        endpoint, key = KIND_LINKS[kind]
        if key is None:
            path = _build(endpoint, {})
        else:
            path = _build(endpoint, {key: _int(data.get(key))}) if _int(data.get(key)) is not None else None
        if path is not None:
            return path
    for key, endpoint, argument in DATA_LINKS.get(org_kind, ()):
        if _int(data.get(key)) is not None:
            path = _build(endpoint, {argument: _int(data[key])})
            if path is not None:
                return path
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def absolute(path: str) -> str:
    """``path`` on the platform's address: ``PUBLIC_URL``, else the current request's host (else the bare path)."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    return (base or "").rstrip("/") + path


def email_link(org_kind: str, kind: str, data: dict) -> str:
    """The absolute link an e-mail of ``kind`` carries: the page concerned, else the notification centre."""
    return absolute(page_path(org_kind, kind, data) or NOTIFICATION_CENTRE_PATH)
