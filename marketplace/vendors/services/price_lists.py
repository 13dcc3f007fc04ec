"""Negotiated price lists: prices a vendor agreed with one buyer organisation for a period."""

from __future__ import annotations

from datetime import timedelta

from ...accounts.models import Organization, OrgKind
from ...actors import Actor
from ...database import utcnow
from ...errors import InvalidInputError, NotFoundError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate
from ...statemachine import record_event
from ..models import PriceList, PriceListItem, Product
from .profiles import get_vendor


def _items(vendor_id: int, data: dict) -> list[PriceListItem]:
    """The list's items from the body, each product the vendor's own and priced in the list's currency.

    :raises InvalidInputError: nested like the body (``{"items": {"<i>": {...}}}``).
    """
    prices = [to_minor(item["unit_price"], data["currency"], ("items", i, "unit_price"))
              for i, item in enumerate(data["items"])]
    product_ids = {item["product_id"] for item in data["items"]}
    products = {p.id: p for p in db.session.execute(
        Product.for_org(vendor_id).where(Product.id.in_(product_ids))).scalars()}
    errors = {}
    for i, item in enumerate(data["items"]):
        product = products.get(item["product_id"])
        if product is None:
            errors[str(i)] = {"product_id": ["not in your catalog"]}
        elif product.currency != data["currency"]:
            errors[str(i)] = {"product_id": [f"the product is priced in {product.currency}"]}
    if errors:
        raise InvalidInputError("some items do not fit", fields={"items": errors})
    return [PriceListItem(product_id=item["product_id"], min_qty=item["min_qty"], unit_price=price)
            for item, price in zip(data["items"], prices)]


def create_price_list(actor: Actor, data: dict) -> PriceList:
    """A vendor records prices negotiated with one buyer organisation for a period.

    :raises InvalidInputError: unknown buyer organisation, a product not in the vendor's catalog / currency,
        or a price that does not fit the currency; field errors nest like the body
        (``{"items": {"<i>": {"unit_price": [...]}}}``, also ``product_id``).
    """
    vendor = get_vendor(actor.org_id)
    buyer = db.session.get(Organization, data["buyer_org_id"])
    if buyer is None or buyer.kind != OrgKind.BUYER:
        raise InvalidInputError("no such buyer organisation", fields={"buyer_org_id": ["not a buyer organisation"]})
    items = _items(vendor.id, data)
    price_list = PriceList(vendor_id=vendor.id, buyer_org_id=buyer.id, name=data["name"], currency=data["currency"],
                           valid_from=data.get("valid_from") or utcnow(), valid_until=data.get("valid_until"))
    price_list.items = items
    db.session.add(price_list)
    db.session.flush()
    record_event("price_list", price_list.id, "create", None, None, actor, {"buyer_org_id": buyer.id})
    return price_list


def list_price_lists(actor: Actor, params: dict) -> dict:
    """One page of price lists, newest first: a vendor's own, those made for a buyer, all for admins."""
    return paginate(PriceList.visible_to(actor), params, PriceList.id, descending=True)


def get_price_list(actor: Actor, price_list_id: int) -> PriceList:
    """One price list, for its vendor, its buyer and platform admins.

    :raises NotFoundError: another organisation's price list, or no such list.
    """
    return PriceList.get_visible(actor, price_list_id)


def end_price_list(actor: Actor, price_list_id: int) -> PriceList:
    """The vendor ends a price list now (it stays as history).

    :raises NotFoundError: not one of the vendor's price lists.
    """
    price_list = PriceList.get_visible(actor, price_list_id, lock=True)
    if price_list.vendor_id != actor.org_id:  # its buyer reads it (scoped above) but only its vendor ends it
        raise NotFoundError("no such price list")
    now = utcnow()
    if price_list.valid_until is None or price_list.valid_until > now:
        price_list.valid_until = max(now, price_list.valid_from + timedelta(microseconds=1))
        record_event("price_list", price_list.id, "end", None, None, actor)
    db.session.flush()
    return price_list


def update_price_list(actor: Actor, price_list_id: int, data: dict) -> PriceList:
    """The vendor changes a price list's name, validity and items (``data`` as for :func:`create_price_list`;
    the buyer stays the same; ``valid_from`` absent keeps the current start).

    :raises NotFoundError: not one of the vendor's price lists.
    :raises InvalidInputError: another buyer, an item that does not fit, or an end before the start.
    """
    price_list = PriceList.get_visible(actor, price_list_id, lock=True)
    if price_list.vendor_id != actor.org_id:
        raise NotFoundError("no such price list")
    if data["buyer_org_id"] != price_list.buyer_org_id:
        raise InvalidInputError("a price list stays with its buyer", fields={"buyer_org_id": ["cannot change"]})
    items = _items(price_list.vendor_id, data)
    valid_from = data.get("valid_from") or price_list.valid_from
    if data.get("valid_until") is not None and data["valid_until"] <= valid_from:
        raise InvalidInputError.at(("valid_until",), "must be after valid_from")
    price_list.name, price_list.currency = data["name"], data["currency"]
    price_list.valid_from, price_list.valid_until = valid_from, data.get("valid_until")
    price_list.items.clear()
    db.session.flush()  # the old rows go first: (list, product, quantity) is unique
    price_list.items = items
    db.session.flush()
    record_event("price_list", price_list.id, "update", None, None, actor, {"items": len(items)})
    return price_list
