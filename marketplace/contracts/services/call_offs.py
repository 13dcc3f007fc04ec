"""Call-offs: orders against an active contract at the prices of its version in force, each one deal, placed
without a new approval while the contract's maximum value holds; and the contract's utilisation."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from ...accounts.models import MemberRole
from ...actors import Actor, ActorRole
from ...deals.models import Deal
from ...deals.services import create_deal_from_order
from ...errors import ConflictError, ForbiddenError, InvalidInputError
from ...extensions import db
from ...http.pagination import paginate
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ..models import CallOff, CallOffLine, Contract, ContractStatus
from ..states import contract_machine, today
from .contracts import contract_notice, get_contract
from .usage import NOT_COUNTED, live, ordered_quantities, ordered_value  # noqa: F401

#: buyer members who may call off against a signed contract (its approval was given when it was signed)
CALLERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.APPROVER, MemberRole.REQUESTER)
def utilisation(contract: Contract) -> dict:
    """What has been called off against ``contract``: value ordered against committed and maximum, value left,
    and per item the units ordered against the committed quantity (minor units; schemas format them)."""
    terms = contract.terms
    ordered = ordered_value(contract.id)
    quantities = ordered_quantities(contract.id)
    count = db.session.execute(live(select(func.count(CallOff.id)).where(CallOff.contract_id == contract.id))
                               ).scalar_one()
    return {
        "currency": contract.currency, "ordered_value": ordered, "committed_value": terms.committed_value,
        "max_value": terms.max_value, "remaining_value": max(terms.max_value - ordered, 0), "call_offs": count,
        "percent_of_committed": (round(100 * ordered / terms.committed_value, 1)
                                 if terms.committed_value else None),
        "percent_of_max": round(100 * ordered / terms.max_value, 1),
        "items": [{"item_no": i.item_no, "description": i.description, "unit": i.unit,
                   "committed_qty": i.committed_qty, "ordered_qty": quantities.get(i.item_no, 0),
                   "remaining_qty": (max(i.committed_qty - quantities.get(i.item_no, 0), 0)
                                     if i.committed_qty else None)} for i in terms.items],
    }


def refusal(contract: Contract) -> str | None:
    """Why no call-off can be placed against ``contract`` today (a code), or None."""
    if contract.status != ContractStatus.ACTIVE:
        return "contract_not_active"
    now = today(current_app.config)
    if now < contract.starts_on:
        return "contract_not_started"
    if now > contract.ends_on:
        return "contract_ended"
    return None


REFUSALS = {
    "contract_not_active": "call-offs need an active contract",
    "contract_not_started": "the contract has not started yet",
    "contract_ended": "the contract has ended",
}


def price_call_off(contract: Contract, lines: list[dict]) -> list[dict]:
    """Each requested ``{item_no, quantity}`` priced at the version in force (its tier at the quantity).

    :raises InvalidInputError: an unknown or repeated item (the line is named).
    """
    terms = contract.terms
    seen, priced = set(), []
    for i, line in enumerate(lines):
        item = terms.item(line["item_no"])
        if item is None:
            raise InvalidInputError.at(("lines", i, "item_no"), "the contract has no such item")
        if item.item_no in seen:
            raise InvalidInputError.at(("lines", i, "item_no"), "each item may appear once in a call-off")
        seen.add(item.item_no)
        price = item.price_at(line["quantity"])
        priced.append({"item": item, "quantity": line["quantity"], "unit_price": price,
                       "amount": price * line["quantity"]})
    return priced


def place_call_off(actor: Actor, contract_id: int, data: dict) -> CallOff:
    """Call off goods against an active contract: priced at the version in force, no approval needed while the
    contract's live call-offs stay within its maximum value; the deal is payable at once, paid by the contract's
    payment terms, and the vendor is told. Call-offs on one contract are serialised (its row is locked), so two
    at once cannot both pass the limit.

    :raises ConflictError: the contract is not active today (``contract_not_active``, ``contract_not_started``,
        ``contract_ended``) or the call-off would exceed its maximum value (``contract_limit_exceeded``, with the
        value left in ``details``).
    :raises InvalidInputError: an unknown or repeated item.
    """
    contract = get_contract(actor, contract_id)
    if actor.role != ActorRole.BUYER or actor.org_id != contract.buyer_id:
        raise ForbiddenError("only the contract's buyer calls off against it")
    if actor.member_role not in CALLERS:
        raise ForbiddenError("your role may not place call-offs")
    contract = contract_machine.lock(contract.id)
    code = refusal(contract)
    if code:
        raise ConflictError(REFUSALS[code], code=code)
    priced = price_call_off(contract, data["lines"])
    subtotal = sum(p["amount"] for p in priced)
    terms = contract.terms
    used = ordered_value(contract.id)
    if used + subtotal > terms.max_value:
        left = max(terms.max_value - used, 0)
        raise ConflictError("this call-off would exceed the contract's maximum value", code="contract_limit_exceeded",
                            details={"remaining_value": format_amount(left, contract.currency),
                                     "call_off_value": format_amount(subtotal, contract.currency),
                                     "currency": contract.currency})
    top = max(priced, key=lambda p: p["amount"])
    deal_terms = {"incoterm": terms.incoterm, "named_place": terms.named_place, "lead_time_days": terms.lead_time_days,
                  "delivery_region": data.get("delivery_region") or terms.delivery_region,
                  "delivery_address": data.get("delivery_address") or terms.delivery_address,
                  "contract_id": contract.id, "contract_version": terms.number}
    deal = create_deal_from_order(
        order_id=None, contract_id=contract.id, buyer_id=contract.buyer_id, vendor_id=contract.vendor_id,
        currency=contract.currency, freight=0, terms=deal_terms, actor=actor, approved=True,
        payment_terms=terms.payment_terms, category_id=top["item"].category_id,
        lines=[{"product_id": p["item"].product_id, "description": p["item"].description, "quantity": p["quantity"],
                "unit": p["item"].unit, "unit_price": p["unit_price"]} for p in priced])
    call_off = CallOff(contract_id=contract.id, contract_version=terms.number, buyer_id=contract.buyer_id,
                       vendor_id=contract.vendor_id, deal_id=deal.id, placed_by=actor.user_id,
                       currency=contract.currency, subtotal=subtotal, note=data.get("note") or "")
    call_off.lines = [CallOffLine(item_no=p["item"].item_no, quantity=p["quantity"], unit_price=p["unit_price"],
                                  amount=p["amount"]) for p in priced]
    db.session.add(call_off)
    db.session.flush()
    notify_org(contract.vendor_id, NotificationKind.CONTRACT_CALL_OFF,
               contract_notice(contract, deal_id=deal.id, call_off_id=call_off.id,
                               total=format_amount(deal.total, contract.currency),
                               remaining_value=format_amount(terms.max_value - used - subtotal, contract.currency)),
               key=f"contract-{contract.id}-call-off-{call_off.id}")
    return call_off


def list_call_offs(actor: Actor, contract_id: int, params: dict) -> dict:
    """One page of a contract's call-offs, newest first, with their deals' states."""
    contract = get_contract(actor, contract_id)
    return paginate(select(CallOff).where(CallOff.contract_id == contract.id), params, CallOff.id, descending=True)


def deal_states(call_offs: list[CallOff]) -> dict[int, str]:
    """deal_id -> status for the deals of ``call_offs`` (one query)."""
    ids = [c.deal_id for c in call_offs]
    if not ids:
        return {}
    return dict(db.session.execute(select(Deal.id, Deal.status).where(Deal.id.in_(ids))).all())
