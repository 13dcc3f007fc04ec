"""Contract verbs: propose (from a price list, written items or an award), sign or decline a version, withdraw,
amend, renew, terminate; the hooks that keep a contract in step with its first version; expiry reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ...accounts.models import MemberRole, Organization
from ...actors import SYSTEM, Actor, ActorRole
from ...database import utcnow
from ...deals.services import APPROVER_ROLES, DEFAULT_PAYMENT_TERMS
from ...errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate
from ...money import format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_members, notify_org
from ...orders.services import order_terms
from ...rfq.services import award_rfq
from ...statemachine import Deadline, record_event
from ...vendors.models import PriceList, Product, ProductStatus, VendorProfile
from ..models import (
    Contract,
    ContractItem,
    ContractSource,
    ContractStatus,
    ContractVersion,
    VersionStatus,
)
from ..states import (
    EXPIRY_REMINDER_DAYS,
    SIGN_DUE,
    contract_machine,
    ends_at,
    today,
    version_machine,
)
from .usage import ordered_value

#: buyer members who may sign a contract below the approval threshold (above it: approvers, admins, owners)
BUYER_SIGNERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.APPROVER, MemberRole.REQUESTER)
#: vendor members who may sign, amend, renew or terminate a contract
VENDOR_SIGNERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.SALES)
#: the longest validity a contract may have
MAX_YEARS = 5


# --- reading ------------------------------------------------------------------------------------


def contract_notice(contract: Contract, **extra) -> dict:
    """What a notification about ``contract`` carries: its number, title, limit, end and the parties' names."""
    terms = contract.terms
    return {"contract_id": contract.id, "title": contract.title, "currency": contract.currency,
            "max_value": format_amount(terms.max_value, contract.currency), "ends_on": contract.ends_on.isoformat(),
            "buyer_name": db.session.get(Organization, contract.buyer_id).name,
            "vendor_name": db.session.get(Organization, contract.vendor_id).name, **extra}


def list_contracts(actor: Actor, params: dict) -> dict:
    """One page of the contracts ``actor``'s organisation is party to (admins: all), newest first."""
    stmt = Contract.visible_to(actor)
    if params.get("status"):
        stmt = stmt.where(Contract.status == params["status"])
    if params.get("counterparty_id"):
        stmt = stmt.where((Contract.buyer_id == params["counterparty_id"])
                          | (Contract.vendor_id == params["counterparty_id"]))
    return paginate(stmt, params, Contract.id, descending=True)


def get_contract(actor: Actor, contract_id: int) -> Contract:
    """A contract as one of its parties or a platform admin sees it.

    :raises NotFoundError: unknown, or another organisation's contract.
    """
    return Contract.get_visible(actor, contract_id)


def side_of(contract: Contract, actor: Actor) -> str | None:
    """``buyer`` or ``vendor``: the side ``actor``'s organisation is on (None for an admin)."""
    if actor.org_id == contract.buyer_id:
        return ActorRole.BUYER
    if actor.org_id == contract.vendor_id:
        return ActorRole.VENDOR
    return None


def sign_deadline(version: ContractVersion) -> datetime | None:
    """When a proposed version lapses unless both sides have accepted it."""
    return db.session.execute(
        select(Deadline.due_at).where(Deadline.subject_type == version_machine.subject,
                                      Deadline.subject_id == version.id, Deadline.kind == SIGN_DUE,
                                      Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None)).limit(1)
    ).scalar_one_or_none()


def needs_approver(contract: Contract, version: ContractVersion) -> bool:
    """True when the buyer's signature on ``version`` must come from an approver, an admin or the owner: its
    maximum value is above the buyer organisation's approval threshold (approval happens once, here)."""
    threshold = db.session.get(Organization, contract.buyer_id).approval_threshold
    return threshold is not None and version.max_value > threshold


def may_sign(contract: Contract, version: ContractVersion, actor: Actor) -> bool:
    """Whether ``actor`` may accept ``version`` for its side (signature rules, not the state)."""
    side = side_of(contract, actor)
    if side == ActorRole.VENDOR:
        return actor.member_role in VENDOR_SIGNERS
    if side == ActorRole.BUYER:
        roles = APPROVER_ROLES if needs_approver(contract, version) else BUYER_SIGNERS
        return actor.member_role in roles
    return False


def _require_signer(contract: Contract, version: ContractVersion, actor: Actor) -> str:
    side = side_of(contract, actor)
    if side is None:
        raise ForbiddenError("only the contract's parties sign it")
    if not may_sign(contract, version, actor):
        if side == ActorRole.BUYER and needs_approver(contract, version):
            raise ForbiddenError("this contract is above your organisation's approval threshold: an approver, admin"
                                 " or owner must sign it", code="approval_required")
        raise ForbiddenError("your role may not sign contracts")
    return side


def _require_party_manager(contract: Contract, actor: Actor) -> str:
    """The side of a member who may amend, renew or terminate: a signer (buyer approvers for large contracts)."""
    return _require_signer(contract, contract.terms, actor)


# --- building a version -------------------------------------------------------------------------


def _period(starts_on: date, ends_on: date, *, path_start=("starts_on",), path_end=("ends_on",)) -> None:
    now = today(current_app.config)
    if starts_on < now:
        raise InvalidInputError.at(path_start, "the contract cannot start in the past")
    if ends_on < starts_on:
        raise InvalidInputError.at(path_end, "the contract must end on or after its first day")
    if ends_on > starts_on + timedelta(days=366 * MAX_YEARS):
        raise InvalidInputError.at(path_end, "a contract may run for five years at most")


def _tiers(raw: list[dict], currency: str, path: tuple) -> list[dict]:
    tiers, seen = [], set()
    for i, tier in enumerate(raw or []):
        if tier["min_qty"] in seen:
            raise InvalidInputError.at((*path, i, "min_qty"), "each tier needs its own minimum quantity")
        seen.add(tier["min_qty"])
        tiers.append({"min_qty": tier["min_qty"],
                      "unit_price": to_minor(tier["unit_price"], currency, (*path, i, "unit_price"))})
    return sorted(tiers, key=lambda t: t["min_qty"])


def _items(vendor_id: int, currency: str, raw: list[dict], *, numbers: list[int] | None = None) -> list[ContractItem]:
    """Contract items from input lines ``{product_id?, description?, unit?, unit_price, tiers?, committed_qty?,
    item_no?}``; a product must be the vendor's, listed, in the contract's currency."""
    items, used = [], set()
    next_no = max([*(numbers or []), 0]) + 1
    for i, line in enumerate(raw):
        product = None
        if line.get("product_id"):
            product = db.session.get(Product, line["product_id"])
            if product is None or product.vendor_id != vendor_id or product.status != ProductStatus.ACTIVE:
                raise InvalidInputError.at(("items", i, "product_id"), "not a listed product of this vendor")
            if product.currency != currency:
                raise InvalidInputError.at(("items", i, "product_id"), "the product is priced in another currency")
        description = line.get("description") or (product.name if product else None)
        unit = line.get("unit") or (product.unit if product else None)
        if not description:
            raise InvalidInputError.at(("items", i, "description"), "describe the item or name a product")
        if not unit:
            raise InvalidInputError.at(("items", i, "unit"), "give the item's unit")
        if line.get("unit_price") is None:
            raise InvalidInputError.at(("items", i, "unit_price"), "give the item's unit price")
        item_no = line.get("item_no") or next_no
        if item_no in used:
            raise InvalidInputError.at(("items", i, "item_no"), "each item needs its own number")
        used.add(item_no)
        next_no = max(next_no, item_no + 1)
        items.append(ContractItem(
            item_no=item_no, product_id=product.id if product else None, sku=product.sku if product else None,
            category_id=line.get("category_id") or (product.category_id if product else None),
            description=description, unit=unit,
            unit_price=to_minor(line["unit_price"], currency, ("items", i, "unit_price")),
            tiers=_tiers(line.get("tiers"), currency, ("items", i, "tiers")), committed_qty=line.get("committed_qty")))
    return items


def _limits(data: dict, currency: str, *, fallback: ContractVersion | None = None) -> tuple[int, int | None]:
    max_value = (to_minor(data["max_value"], currency, ("max_value",)) if data.get("max_value") is not None
                 else fallback.max_value if fallback else None)
    if not max_value:
        raise InvalidInputError.at(("max_value",), "give the contract's maximum value (above zero)")
    if "committed_value" in data:
        committed = (to_minor(data["committed_value"], currency, ("committed_value",))
                     if data["committed_value"] is not None else None)
    else:
        committed = fallback.committed_value if fallback else None
    if committed is not None and committed > max_value:
        raise InvalidInputError.at(("committed_value",), "the committed value cannot exceed the maximum value")
    return max_value, committed


def _new_version(contract: Contract, actor: Actor, number: int, *, ends_on: date, max_value: int,
                 committed_value: int | None, payment_terms: list[dict], items: list[ContractItem],
                 terms: dict, summary: str = "") -> ContractVersion:
    version = ContractVersion(
        contract_id=contract.id, number=number, status=VersionStatus.PROPOSED, summary=summary,
        proposed_by_org=actor.org_id, proposed_by=actor.user_id, ends_on=ends_on, max_value=max_value,
        committed_value=committed_value, payment_terms=[dict(t) for t in payment_terms],
        incoterm=terms.get("incoterm"), named_place=terms.get("named_place"),
        delivery_region=terms.get("delivery_region"), delivery_address=terms.get("delivery_address"),
        lead_time_days=terms.get("lead_time_days"))
    version.items = items
    contract.versions.append(version)
    db.session.flush()
    return version


def _propose(contract: Contract, version: ContractVersion, actor: Actor) -> None:
    """Start the version's signing deadline, count the proposer's own signature when its role allows, and ask
    the sides that still must sign."""
    version_machine.start(version, actor, {"number": version.number, "max_value":
                                           format_amount(version.max_value, contract.currency)})
    if may_sign(contract, version, actor):
        _accept_side(contract, version, actor, side_of(contract, actor))
    _ask_signatures(contract, version)


def _ask_signatures(contract: Contract, version: ContractVersion) -> None:
    due = sign_deadline(version)
    kind = NotificationKind.CONTRACT_PROPOSED if version.number == 1 else NotificationKind.CONTRACT_AMENDMENT_PROPOSED
    data = contract_notice(contract, version=version.number, sign_by_at=due.isoformat() if due else None,
                           proposer_name=db.session.get(Organization, version.proposed_by_org).name,
                           summary=version.summary)
    key = f"contract-{contract.id}-v{version.number}-proposed"
    if version.vendor_accepted_at is None:
        notify_org(contract.vendor_id, kind, data, key=f"{key}-vendor")
    if version.buyer_accepted_at is None:
        if needs_approver(contract, version):  # approval happens once, at contract level: ask the approvers
            notify_members(contract.buyer_id, kind, data, key=f"{key}-buyer", roles=APPROVER_ROLES)
        else:
            notify_org(contract.buyer_id, kind, data, key=f"{key}-buyer")


def propose_contract(actor: Actor, data: dict) -> Contract:
    """Propose a contract to the other side: items from ``items`` or, without them, from a negotiated price list
    (``price_list_id``); the proposer signs it at once when its role allows (above the buyer's threshold only an
    approver may); the other side signs or declines within ``CONTRACT_SIGN_DAYS``.

    :raises InvalidInputError: a missing or wrong field (named), e.g. no counterparty, an unknown product.
    """
    if actor.role == ActorRole.BUYER:
        buyer_id, vendor_id = actor.org_id, data.get("vendor_id")
        if not vendor_id or db.session.get(VendorProfile, vendor_id) is None:
            raise InvalidInputError.at(("vendor_id",), "name the vendor the contract is with")
    elif actor.role == ActorRole.VENDOR:
        buyer_id, vendor_id = data.get("buyer_id"), actor.org_id
        buyer = db.session.get(Organization, buyer_id) if buyer_id else None
        if buyer is None or buyer.kind != "buyer":
            raise InvalidInputError.at(("buyer_id",), "name the buyer organisation the contract is with")
    else:
        raise ForbiddenError("only a buyer or a vendor proposes a contract")
    price_list = None
    if data.get("price_list_id"):
        price_list = db.session.get(PriceList, data["price_list_id"])
        if price_list is None or price_list.vendor_id != vendor_id or price_list.buyer_org_id != buyer_id:
            raise InvalidInputError.at(("price_list_id",), "not a price list between these two organisations")
    currency = price_list.currency if price_list else data.get("currency") or current_app.config["DEFAULT_CURRENCY"]
    listed = _price_list_items(price_list) if price_list else {}
    # a price list's products are the items unless ``items`` names them (adding committed quantities, say)
    raw_items = ([{**listed.get(line.get("product_id"), {}), **line} for line in data["items"]] if data.get("items")
                 else list(listed.values()))
    if not raw_items:
        raise InvalidInputError.at(("items",), "a contract needs at least one item")
    starts_on = data.get("starts_on") or today(current_app.config)
    _period(starts_on, data["ends_on"])
    max_value, committed = _limits(data, currency)
    terms = data.get("payment_terms") or order_terms(vendor_id)
    contract = Contract(buyer_id=buyer_id, vendor_id=vendor_id, title=data["title"], currency=currency,
                        status=ContractStatus.PROPOSED,
                        source=ContractSource.PRICE_LIST if price_list else ContractSource.DIRECT,
                        starts_on=starts_on, ends_on=data["ends_on"], proposed_by_org=actor.org_id,
                        created_by=actor.user_id, price_list_id=price_list.id if price_list else None)
    db.session.add(contract)
    db.session.flush()
    items = _items(vendor_id, currency, raw_items)
    version = _new_version(contract, actor, 1, ends_on=data["ends_on"], max_value=max_value,
                           committed_value=committed, payment_terms=terms, items=items, terms=data)
    contract_machine.start(contract, actor, {"source": contract.source})
    _propose(contract, version, actor)
    return contract


def _price_list_items(price_list: PriceList) -> dict[int, dict]:
    """product_id -> a contract item line for each product of a price list: its first break as the unit price,
    later breaks as tiers (prices as decimal strings, as the API takes them)."""
    by_product: dict[int, list] = {}
    for item in price_list.items:
        by_product.setdefault(item.product_id, []).append(item)
    out = {}
    for product_id, breaks in by_product.items():
        breaks.sort(key=lambda b: b.min_qty)
        out[product_id] = {
            "product_id": product_id, "unit_price": format_amount(breaks[0].unit_price, price_list.currency),
            "tiers": [{"min_qty": b.min_qty, "unit_price": format_amount(b.unit_price, price_list.currency)}
                      for b in breaks[1:] if b.min_qty >= 2]}
    return out


def contract_from_award(actor: Actor, rfq, quote, qlines, data: dict) -> Contract:
    """A contract proposed to an awarded quote's vendor: one item per awarded RFQ line at the quote's unit price,
    the RFQ's quantity as the committed quantity, the quote's payment terms, incoterm and lead time. The buyer
    member's signature counts when its role allows; the vendor signs to make it active."""
    starts_on = data.get("starts_on") or today(current_app.config)
    _period(starts_on, data["ends_on"])
    goods = sum(l.unit_price * l.quantity for l in qlines)  # the RFQ's quantities: what the buyer commits to
    max_value = to_minor(data["max_value"], rfq.currency, ("max_value",)) if data.get("max_value") else goods
    committed = (to_minor(data["committed_value"], rfq.currency, ("committed_value",))
                 if data.get("committed_value") is not None else min(goods, max_value))
    if not max_value:
        raise InvalidInputError.at(("max_value",), "give the contract's maximum value (above zero)")
    if committed > max_value:
        raise InvalidInputError.at(("committed_value",), "the committed value cannot exceed the maximum value")
    rfq_lines = {l.id: l for l in rfq.lines}
    contract = Contract(buyer_id=rfq.buyer_id, vendor_id=quote.vendor_id, title=data.get("title") or rfq.title,
                        currency=rfq.currency, status=ContractStatus.PROPOSED, source=ContractSource.AWARD,
                        starts_on=starts_on, ends_on=data["ends_on"], proposed_by_org=actor.org_id,
                        created_by=actor.user_id, rfq_id=rfq.id, quote_id=quote.id)
    db.session.add(contract)
    db.session.flush()
    items = [ContractItem(item_no=n, description=rfq_lines[l.rfq_line_id].description,
                          unit=rfq_lines[l.rfq_line_id].unit, category_id=rfq_lines[l.rfq_line_id].category_id,
                          unit_price=l.unit_price, tiers=[], committed_qty=l.quantity)
             for n, l in enumerate(sorted(qlines, key=lambda l: rfq_lines[l.rfq_line_id].line_no), start=1)]
    version = _new_version(contract, actor, 1, ends_on=data["ends_on"], max_value=max_value,
                           committed_value=committed, payment_terms=quote.payment_terms or DEFAULT_PAYMENT_TERMS,
                           items=items, terms={"incoterm": quote.incoterm, "named_place": rfq.named_place,
                                               "delivery_region": rfq.delivery_region,
                                               "delivery_address": rfq.delivery_address,
                                               "lead_time_days": quote.lead_time_days})
    contract_machine.start(contract, actor, {"source": contract.source, "rfq_id": rfq.id, "quote_id": quote.id})
    _propose(contract, version, actor)
    return contract


def award_as_contracts(actor: Actor, rfq_id: int, data: dict) -> list[Contract]:
    """Award quotes (or lines) of an RFQ as framework contracts: the RFQ is awarded as usual, and each winning
    vendor gets a contract proposal (:func:`contract_from_award`) instead of a deal.

    :raises ConflictError, InvalidInputError, NotFoundError: as an award does.
    """
    award = award_rfq(actor, rfq_id, data, as_contract=lambda rfq, quote, qlines, who:
                      contract_from_award(who, rfq, quote, qlines, data))
    return award.contracts


# --- signing ------------------------------------------------------------------------------------


def _accept_side(contract: Contract, version: ContractVersion, actor: Actor, side: str) -> bool:
    """Record ``side``'s acceptance of ``version``; once both sides accepted, the version is accepted (and the
    contract follows). True when this call recorded a new signature."""
    at = utcnow()
    if side == ActorRole.BUYER:
        if version.buyer_accepted_at is not None:
            return False
        version.buyer_accepted_at, version.buyer_accepted_by = at, actor.user_id
    else:
        if version.vendor_accepted_at is not None:
            return False
        version.vendor_accepted_at, version.vendor_accepted_by = at, actor.user_id
    db.session.flush()
    record_event(version_machine.subject, version.id, "sign", version.status, version.status, actor,
                 {"side": side, "number": version.number})
    if version.buyer_accepted_at is not None and version.vendor_accepted_at is not None:
        version_machine.apply(version, "accept", actor)
    return True


def _version(contract: Contract, number: int) -> ContractVersion:
    version = next((v for v in contract.versions if v.number == number), None)
    if version is None:
        raise NotFoundError("no such contract version")
    return version


def accept_version(actor: Actor, contract_id: int, number: int) -> Contract:
    """The caller's side signs version ``number`` (the contract itself, or an amendment). Signing twice is a
    no-op. Both sides signed: the contract is active, or the amendment applies to later call-offs.

    :raises ForbiddenError: not a party, or a role that may not sign (above the threshold: approvers only).
    :raises IllegalTransitionError: the version is no longer waiting for signatures.
    """
    contract = get_contract(actor, contract_id)
    version = version_machine.lock(_version(contract, number).id)
    side = _require_signer(contract, version, actor)
    if version.status != VersionStatus.PROPOSED:
        if version.status == VersionStatus.ACCEPTED:
            return contract
        version_machine.apply(version, "accept", actor)  # raises: not waiting for signatures
    _accept_side(contract, version, actor, side)
    return contract


def decline_version(actor: Actor, contract_id: int, number: int, reason: str) -> Contract:
    """The other side refuses version ``number`` with a reason: a refused first version ends the contract,
    a refused amendment leaves the contract on its current terms. The proposer is told.

    :raises ForbiddenError: not the side the version waits on, or a role that may not sign.
    """
    contract = get_contract(actor, contract_id)
    version = _version(contract, number)
    side = _require_signer(contract, version, actor)
    if side == (ActorRole.BUYER if version.proposed_by_org == contract.buyer_id else ActorRole.VENDOR):
        raise ForbiddenError("the side that proposed it withdraws it instead")
    if version_machine.apply(version, "decline", actor, {"reason": reason}):
        version.reason = reason
        if number == 1:
            contract.reason = reason
        kind = NotificationKind.CONTRACT_DECLINED if number == 1 else NotificationKind.CONTRACT_AMENDMENT_DECLINED
        notify_org(version.proposed_by_org, kind, contract_notice(contract, version=number, reason=reason),
                   key=f"contract-{contract.id}-v{number}-declined")
    return contract


def withdraw_version(actor: Actor, contract_id: int, number: int) -> Contract:
    """The proposer takes back a version not yet accepted by both (a withdrawn first version ends the contract).

    :raises ForbiddenError: not the proposing side.
    """
    contract = get_contract(actor, contract_id)
    version = _version(contract, number)
    _require_party_manager(contract, actor)
    if actor.org_id != version.proposed_by_org:
        raise ForbiddenError("only the side that proposed it may withdraw it")
    if version_machine.apply(version, "withdraw", actor):
        other = contract.vendor_id if actor.org_id == contract.buyer_id else contract.buyer_id
        notify_org(other, NotificationKind.CONTRACT_WITHDRAWN, contract_notice(contract, version=number),
                   key=f"contract-{contract.id}-v{number}-withdrawn")
    return contract


# --- amending, renewing, terminating ------------------------------------------------------------


def propose_amendment(actor: Actor, contract_id: int, data: dict) -> Contract:
    """Propose new terms for an active contract (a new version): the end date, limits, payment terms and items
    (prices, tiers, committed quantities; new items get new numbers). Until both sides accept it, call-offs use
    the version in force; after, later call-offs use it. One amendment may be pending at a time.

    The new maximum may not be below what the contract's live call-offs already hold.

    :raises ConflictError: the contract is not active, or an amendment is already pending.
    """
    contract = contract_machine.lock(get_contract(actor, contract_id).id)
    _require_party_manager(contract, actor)
    if contract.status != ContractStatus.ACTIVE:
        raise ConflictError("only an active contract can be amended", code="contract_not_active")
    if contract.pending_version is not None:
        raise ConflictError("an amendment is already waiting for acceptance", code="amendment_pending")
    current = contract.terms
    ends_on = data.get("ends_on") or current.ends_on
    if ends_on < today(current_app.config):
        raise InvalidInputError.at(("ends_on",), "the contract cannot end in the past")
    if ends_on > contract.starts_on + timedelta(days=366 * MAX_YEARS):
        raise InvalidInputError.at(("ends_on",), "a contract may run for five years at most")
    max_value, committed = _limits(data, contract.currency, fallback=current)
    if max_value < ordered_value(contract.id):
        raise InvalidInputError.at(("max_value",), "the maximum value cannot be below what was already called off")
    if data.get("items"):
        items = _items(contract.vendor_id, contract.currency, data["items"],
                       numbers=[i.item_no for i in current.items])
    else:
        items = [ContractItem(item_no=i.item_no, product_id=i.product_id, sku=i.sku, category_id=i.category_id,
                              description=i.description, unit=i.unit, unit_price=i.unit_price,
                              tiers=[dict(t) for t in i.tiers], committed_qty=i.committed_qty) for i in current.items]
    terms = {k: data.get(k, getattr(current, k)) for k in
             ("incoterm", "named_place", "delivery_region", "delivery_address", "lead_time_days")}
    version = _new_version(contract, actor, max(v.number for v in contract.versions) + 1, ends_on=ends_on,
                           max_value=max_value, committed_value=committed,
                           payment_terms=data.get("payment_terms") or current.payment_terms, items=items, terms=terms,
                           summary=data["summary"])
    _propose(contract, version, actor)
    return contract


def terminate_contract(actor: Actor, contract_id: int, reason: str) -> Contract:
    """End an active contract early, with a reason: no more call-offs; deals already under way go on as agreed.
    A pending amendment is withdrawn. The other side is told (both, when a platform admin ends it)."""
    contract = get_contract(actor, contract_id)
    if actor.role != ActorRole.ADMIN:
        _require_party_manager(contract, actor)
    if contract_machine.apply(contract, "terminate", actor, {"reason": reason}):
        contract.reason = reason
        for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
            if org_id != actor.org_id:
                notify_org(org_id, NotificationKind.CONTRACT_TERMINATED,
                           contract_notice(contract, reason=reason,
                                           by_name=db.session.get(Organization, actor.org_id).name
                                           if actor.org_id else "the platform"),
                           key=f"contract-{contract.id}-terminated-{side}")
    return contract


def renew_contract(actor: Actor, contract_id: int, data: dict) -> Contract:
    """Propose a follow-on contract with the same items, prices and terms as the version in force, for a new
    period (``starts_on`` defaults to the day after this one ends) and, optionally, new limits. It is a new
    contract: both sides sign it, and its call-offs count against it alone.

    :raises ConflictError: the contract was never signed (only active, expired or terminated ones renew), or
        a renewal of it is already pending or active.
    """
    old = get_contract(actor, contract_id)
    _require_party_manager(old, actor)
    if old.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        raise ConflictError("only a signed contract can be renewed", code="contract_not_signed")
    pending = db.session.execute(select(Contract.id).where(
        Contract.renewed_from_id == old.id,
        Contract.status.in_([ContractStatus.PROPOSED, ContractStatus.ACTIVE]))).first()
    if pending is not None:
        raise ConflictError("this contract already has a renewal", code="renewal_exists")
    terms = old.terms
    starts_on = data.get("starts_on") or max(old.ends_on + timedelta(days=1), today(current_app.config))
    _period(starts_on, data["ends_on"])
    max_value, committed = _limits(data, old.currency, fallback=terms)
    contract = Contract(buyer_id=old.buyer_id, vendor_id=old.vendor_id, title=data.get("title") or old.title,
                        currency=old.currency, status=ContractStatus.PROPOSED, source=ContractSource.RENEWAL,
                        starts_on=starts_on, ends_on=data["ends_on"], proposed_by_org=actor.org_id,
                        created_by=actor.user_id, rfq_id=old.rfq_id, price_list_id=old.price_list_id,
                        renewed_from_id=old.id)
    db.session.add(contract)
    db.session.flush()
    items = [ContractItem(item_no=i.item_no, product_id=i.product_id, sku=i.sku, category_id=i.category_id,
                          description=i.description, unit=i.unit, unit_price=i.unit_price,
                          tiers=[dict(t) for t in i.tiers], committed_qty=i.committed_qty) for i in terms.items]
    version = _new_version(contract, actor, 1, ends_on=data["ends_on"], max_value=max_value,
                           committed_value=committed, payment_terms=terms.payment_terms, items=items,
                           terms={k: getattr(terms, k) for k in ("incoterm", "named_place", "delivery_region",
                                                                 "delivery_address", "lead_time_days")},
                           summary=data.get("summary") or "")
    contract_machine.start(contract, actor, {"source": contract.source, "renewed_from_id": old.id})
    _propose(contract, version, actor)
    return contract


# --- hooks (whoever moved the subject: a person, or a deadline) ---------------------------------


def on_version_accepted(version: ContractVersion) -> None:
    """Both sides accepted: a first version makes the contract active; an amendment takes force for later
    call-offs (its end date moves the expiry)."""
    contract = version.contract
    if version.number == 1:
        contract_machine.apply(contract, "sign", SYSTEM)
        return
    contract = contract_machine.lock(contract.id)
    contract.current_version = version.number
    contract.ends_on = version.ends_on
    db.session.flush()
    contract_machine.restart_timers(contract)
    for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
        notify_org(org_id, NotificationKind.CONTRACT_AMENDED, contract_notice(contract, version=version.number,
                                                                              summary=version.summary),
                   key=f"contract-{contract.id}-v{version.number}-amended-{side}")


def on_version_closed(version: ContractVersion) -> None:
    """A first version declined, withdrawn or lapsed ends the unsigned contract with it; a lapsed version tells
    both sides (decline and withdraw are told by the verb, with its reason)."""
    contract = version.contract
    if version.number == 1 and contract.status == ContractStatus.PROPOSED:
        contract_machine.apply(contract, {VersionStatus.DECLINED: "decline", VersionStatus.WITHDRAWN: "withdraw",
                                          VersionStatus.LAPSED: "lapse"}[version.status], SYSTEM)
    if version.status == VersionStatus.LAPSED:
        for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
            notify_org(org_id, NotificationKind.CONTRACT_LAPSED, contract_notice(contract, version=version.number),
                       key=f"contract-{contract.id}-v{version.number}-lapsed-{side}")


def on_signed(contract: Contract) -> None:
    """The contract is active: both sides are told, with its period and limit."""
    for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
        notify_org(org_id, NotificationKind.CONTRACT_SIGNED,
                   contract_notice(contract, starts_on=contract.starts_on.isoformat()),
                   key=f"contract-{contract.id}-signed-{side}")


def on_ended(contract: Contract) -> None:
    """Expired or terminated: its pending amendment is withdrawn; on expiry both sides are told."""
    contract.ended_at = utcnow()
    pending = contract.pending_version
    if pending is not None:
        version_machine.apply(pending, "withdraw", SYSTEM, {"reason": "the contract ended"})
    if contract.status == ContractStatus.EXPIRED:
        for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
            notify_org(org_id, NotificationKind.CONTRACT_EXPIRED, contract_notice(contract),
                       key=f"contract-{contract.id}-expired-{side}")


def remind_expiring(now: datetime | None = None) -> int:
    """Sweeper step: both sides of an active contract are reminded 30 and 7 days before it ends (once each per
    end date: an extension re-arms them), with what is left of its maximum value."""
    now = now or utcnow()
    config = current_app.config
    horizon = (now + timedelta(days=max(EXPIRY_REMINDER_DAYS))).date()
    contracts = db.session.execute(
        select(Contract).where(Contract.status == ContractStatus.ACTIVE, Contract.ends_on <= horizon)
        .order_by(Contract.id).limit(1000)).scalars().all()
    sent = 0
    for contract in contracts:
        left = ends_at(contract, config) - now
        due = [d for d in EXPIRY_REMINDER_DAYS if left <= timedelta(days=d)]
        if not due:
            continue
        days = min(due)
        for org_id, side in ((contract.buyer_id, "buyer"), (contract.vendor_id, "vendor")):
            notify_org(org_id, NotificationKind.CONTRACT_EXPIRING,
                       contract_notice(contract, days_left=max(left.days, 0), ends_at=ends_at(contract, config)
                                       .isoformat()),
                       key=f"contract-{contract.id}-expiring-{contract.ends_on.isoformat()}-{days}-{side}")
        sent += 1
    return sent
