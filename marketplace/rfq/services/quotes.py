"""Quotes: submit, revise (every version kept, with diffs), withdraw, reject, and the buyer's counter-offer."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ...accounts.models import SELLERS, Organization
from ...actors import Actor, ActorRole
from ...database import utcnow
from ...errors import ConflictError, InvalidInputError, NotFoundError
from ...escrow.models import MilestoneDue
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import paginate, paginate_list
from ...money import MAX_MINOR, format_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...statemachine import Event, NextStep, record_event
from ...vendors.models import VendorProfile
from ..models import (
    LineChange,
    Quote,
    QuoteLine,
    QuoteStatus,
    QuoteVersion,
    Rfq,
)
from ..states import quote_machine
from .freight import attach_rate
from .rfqs import vendor_rfq, visible_rfq

#: the terms whose changes a version diff reports, besides the lines
DIFF_TERMS = ("incoterm", "freight", "lead_time_days", "payment_terms", "valid_until")
#: the line fields whose changes a version diff reports
DIFF_LINE_FIELDS = ("unit_price", "quantity", "lead_time_days")


def _quote_lines(rfq: Rfq, lines: list[dict]) -> list[QuoteLine]:
    known = {line.id for line in rfq.lines}
    out = []
    for i, line in enumerate(lines):
        if line["rfq_line_id"] not in known:
            raise InvalidInputError("this line is not part of the RFQ",
                                    fields=InvalidInputError.nest(("lines", i, "rfq_line_id"), "unknown line"))
        out.append(QuoteLine(rfq_line_id=line["rfq_line_id"], quantity=line["quantity"],
                             unit_price=to_minor(line["unit_price"], rfq.currency, ("lines", i, "unit_price")),
                             lead_time_days=line.get("lead_time_days"), notes=line.get("notes", "")))
    return out


def _snapshot(quote: Quote) -> dict:
    """The revision's terms as stored in ``quote_versions`` (money in minor units)."""
    return {"revision": quote.revision, "incoterm": quote.incoterm, "freight": quote.freight,
            "freight_rate": quote.freight_rate, "shipment": quote.shipment,
            "lead_time_days": quote.lead_time_days, "valid_until": quote.valid_until.isoformat(),
            "payment_terms": quote.payment_terms, "notes": quote.notes,
            "lines": [{"rfq_line_id": l.rfq_line_id, "unit_price": l.unit_price, "quantity": l.quantity,
                       "lead_time_days": l.lead_time_days} for l in quote.lines]}


def _apply_quote_fields(quote: Quote, rfq: Rfq, data: dict) -> None:
    now = utcnow()
    valid_until = data.get("valid_until") or now + timedelta(days=current_app.config["QUOTE_VALIDITY_DAYS"])
    if valid_until <= now:
        raise InvalidInputError.at(("valid_until",), "validity must end in the future")
    quote.incoterm = data.get("incoterm") or rfq.incoterm
    typed = to_minor(data["freight"], rfq.currency, ("freight",)) if data.get("freight") is not None else None
    quote.freight = typed or 0
    choice = data.get("freight_rate")
    if choice and choice.get("amount") is not None:
        choice = {**choice, "amount": to_minor(choice["amount"], rfq.currency, ("freight_rate", "amount"))}
    attach_rate(quote, rfq, {**data, "freight": typed, "freight_rate": choice})
    quote.lead_time_days = data["lead_time_days"]
    quote.valid_until = valid_until
    quote.payment_terms = data.get("payment_terms") or [
        {"name": "full", "percent": 100, "due": MilestoneDue.BEFORE_SHIPMENT.value}]
    quote.notes = data.get("notes", "")
    new_lines = _quote_lines(rfq, data["lines"])
    if quote.id is not None:  # a revision: old lines go first, or (quote, line) would be taken twice
        quote.lines.clear()
        db.session.flush()
    quote.lines = new_lines
    if quote.subtotal() + quote.freight > MAX_MINOR:  # the deal's total must fit its column
        raise InvalidInputError.at(("lines",), "the quote total is too large")


def _require_quotable(rfq: Rfq) -> None:
    if not rfq.accepts_quotes():
        raise ConflictError("this RFQ no longer accepts quotes", code="quotes_closed")


def submit_quote(actor: Actor, rfq_id: int, data: dict) -> Quote:
    """An invited (or, for open RFQs, any verified) vendor quotes; the buyer is told.

    :raises NotFoundError: the vendor may not see this RFQ.
    :raises ConflictError: the deadline passed, the vendor is not verified, or it already quoted.
    :raises InvalidInputError: a price does not fit the RFQ's currency, or a line is not the RFQ's.
    """
    rfq = vendor_rfq(actor.org_id, rfq_id)
    vendor = db.session.get(VendorProfile, actor.org_id)
    if not vendor.is_verified():
        raise ConflictError("only verified vendors can quote", code="vendor_not_verified")
    _require_quotable(rfq)
    db.session.execute(select(Rfq.id).where(Rfq.id == rfq.id).with_for_update())  # serialise against award
    if db.session.execute(select(Quote.id).where(Quote.rfq_id == rfq.id, Quote.vendor_id == vendor.id)).first():
        raise ConflictError("you already quoted on this RFQ; revise that quote instead", code="already_quoted")
    quote = Quote(rfq_id=rfq.id, vendor_id=vendor.id, currency=rfq.currency)
    _apply_quote_fields(quote, rfq, data)
    db.session.add(quote)
    db.session.flush()
    db.session.add(QuoteVersion(quote_id=quote.id, revision=1, snapshot=_snapshot(quote)))
    quote_machine.start(quote, actor)
    notify_org(rfq.buyer_id, NotificationKind.QUOTE_RECEIVED, quote_notice(rfq, quote), key=f"quote-{quote.id}-1")
    return quote


def quote_notice(rfq: Rfq, quote: Quote) -> dict:
    """What the buyer is told of a quote: its vendor, total (goods and freight) and validity."""
    return {"rfq_id": rfq.id, "quote_id": quote.id, "revision": quote.revision, "title": rfq.title,
            "vendor_name": db.session.get(Organization, quote.vendor_id).name,
            "total": format_amount(quote.total_amount, quote.currency), "currency": quote.currency,
            "valid_until_at": quote.valid_until.isoformat()}


def visible_quote(actor: Actor, quote_id: int) -> Quote:
    """One quote: its vendor's, or on the buyer's RFQ; admins any.

    :raises NotFoundError: anything else.
    """
    return Quote.get_visible(actor, quote_id)


def _own_quote(actor: Actor, quote_id: int) -> Quote:
    if actor.role != ActorRole.VENDOR:
        raise NotFoundError("no such quote")
    return Quote.get_visible(actor, quote_id)


def _buyers_quote(actor: Actor, quote_id: int) -> Quote:
    if actor.role != ActorRole.BUYER:
        raise NotFoundError("no such quote")
    return Quote.get_visible(actor, quote_id)


def revise_quote(actor: Actor, quote_id: int, data: dict) -> Quote:
    """The vendor replaces its quote with a new version; earlier versions stay readable; the buyer is told.

    :raises NotFoundError: not the vendor's quote.
    :raises ConflictError: the RFQ no longer accepts quotes, or the quote is not live.
    :raises InvalidInputError: a price does not fit the RFQ's currency, or a line is not the RFQ's.
    """
    quote = _own_quote(actor, quote_id)
    rfq = db.session.get(Rfq, quote.rfq_id)
    _require_quotable(rfq)
    quote_machine.apply(quote, "revise", actor, {"revision": quote.revision + 1})
    quote = db.session.get(Quote, quote_id)
    quote.revision += 1
    quote.revision_requested = None
    _apply_quote_fields(quote, rfq, data)
    db.session.flush()
    db.session.add(QuoteVersion(quote_id=quote.id, revision=quote.revision, snapshot=_snapshot(quote)))
    # the new validity replaces the deadline the revise transition scheduled from the old one
    quote_machine.restart_timers(quote)
    notify_org(rfq.buyer_id, NotificationKind.QUOTE_REVISED, quote_notice(rfq, quote),
               key=f"quote-{quote.id}-{quote.revision}")
    return quote


def request_revision(actor: Actor, quote_id: int, message: str) -> Quote:
    """The buyer asks a vendor for a better offer (a counter-offer message); the vendor is told.

    :raises NotFoundError: not a quote on the buyer's RFQ.
    :raises ConflictError: the quote is no longer live.
    """
    quote = _buyers_quote(actor, quote_id)
    if not quote.is_live():
        raise ConflictError(f"cannot ask to revise a quote that is {quote.status}")
    quote.revision_requested = message
    record_event("quote", quote.id, "revision_requested", quote.status, quote.status, actor, {"message": message})
    notify_org(quote.vendor_id, NotificationKind.REVISION_REQUESTED, {"quote_id": quote.id, "message": message},
               key=f"quote-{quote.id}-ask-{quote.revision}")
    return quote


def reject_quote(actor: Actor, quote_id: int, reason: str | None = None) -> Quote:
    """The buyer turns a quote down; the vendor is told.

    :raises NotFoundError: not a quote on the buyer's RFQ.
    :raises IllegalTransitionError: the quote is no longer live.
    """
    quote = _buyers_quote(actor, quote_id)
    if quote_machine.apply(quote, "reject", actor, {"reason": reason}):
        notify_org(quote.vendor_id, NotificationKind.QUOTE_NOT_SELECTED, {"rfq_id": quote.rfq_id, "quote_id": quote.id},
                   key=f"quote-{quote.id}-lost")
    return quote


def withdraw_quote(actor: Actor, quote_id: int) -> Quote:
    """The vendor pulls its quote.

    :raises NotFoundError: not the vendor's quote.
    :raises IllegalTransitionError: the quote is no longer live.
    """
    quote = _own_quote(actor, quote_id)
    quote_machine.apply(quote, "withdraw", actor)
    return quote


def quotes_for(actor: Actor, rfq_id: int, status: str | None = None):
    """A SELECT of the quotes on an RFQ the actor may read: the buyer every quote, a vendor its own.

    :raises NotFoundError: the actor may not see the RFQ.
    """
    rfq = visible_rfq(actor, rfq_id)
    stmt = Quote.visible_to(actor).where(Quote.rfq_id == rfq.id)
    return stmt.where(Quote.status == status) if status else stmt


def list_quotes(actor: Actor, rfq_id: int, params: dict) -> dict:
    """One page (by id) of the quotes on an RFQ the actor may read (:func:`quotes_for`), optionally of one status.

    :raises NotFoundError: the actor may not see the RFQ.
    :raises InvalidInputError: a bad cursor.
    """
    return paginate(quotes_for(actor, rfq_id, params.get("status")), params, Quote.id)


def _with_currency(snapshot: dict, currency: str) -> dict:
    return {**snapshot, "currency": currency,
            "lines": [{**line, "currency": currency} for line in snapshot["lines"]]}


def _changes(previous: dict, snap: dict, currency: str) -> list[dict]:
    changes: list[dict] = []
    old_lines = {l["rfq_line_id"]: l for l in previous["lines"]}
    new_lines = {l["rfq_line_id"]: l for l in snap["lines"]}
    for line_id in sorted(old_lines.keys() | new_lines.keys()):
        old, new = old_lines.get(line_id), new_lines.get(line_id)
        if old is None or new is None:
            changes.append({"rfq_line_id": line_id, "change": LineChange.ADDED if old is None else LineChange.REMOVED})
            continue
        fields = {k: {"from": old.get(k), "to": new.get(k), "currency": currency} for k in DIFF_LINE_FIELDS
                  if old.get(k) != new.get(k)}
        if fields:
            changes.append({"rfq_line_id": line_id, "change": LineChange.CHANGED, "fields": fields})
    for key in DIFF_TERMS:
        if previous.get(key) != snap.get(key):
            changes.append({"field": key, "from": previous.get(key), "to": snap.get(key), "currency": currency})
    return changes


def version_diffs(quote: Quote) -> list[dict]:
    """Every revision of a quote, oldest first, with a line-level diff against the one before (minor units)."""
    versions = db.session.execute(
        select(QuoteVersion).where(QuoteVersion.quote_id == quote.id).order_by(QuoteVersion.revision)).scalars()
    out, previous = [], None
    for version in versions:
        snap = version.snapshot
        changes = _changes(previous, snap, quote.currency) if previous is not None else []
        out.append({"revision": version.revision, "created_at": version.created_at,
                    "snapshot": _with_currency(snap, quote.currency), "changes": changes})
        previous = snap
    return out


def versions_page(actor: Actor, quote_id: int, params: dict) -> dict:
    """One page of a quote's revisions (by revision number), each with its diff against the previous one.

    :raises NotFoundError: the actor may not read the quote.
    :raises InvalidInputError: a bad cursor.
    """
    quote = visible_quote(actor, quote_id)
    return paginate_list(version_diffs(quote), params, lambda v: v["revision"], order="revision")


def quote_events(actor: Actor, quote_id: int, params: dict) -> dict:
    """One page of the quote's timeline, oldest first: its vendor, the RFQ's buyer, admins.

    :raises NotFoundError: the actor may not read the quote (another vendor's quote included).
    :raises InvalidInputError: a bad cursor.
    """
    quote = visible_quote(actor, quote_id)
    stmt = select(Event).where(Event.subject_type == quote_machine.subject, Event.subject_id == quote.id)
    return paginate(stmt, params, Event.id)


# --- the vendor's side: its quotes, what it may do with one, what comes next --------------------------


def vendor_quotes(actor: Actor, params: dict) -> dict:
    """One page of the calling vendor's own quotes on every RFQ, newest first; ``status`` filters.

    :raises InvalidInputError: a bad cursor.
    """
    stmt = select(Quote).where(Quote.vendor_id == actor.org_id)
    if params.get("status"):
        stmt = stmt.where(Quote.status == params["status"])
    return paginate(stmt, params, Quote.id, descending=True)


def own_quote_on(actor: Actor, rfq_id: int) -> Quote | None:
    """The calling vendor's quote on ``rfq_id``, if it quoted."""
    return db.session.execute(
        select(Quote).where(Quote.rfq_id == rfq_id, Quote.vendor_id == actor.org_id)).scalar_one_or_none()


def own_quotes_on(actor: Actor, rfq_ids) -> dict[int, Quote]:
    """:func:`own_quote_on` of many RFQs in one statement: RFQ id -> the calling vendor's quote (where it quoted)."""
    ids = set(rfq_ids)
    if not ids:
        return {}
    return {q.rfq_id: q for q in db.session.execute(
        select(Quote).where(Quote.rfq_id.in_(ids), Quote.vendor_id == actor.org_id)).scalars()}


def quote_actions(actor: Actor, quote: Quote) -> list[str]:
    """What ``actor`` may do with the quote now (``revise``, ``withdraw``): its vendor's sales side, while the
    quote is live; revising also needs the RFQ to take quotes."""
    if actor.role != ActorRole.VENDOR or quote.vendor_id != actor.org_id or not quote.is_live():
        return []
    allowed = quote_machine.allowed(quote.status, actor.role)
    rfq = db.session.get(Rfq, quote.rfq_id)
    return [name for name in ("revise", "withdraw") if name in allowed and (name != "revise" or rfq.accepts_quotes())]


def quote_next_step(actor: Actor, quote: Quote) -> NextStep:
    """The vendor's next step on its quote.

    A counter-offer from the buyer asks for a revision before the quote deadline; a live quote waits for the
    buyer's award until its validity ends (then it expires); an accepted quote goes on as a deal; anything
    else asks nothing.
    """
    rfq = db.session.get(Rfq, quote.rfq_id)
    if quote.is_live():
        if quote.revision_requested and rfq.accepts_quotes():
            return NextStep("revise_requested", rfq.quote_deadline, "rfq_closes")
        return NextStep(None, quote.valid_until, "quote_expires", waiting_for="buyer")
    if quote.status == QuoteStatus.ACCEPTED:
        return NextStep("fulfil_deal")
    return NextStep(None)


def may_quote(actor: Actor, rfq: Rfq) -> bool:
    """Whether ``actor`` may send a first quote on ``rfq`` now: a sales member of a verified vendor that has not
    quoted yet, while the RFQ takes quotes (the rule :func:`submit_quote` enforces)."""
    if actor.role != ActorRole.VENDOR or actor.member_role not in SELLERS or not rfq.accepts_quotes():
        return False
    vendor = db.session.get(VendorProfile, actor.org_id)
    return vendor is not None and vendor.is_verified() and own_quote_on(actor, rfq.id) is None
