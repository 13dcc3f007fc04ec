"""Vendor pages: payouts — the vendor's payouts with their batches and amounts (read-only)."""

from __future__ import annotations

from flask import request

from ....accounts.auth import current_actor
from ....accounts.models import MemberRole
from ....escrow.gateways.bank import payouts as bank_payouts
from ...forms import page
from ...session import page_login_required
from . import bp
from .common import VENDOR

#: members who may open the payouts page (the menu shows it to them only)
PAYOUT_READERS = (MemberRole.OWNER, MemberRole.ADMIN)


@bp.get("/payouts")
@page_login_required(VENDOR, roles=PAYOUT_READERS)
def payouts():
    """The vendor's payouts with their batches and amounts (read-only)."""
    result = bank_payouts.list_payouts(current_actor(), {"limit": 100, "cursor": request.args.get("cursor")})
    return page("vendor/payouts.html", result=result)
