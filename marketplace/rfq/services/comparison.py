"""Quotes side by side: landed cost at the RFQ's delivery place in its currency, coverage, gaps flagged."""

from __future__ import annotations

from sqlalchemy import select

from ...actors import Actor
from ...database import utcnow
from ...extensions import db
from ..models import Quote
from .freight import estimate_freight
from .rfqs import buyer_rfq

#: Incoterms under which the vendor's price carries the goods to the buyer's named place (C and D
#: terms); under E and F terms the buyer still pays the main carriage, which the quote does not show.
SELLER_PAYS_CARRIAGE = frozenset({"CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"})


def _flags(rfq, quote: Quote, lines: dict, now) -> list[str]:
    flags = []
    for line in rfq.lines:
        offered = lines.get(line.id)
        if offered is None:
            flags.append(f"line {line.line_no} not quoted")
        elif offered.quantity < line.quantity:
            flags.append(f"line {line.line_no}: offers {offered.quantity} of {line.quantity} {line.unit}")
    if quote.incoterm not in SELLER_PAYS_CARRIAGE:
        flags.append(f"{quote.incoterm}: main carriage to the delivery place is not included")
    if quote.valid_until <= now:
        flags.append("validity has lapsed")
    if not quote.is_live(now):
        flags.append(f"quote is {quote.status}")
    return flags


def _estimate(found: dict | None, currency: str) -> dict | None:
    rate = found and found["rate"]
    if not rate:
        return None
    return {"amount": rate["amount"], "currency": currency, "carrier": rate["carrier"],
            "carrier_name": rate["carrier_name"], "service": rate["service"], "transit_days": rate["transit_days"],
            "eta": rate["eta"], "origin": rate["origin"], "destination": rate["destination"], "estimate": True}


def _row(rfq, quote: Quote, now, estimate: dict | None = None) -> dict:
    lines = {l.rfq_line_id: l for l in quote.lines}
    flags = _flags(rfq, quote, lines, now)
    covered = sum(1 for line in rfq.lines if line.id in lines)
    goods = quote.subtotal()
    estimated = _estimate(estimate, rfq.currency)
    return {
        "quote_id": quote.id, "vendor_id": quote.vendor_id, "vendor_name": quote.vendor.organization.name,
        "status": quote.status, "revision": quote.revision, "incoterm": quote.incoterm, "currency": rfq.currency,
        "goods": goods, "freight": quote.freight, "landed_cost": goods + quote.freight,
        "freight_rate": quote.freight_rate, "estimated_freight": estimated,
        "estimated_freight_missing": estimate["missing"] if estimate else None,
        "landed_total": goods + quote.freight + (estimated["amount"] if estimated else 0),
        "landed_total_estimated": estimated is not None,
        "lead_time_days": quote.lead_time_days, "payment_terms": quote.payment_terms,
        "valid_until": quote.valid_until, "coverage": f"{covered}/{len(rfq.lines)}", "complete": not flags,
        "flags": flags, "live": quote.is_live(now),
        "lines": [{"rfq_line_id": line.id, "line_no": line.line_no, "currency": rfq.currency,
                   "unit_price": lines[line.id].unit_price if line.id in lines else None,
                   "quantity": lines[line.id].quantity if line.id in lines else None} for line in rfq.lines],
    }


def compare_quotes(actor: Actor, rfq_id: int) -> dict:
    """Every quote on the buyer's RFQ side by side (money in minor units of the RFQ's currency), with the
    cheapest live quote at landed total and the cheapest live offer per line.

    A quote on E/F terms gets ``estimated_freight``: the enabled carriers' cheapest rate for its vendor's lane and
    shipment (an estimate), or ``estimated_freight_missing`` saying why there is none; ``landed_total`` is goods +
    freight + that estimate.

    :raises NotFoundError: not the buyer's RFQ.
    """
    rfq = buyer_rfq(actor, rfq_id)
    quotes = db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id).order_by(Quote.id)).scalars().all()
    now = utcnow()
    estimates = estimate_freight(rfq, quotes)  # once for the whole table: one price per distinct lane and load
    rows = [_row(rfq, quote, now, estimates.get(quote.id)) for quote in quotes]
    # E/F quotes count with the carriage the buyer would pay, so every incoterm compares at the delivery place
    cheapest = min((r for r in rows if r["live"]), key=lambda r: (r["landed_total"], r["quote_id"]), default=None)
    best_per_line = []
    for line in rfq.lines:
        offers = [(offered.unit_price, quote.id) for quote in quotes if quote.is_live(now)
                  for offered in quote.lines if offered.rfq_line_id == line.id]
        best_per_line.append({"rfq_line_id": line.id, "quote_id": min(offers)[1] if offers else None})
    return {"rfq_id": rfq.id, "currency": rfq.currency, "delivery_region": rfq.delivery_region,
            "incoterm": rfq.incoterm, "quotes": rows, "cheapest_quote_id": cheapest["quote_id"] if cheapest else None,
            "best_quote_per_line": best_per_line}


def gap_codes(rfq, quote: Quote, now=None) -> list[dict]:
    """The gaps :func:`_flags` words in English, as codes with their values (pages word them in the reader's
    language): ``line_not_quoted``, ``short_quantity``, ``carriage_excluded``, ``validity_lapsed``, ``not_live``."""
    now = now or utcnow()
    lines = {l.rfq_line_id: l for l in quote.lines}
    gaps = []
    for line in rfq.lines:
        offered = lines.get(line.id)
        if offered is None:
            gaps.append({"code": "line_not_quoted", "line_no": line.line_no})
        elif offered.quantity < line.quantity:
            gaps.append({"code": "short_quantity", "line_no": line.line_no, "offered": offered.quantity,
                         "wanted": line.quantity, "unit": line.unit})
    if quote.incoterm not in SELLER_PAYS_CARRIAGE:
        gaps.append({"code": "carriage_excluded", "incoterm": quote.incoterm})
    if quote.valid_until <= now:
        gaps.append({"code": "validity_lapsed"})
    if not quote.is_live(now):
        gaps.append({"code": "not_live", "status": quote.status})
    return gaps


def comparison_gaps(actor: Actor, rfq_id: int) -> dict[int, list[dict]]:
    """Quote id -> :func:`gap_codes` for every quote on the buyer's RFQ.

    :raises NotFoundError: not the buyer's RFQ.
    """
    rfq = buyer_rfq(actor, rfq_id)
    now = utcnow()
    quotes = db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id)).scalars()
    return {quote.id: gap_codes(rfq, quote, now) for quote in quotes}
