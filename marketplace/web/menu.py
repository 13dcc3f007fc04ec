"""The menu by role: what each kind of organisation (and role in it) works on, in order."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import MemberRole, OrgKind
from ..accounts.services import Session


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: object  #: a lazy_gettext string
    roles: tuple[str, ...] = ()  #: empty: every role of the organisation kind


R = MemberRole
MENU: dict[str, tuple[Item, ...]] = {
    OrgKind.BUYER: (
        Item("web_buyer.search", _l("Search")),
        Item("web_buyer.rfqs", _l("RFQs")),
        Item("web_buyer.approvals", _l("Approvals"), (R.OWNER, R.ADMIN, R.APPROVER)),
        Item("web_deals.deals", _l("Deals")),
        Item("web_analytics.analytics", _l("Analytics")),
        Item("web_orders.cart", _l("Cart")),
        Item("web_orders.orders", _l("Orders")),
        Item("web_contracts.contracts", _l("Contracts")),
    ),
    OrgKind.VENDOR: (
        Item("web_vendor.onboarding", _l("Onboarding")),
        Item("web_vendor.products", _l("Catalog")),
        Item("web_vendor.price_lists", _l("Price lists")),
        Item("web_vendor.invitations", _l("Invitations")),
        Item("web_vendor.board", _l("Open RFQs")),
        Item("web_vendor.quotes", _l("Quotes")),
        Item("web_deals.deals", _l("Deals")),
        Item("web_vendor.payouts", _l("Payouts"), (R.OWNER, R.ADMIN)),
        Item("web_analytics.analytics", _l("Analytics")),
        Item("web_deal_documents.commission_statements", _l("Commission statements")),
        Item("web_orders.orders", _l("Orders"), (R.OWNER, R.ADMIN, R.SALES)),
        Item("web_contracts.contracts", _l("Contracts")),
    ),
    OrgKind.PLATFORM: (
        Item("web_admin.verifications", _l("Verification")),
        Item("web_admin.payments", _l("Bank transfers")),
        Item("web_admin.disputes", _l("Dispute desk")),
        Item("web_admin.money", _l("Money")),
        Item("web_admin.shipments", _l("Shipments")),
        Item("web_deals.deals", _l("Deals")),
        Item("web_contracts.contracts", _l("Contracts")),
    ),
}


def menu_for(who: Session | None) -> list[Item]:
    """The menu of the logged-in person (only pages that exist and that their role may open)."""
    if who is None:
        return []
    return [item for item in MENU.get(who.kind, ())
            if item.endpoint in current_app.view_functions and (not item.roles or who.role in item.roles)]
