"""Freight on quotes: the carriers' prices for a vendor's lane to the RFQ's delivery province, the rate a vendor
attaches to its quote's freight, and the buyer's estimate of the main carriage a quote on E/F terms leaves out.

A lane runs from the vendor's warehouse (its ``warehouse`` address, else its registered one, else any address)
to the RFQ's ``delivery_region``; both must be ISO 3166-2 province codes the carriers know (``VN-HN``). A quote's
``shipment`` (parcels and pallets, as the vendor packs the goods) is what is priced."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ...actors import Actor
from ...database import utcnow
from ...errors import ConflictError, InvalidInputError
from ...extensions import db
from ...shipping.carriers import PROVINCES
from ...shipping.services import quote_rates
from ...vendors.models import AddressKind, VendorProfile
from ..models import Quote, Rfq
from .rfqs import vendor_rfq

#: why a quote on E/F terms has no estimated freight in the comparison
NO_ORIGIN = "no_origin_province"  #: the vendor has no address with a province code the carriers know
NO_DESTINATION = "no_destination_province"  #: the RFQ's delivery region is not a province code the carriers know
NO_SHIPMENT = "no_shipment"  #: the quote does not say how the goods are packed (parcels, pallets)
NO_RATE = "no_rate"  #: no enabled carrier quotes this lane, shipment and currency
ESTIMATE_MISSING = (NO_ORIGIN, NO_DESTINATION, NO_SHIPMENT, NO_RATE)

#: the order in which a vendor's addresses are taken as the place its goods leave from
_ORIGIN_KINDS = (AddressKind.WAREHOUSE, AddressKind.REGISTERED)


def vendor_origin(vendor: VendorProfile | None) -> str | None:
    """The province the vendor's goods leave from: the region of its warehouse address, else of its registered
    address, else of any other; None when no address carries a province code the carriers know."""
    addresses = [a for a in (vendor.addresses if vendor is not None else None) or []
                 if a.get("region") in PROVINCES]
    ranked = sorted(addresses, key=lambda a: _ORIGIN_KINDS.index(a.get("kind"))
                    if a.get("kind") in _ORIGIN_KINDS else len(_ORIGIN_KINDS))
    return ranked[0]["region"] if ranked else None


def rfq_destination(rfq: Rfq) -> str | None:
    """The RFQ's delivery province when the carriers know it (a bare country such as ``VN`` is not a lane's end)."""
    return rfq.delivery_region if rfq.delivery_region in PROVINCES else None


def _lane(rfq: Rfq, vendor: VendorProfile) -> tuple[str, str]:
    origin, destination = vendor_origin(vendor), rfq_destination(rfq)
    if origin is None:
        raise ConflictError("add an address with its province code (region, e.g. VN-HN) to your profile to "
                            "price freight", code=NO_ORIGIN)
    if destination is None:
        raise ConflictError("the RFQ names no delivery province (e.g. VN-SG): freight cannot be priced",
                            code=NO_DESTINATION)
    return origin, destination


def _shipment(data: dict) -> dict:
    """The stored shape of a shipment (parcels as plain dicts, pallets a count)."""
    return {"parcels": [dict(p) for p in data.get("parcels", ())], "pallets": data.get("pallets", 0)}


def _rates(origin: str, destination: str, shipment: dict, currency: str) -> list[dict]:
    return quote_rates({"origin": origin, "destination": destination, "parcels": shipment["parcels"],
                        "pallets": shipment["pallets"], "currency": currency})["rates"]


def lane_rates(actor: Actor, rfq_id: int, data: dict) -> dict:
    """The enabled carriers' prices, cheapest first, for the calling vendor's goods (``data``: ``parcels``,
    ``pallets``) from its warehouse to the RFQ's delivery province, in the RFQ's currency.

    :raises NotFoundError: the vendor may not see the RFQ.
    :raises ConflictError: the vendor has no province on its addresses, or the RFQ names no delivery province.
    """
    rfq = vendor_rfq(actor.org_id, rfq_id)
    origin, destination = _lane(rfq, db.session.get(VendorProfile, actor.org_id))
    shipment = _shipment(data)
    return {"rfq_id": rfq.id, "origin": origin, "destination": destination, "currency": rfq.currency,
            "shipment": shipment, "rates": _rates(origin, destination, shipment, rfq.currency)}


def attach_rate(quote: Quote, rfq: Rfq, data: dict) -> None:
    """Set the quote's ``shipment`` and, when ``data`` names a ``freight_rate`` (``carrier``, ``service``, optionally
    the ``amount`` the vendor saw), price the lane again and take ``freight`` from that carrier's rate.

    :raises InvalidInputError: a rate on E/F terms (the buyer pays the carriage), a typed freight that differs
        from the rate, or a carrier/service that does not quote this lane.
    :raises ConflictError: no province at one end of the lane, or the price changed since the vendor saw it.
    """
    quote.shipment = _shipment(data["shipment"]) if data.get("shipment") else None
    choice = data.get("freight_rate")
    if not choice:
        quote.freight_rate = None
        return
    if quote.leaves_carriage_to_buyer():
        raise InvalidInputError.at(("freight_rate",), "under EXW, FCA, FAS and FOB the buyer books the main "
                                                      "carriage: quote a C or D incoterm to include freight")
    origin, destination = _lane(rfq, db.session.get(VendorProfile, quote.vendor_id))
    rates = _rates(origin, destination, quote.shipment, rfq.currency)
    rate = next((r for r in rates if r["carrier"] == choice["carrier"] and r["service"] == choice["service"]), None)
    if rate is None:
        raise InvalidInputError.at(("freight_rate",), "this carrier and service do not quote this lane now; "
                                                      "get the prices again")
    if choice.get("amount") is not None and choice["amount"] != rate["amount"]:
        raise ConflictError("the carrier's price changed since you saw it; get the prices again", code="rate_changed",
                            details={"amount": rate["amount"], "currency": rate["currency"]})
    if data.get("freight") is not None and data["freight"] != rate["amount"]:
        raise InvalidInputError.at(("freight",), "freight comes from the attached rate: leave it out")
    quote.freight = rate["amount"]
    quote.freight_rate = {"carrier": rate["carrier"], "carrier_name": rate["carrier_name"],
                          "service": rate["service"], "amount": rate["amount"], "currency": rate["currency"],
                          "transit_days": rate["transit_days"], "estimate": rate["estimate"], "origin": origin,
                          "destination": destination, "priced_at": utcnow().isoformat()}


def estimate_freight(rfq: Rfq, quotes: Iterable[Quote]) -> dict[int, dict]:
    """Quote id -> ``{"rate": the cheapest enabled carrier's rate | None, "missing": a reason | None}`` for every
    quote on E/F terms: what the buyer would pay to carry its goods (always an estimate).

    Each distinct (origin, shipment) is priced once, whatever the number of quotes; the quotes' vendors come
    loaded with them, so nothing is read per quote.
    """
    destination = rfq_destination(rfq)
    priced: dict[tuple[str, str], dict | None] = {}
    out: dict[int, dict] = {}
    for quote in quotes:
        if not quote.leaves_carriage_to_buyer():
            continue
        origin = vendor_origin(quote.vendor)
        missing = (NO_DESTINATION if destination is None else NO_ORIGIN if origin is None
                   else NO_SHIPMENT if not quote.shipment else None)
        if missing:
            out[quote.id] = {"rate": None, "missing": missing}
            continue
        key = (origin, json.dumps(quote.shipment, sort_keys=True))
        if key not in priced:
            rates = _rates(origin, destination, quote.shipment, rfq.currency)
            priced[key] = {**rates[0], "origin": origin, "destination": destination} if rates else None
        rate = priced[key]
        out[quote.id] = {"rate": rate, "missing": None if rate else NO_RATE}
    return out
