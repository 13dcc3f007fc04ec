"""Escrow verbs on one milestone: fund (hold), release, refund, split. Idempotent by construction.

Each milestone's money moves through deterministic transfer ids:
``m<id>.fund`` (gateway clearing -> deal escrow), ``m<id>.hold`` (pending: escrow -> vendor payable),
``m<id>.release`` (posts the hold, fully or partly), ``m<id>.commission`` (vendor payable -> platform),
``m<id>.void`` (voids the hold) and ``m<id>.refund`` (escrow -> buyer refund payable).
Callers lock the deal row first, so the milestone's status and the ledger move together.
"""

from __future__ import annotations

from ..database import utcnow
from ..deals.models import Deal, Milestone, MilestoneStatus
from ..errors import ConflictError
from ..money import commission_for
from . import ledger


def _ids(m: Milestone) -> dict[str, str]:
    return {k: f"m{m.id}.{k}" for k in ("fund", "hold", "release", "commission", "void", "refund")}


def fund_milestone(deal: Deal, m: Milestone, gateway: str, meta: dict | None = None) -> bool:
    """Money for ``m`` arrived: book it into the deal's escrow and hold it for the vendor.

    :raises ConflictError: the milestone is not awaiting payment.
    """
    if m.status == MilestoneStatus.FUNDED or ledger.resolution_of(_ids(m)["hold"]) is not None:
        return False
    if m.status != MilestoneStatus.AWAITING_PAYMENT:
        raise ConflictError(f"milestone {m.seq} is {m.status}, not awaiting payment")
    ids = _ids(m)
    ledger.transfer(ids["fund"], ledger.clearing_account(gateway), ledger.escrow_account(deal.id), m.amount, deal.currency,
                    code="fund", deal_id=deal.id, milestone_id=m.id, meta=meta)
    ledger.hold(ids["hold"], ledger.escrow_account(deal.id), ledger.vendor_payable(deal.vendor_id), m.amount,
                deal.currency, deal_id=deal.id, milestone_id=m.id)
    m.status = MilestoneStatus.FUNDED
    m.funded_at = utcnow()
    return True


def settle_milestone(deal: Deal, m: Milestone, vendor_gross: int) -> bool:
    """Release ``vendor_gross`` of a held milestone to the vendor (less commission) and refund the rest.

    ``vendor_gross == m.amount`` is a full release, ``0`` a full refund, anything between a split.
    A milestone settles once: a second call (any split) is a no-op when the first already happened.

    :raises ConflictError: the milestone is not held, or the amount is out of range.
    """
    if m.status in (MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED, MilestoneStatus.SPLIT):
        return False
    if m.status != MilestoneStatus.FUNDED:
        raise ConflictError(f"milestone {m.seq} is {m.status}, not held")
    if not 0 <= vendor_gross <= m.amount:
        raise ConflictError("the vendor's share must be between 0 and the milestone amount")
    ids = _ids(m)
    escrow = ledger.escrow_account(deal.id)
    commission = commission_for(vendor_gross, deal.commission_bps)
    if vendor_gross > 0:
        ledger.post_hold(ids["release"], ids["hold"], vendor_gross, deal_id=deal.id, milestone_id=m.id)
        if commission:
            ledger.transfer(ids["commission"], ledger.vendor_payable(deal.vendor_id), ledger.COMMISSION, commission,
                            deal.currency, code="commission", deal_id=deal.id, milestone_id=m.id,
                            meta={"bps": deal.commission_bps})
    else:
        ledger.void_hold(ids["void"], ids["hold"], deal_id=deal.id, milestone_id=m.id)
    refund = m.amount - vendor_gross
    if refund:
        ledger.transfer(ids["refund"], escrow, ledger.buyer_refund_payable(deal.buyer_id), refund, deal.currency,
                        code="refund", deal_id=deal.id, milestone_id=m.id)
    m.released_amount = vendor_gross
    m.commission_amount = commission if vendor_gross else 0
    m.refunded_amount = refund
    m.status = (MilestoneStatus.RELEASED if refund == 0 else
                MilestoneStatus.REFUNDED if vendor_gross == 0 else MilestoneStatus.SPLIT)
    if deal.gateway:  # e.g. stripe: the Transfer/Refund commands join this transaction (bank transfer: nothing)
        from .gateways import get_gateway

        get_gateway(deal.gateway).settled(deal, m)
    return True
