"""Contracts as their readers see them: the version in force, the pending one, utilisation, and what the
reader may do now (one dict per contract, dumped by the schemas and rendered by the pages)."""

from __future__ import annotations

from ...accounts.models import Organization
from ...actors import Actor, ActorRole
from ...extensions import db
from ..models import CallOff, Contract, ContractStatus, ContractVersion, VersionStatus
from .call_offs import CALLERS, deal_states, refusal, utilisation
from .contracts import may_sign, side_of, sign_deadline


def version_view(contract: Contract, version: ContractVersion) -> dict:
    """One version's terms, with its items and (while proposed) its signing deadline."""
    fields = ("number", "status", "summary", "proposed_by_org", "ends_on", "max_value", "committed_value",
              "payment_terms", "incoterm", "named_place", "delivery_region", "delivery_address", "lead_time_days",
              "buyer_accepted_at", "vendor_accepted_at", "reason", "created_at")
    out = {f: getattr(version, f) for f in fields}
    out["currency"] = contract.currency
    out["sign_by_at"] = sign_deadline(version) if version.status == VersionStatus.PROPOSED else None
    out["items"] = [{"item_no": i.item_no, "product_id": i.product_id, "sku": i.sku, "description": i.description,
                     "unit": i.unit, "currency": contract.currency, "unit_price": i.unit_price,
                     "tiers": [{**t, "currency": contract.currency} for t in i.tiers],
                     "committed_qty": i.committed_qty} for i in version.items]
    return out


def actions_for(contract: Contract, actor: Actor) -> list[str]:
    """What ``actor`` may do to ``contract`` now (the pages draw these buttons; the verbs check again)."""
    side = side_of(contract, actor)
    actions = []
    pending = contract.pending_version
    if side is not None and pending is not None:
        proposer = actor.org_id == pending.proposed_by_org
        signed = pending.buyer_accepted_at if side == ActorRole.BUYER else pending.vendor_accepted_at
        if signed is None and may_sign(contract, pending, actor):
            actions.append("sign")
            if not proposer:
                actions.append("decline")
        if proposer and may_sign(contract, contract.terms, actor):
            actions.append("withdraw")
    manager = side is not None and may_sign(contract, contract.terms, actor)
    if contract.status == ContractStatus.ACTIVE:
        if manager and pending is None:
            actions.append("amend")
        if side == ActorRole.BUYER and actor.member_role in CALLERS and refusal(contract) is None:
            actions.append("call_off")
        if manager or actor.role == ActorRole.ADMIN:
            actions.append("terminate")
    if manager and contract.status in (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        actions.append("renew")
    return actions


def contract_view(contract: Contract, actor: Actor) -> dict:
    """Everything one reader sees of a contract."""
    pending = contract.pending_version
    return {
        **{f: getattr(contract, f) for f in ("id", "buyer_id", "vendor_id", "title", "currency", "status", "source",
                                              "starts_on", "ends_on", "current_version", "rfq_id", "quote_id",
                                              "price_list_id", "renewed_from_id", "reason", "created_at",
                                              "ended_at")},
        "buyer_name": db.session.get(Organization, contract.buyer_id).name,
        "vendor_name": db.session.get(Organization, contract.vendor_id).name,
        "terms": version_view(contract, contract.terms),
        "pending": version_view(contract, pending) if pending is not None and pending.number != contract.current_version
        else None,
        "versions": [version_view(contract, v) for v in contract.versions],
        "utilisation": utilisation(contract),
        "call_off_refusal": refusal(contract),
        "actions": actions_for(contract, actor),
    }


def call_off_views(contract: Contract, call_offs: list[CallOff]) -> list[dict]:
    """Call-offs with their deals' states and their items' words (from the version each was placed under)."""
    states = deal_states(call_offs)
    out = []
    for c in call_offs:
        version = contract.version_numbered(c.contract_version)
        out.append({"id": c.id, "contract_id": c.contract_id, "contract_version": c.contract_version,
                    "deal_id": c.deal_id, "deal_status": states.get(c.deal_id), "currency": c.currency,
                    "subtotal": c.subtotal, "note": c.note, "created_at": c.created_at,
                    "lines": [{"item_no": l.item_no, "description": version.item(l.item_no).description,
                               "unit": version.item(l.item_no).unit, "quantity": l.quantity, "currency": c.currency,
                               "unit_price": l.unit_price, "amount": l.amount} for l in c.lines]})
    return out
