"""Award: whole quotes or single lines; each winning vendor gets one deal with frozen terms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ...actors import SYSTEM, Actor
from ...deals.models import Deal
from ...deals.services import create_deal
from ...errors import ConflictError, InvalidInputError
from ...extensions import db
from ...money import allocate
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ..models import Quote, QuoteLine, Rfq
from ..states import quote_machine, rfq_machine
from .rfqs import buyer_rfq


@dataclass
class Award:
    """What one award created: the deals, one per winning vendor (or, awarded as contracts, the contracts)."""

    rfq_id: int
    deals: list[Deal] = field(default_factory=list)
    contracts: list = field(default_factory=list)


def _choice(data: dict, quotes: dict[int, Quote]) -> list[tuple[int, int, tuple]]:
    """(rfq_line_id, quote_id, path of the choice in the body) for every line the buyer awards."""
    choice = []
    if data.get("quote_ids"):
        for i, qid in enumerate(data["quote_ids"]):
            if qid not in quotes:
                raise InvalidInputError("quote is not part of this RFQ",
                                        fields=InvalidInputError.nest(("quote_ids", i), "unknown quote"))
            choice += [(line.rfq_line_id, qid, ("quote_ids", i)) for line in quotes[qid].lines]
    else:
        for i, item in enumerate(data["lines"]):
            if item["quote_id"] not in quotes:
                raise InvalidInputError("quote is not part of this RFQ",
                                        fields=InvalidInputError.nest(("lines", i, "quote_id"), "unknown quote"))
            choice.append((item["rfq_line_id"], item["quote_id"], ("lines", i, "rfq_line_id")))
    return choice


def _winning_lines(rfq: Rfq, quotes: dict[int, Quote], choice) -> dict[int, list[QuoteLine]]:
    lines = {line.id: line for line in rfq.lines}
    seen: set[int] = set()
    by_quote: dict[int, list[QuoteLine]] = defaultdict(list)
    for line_id, qid, path in choice:
        if line_id not in lines:
            raise InvalidInputError("line is not part of this RFQ",
                                    fields=InvalidInputError.nest(path, f"unknown line {line_id}"))
        if line_id in seen or lines[line_id].awarded_quote_line_id is not None:
            raise ConflictError(f"line {lines[line_id].line_no} is already awarded", code="line_already_awarded")
        seen.add(line_id)
        quote = quotes[qid]
        if not quote.is_live():
            raise ConflictError(f"quote {qid} is {quote.status} or expired", code="quote_not_live")
        qline = next((l for l in quote.lines if l.rfq_line_id == line_id), None)
        if qline is None:
            raise InvalidInputError("that quote does not cover this line",
                                    fields=InvalidInputError.nest(path, f"quote {qid} has no line {line_id}"))
        by_quote[qid].append(qline)
    return by_quote


def award_rfq(actor: Actor, rfq_id: int, data: dict, *, as_contract: Callable | None = None) -> Award:
    """Award whole quotes or single lines; each winning vendor gets one deal with frozen terms. Once every
    line is awarded, the other live quotes are rejected and their vendors told.

    ``as_contract(rfq, quote, qlines, actor)``: award as framework contracts instead (the contracts package
    passes its builder); each winning vendor gets a contract to sign and no deal is made.

    :raises NotFoundError: not the buyer's RFQ.
    :raises ConflictError: a line is already awarded, a quote is not live, or the RFQ is not open/closed.
    :raises InvalidInputError: a quote or line does not belong to this RFQ (the field is named).
    """
    rfq = buyer_rfq(actor, rfq_id, lock=True)  # one award at a time per RFQ
    if not rfq.is_awardable():
        raise ConflictError(f"cannot award an RFQ that is {rfq.status}", code="illegal_transition")
    quotes = {q.id: q for q in db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id)).scalars()}
    by_quote = _winning_lines(rfq, quotes, _choice(data, quotes))
    lines = {line.id: line for line in rfq.lines}
    award = Award(rfq_id=rfq.id)
    for qid, qlines in by_quote.items():
        quote = quotes[qid]
        for ql in qlines:
            lines[ql.rfq_line_id].awarded_quote_line_id = ql.id
        share = sum(l.unit_price * l.quantity for l in qlines)
        whole = quote.subtotal()
        # the quote's freight follows the share of its goods that was awarded
        freight = allocate(quote.freight, [share, whole - share])[0] if whole else quote.freight
        quote_machine.apply(quote, "accept", actor, {"lines": [l.rfq_line_id for l in qlines],
                                                     **({"as_contract": True} if as_contract else {})})
        if as_contract is not None:
            award.contracts.append(as_contract(rfq, quote, qlines, actor))
        else:
            award.deals.append(create_deal(rfq, quote, qlines, freight, actor))
    rfq_machine.apply(rfq, "award", actor, {"quotes": sorted(by_quote)})
    if all(line.awarded_quote_line_id is not None for line in rfq.lines):
        for quote in quotes.values():
            if quote.id not in by_quote and quote.is_live():
                quote_machine.apply(quote, "reject", SYSTEM, {"reason": "another offer was chosen"})
                notify_org(quote.vendor_id, NotificationKind.QUOTE_NOT_SELECTED, {"rfq_id": rfq.id, "quote_id": quote.id},
                           key=f"quote-{quote.id}-lost")
    return award


def preview_award(actor: Actor, rfq_id: int, data: dict) -> list[dict]:
    """What :func:`award_rfq` would create for ``data``, changing nothing: one entry per winning vendor with
    its lines, goods, share of the quote's freight and total (minor units of the RFQ's currency).

    :raises NotFoundError: not the buyer's RFQ.
    :raises ConflictError: a line is already awarded, a quote is not live, or the RFQ is not open/closed.
    :raises InvalidInputError: a quote or line does not belong to this RFQ (the field is named).
    """
    rfq = buyer_rfq(actor, rfq_id)
    if not rfq.is_awardable():
        raise ConflictError(f"cannot award an RFQ that is {rfq.status}", code="illegal_transition")
    quotes = {q.id: q for q in db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id)).scalars()}
    by_quote = _winning_lines(rfq, quotes, _choice(data, quotes))
    rfq_lines = {line.id: line for line in rfq.lines}
    out = []
    for qid, qlines in by_quote.items():
        quote = quotes[qid]
        share = sum(l.unit_price * l.quantity for l in qlines)
        whole = quote.subtotal()
        freight = allocate(quote.freight, [share, whole - share])[0] if whole else quote.freight
        out.append({"quote_id": qid, "vendor_id": quote.vendor_id, "vendor_name": quote.vendor.organization.name,
                    "currency": rfq.currency, "goods": share, "freight": freight, "total": share + freight,
                    "incoterm": quote.incoterm, "lead_time_days": quote.lead_time_days,
                    "payment_terms": quote.payment_terms,
                    "lines": [{"rfq_line_id": l.rfq_line_id, "line_no": rfq_lines[l.rfq_line_id].line_no,
                               "description": rfq_lines[l.rfq_line_id].description, "quantity": l.quantity,
                               "unit": rfq_lines[l.rfq_line_id].unit, "unit_price": l.unit_price,
                               "amount": l.unit_price * l.quantity} for l in qlines]})
    return out


def rfq_deals(actor: Actor, rfq_id: int) -> list[Deal]:
    """The deals awarded on the buyer's RFQ, oldest first.

    :raises NotFoundError: not the buyer's RFQ.
    """
    rfq = buyer_rfq(actor, rfq_id)
    return list(db.session.execute(select(Deal).where(Deal.rfq_id == rfq.id).order_by(Deal.id)).scalars())
