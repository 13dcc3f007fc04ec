"""The admins' bank-transfer desk: milestones whose buyers were told to wire the money, not yet confirmed."""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import Organization
from ..actors import Actor
from ..escrow.gateways.bank.gateway import GATEWAY as BANK_TRANSFER
from ..escrow.models import Milestone, MilestoneStatus
from ..extensions import db
from .models import Deal


def awaiting_bank_transfers(actor: Actor, limit: int = 200) -> list[dict]:
    """Milestones awaiting a bank transfer on deals ``actor`` may see (admins: all), oldest deal first:
    ``{"deal", "milestone", "reference", "amount", "currency", "buyer", "vendor"}`` (amount in minor units)."""
    rows = db.session.execute(
        select(Milestone, Deal).join(Deal, Deal.id == Milestone.deal_id)
        .where(Deal.id.in_(Deal.visible_to(actor).with_only_columns(Deal.id)),
               Deal.gateway == BANK_TRANSFER, Milestone.status == MilestoneStatus.AWAITING_PAYMENT)
        .order_by(Deal.id, Milestone.seq).limit(limit)
    ).all()
    org_ids = {d.buyer_id for _, d in rows} | {d.vendor_id for _, d in rows}
    names = dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()) \
        if org_ids else {}
    return [{"deal": d, "milestone": m, "reference": m.payment_reference, "amount": m.amount, "currency": d.currency,
             "buyer": names.get(d.buyer_id, ""), "vendor": names.get(d.vendor_id, "")} for m, d in rows]

