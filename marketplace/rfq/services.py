"""RFQ verbs: draft, publish, match and invite, quote, revise, withdraw, award."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert

from ..database import utcnow
from ..errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..money import MAX_MINOR, MoneyError, allocate, parse_amount
from ..statemachine import SYSTEM, Actor, record_event
from ..text import fold
from ..vendors.models import VendorProfile
from .models import Invitation, Quote, QuoteLine, QuoteStatus, QuoteVersion, Rfq, RfqLine, RfqStatus
from .states import quote_machine, rfq_machine


def _amount(text: str, currency: str, field: str) -> int:
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        raise InvalidInputError(str(exc), fields={field: [str(exc)]}) from None
    if value < 0:
        raise InvalidInputError("amounts must not be negative", fields={field: ["must not be negative"]})
    return value


def create_rfq(actor: Actor, default_currency: str, data: dict) -> Rfq:
    """A buyer member drafts an RFQ.

    :raises InvalidInputError: a price does not fit the currency, or the deadline is in the past.
    """
    currency = data.get("currency") or default_currency
    if data.get("quote_deadline") and data["quote_deadline"] <= utcnow():
        raise InvalidInputError("the quote deadline must be in the future", fields={"quote_deadline": ["in the past"]})
    from ..vendors.models import Category

    for i, line in enumerate(data["lines"]):
        if line.get("category_id") is not None and db.session.get(Category, line["category_id"]) is None:
            raise InvalidInputError("unknown category", fields={f"lines.{i}.category_id": ["no such category"]})
    rfq = Rfq(buyer_id=actor.org_id, created_by=actor.user_id, currency=currency,
              **{k: v for k, v in data.items() if k not in ("lines", "currency")})
    rfq.lines = [
        RfqLine(line_no=i + 1, description=line["description"], hs_code=line.get("hs_code"),
                category_id=line.get("category_id"), quantity=line["quantity"],
                unit=line["unit"],
                target_unit_price=_amount(line["target_unit_price"], currency, f"lines.{i}.target_unit_price")
                if line.get("target_unit_price") else None)
        for i, line in enumerate(data["lines"])
    ]
    rfq.search_text = " ".join(fold(t) for t in [rfq.title, rfq.description, *(l.description for l in rfq.lines)])
    db.session.add(rfq)
    rfq_machine.start(rfq, actor)
    return rfq


def buyer_rfq(org_id: int, rfq_id: int, *, lock: bool = False) -> Rfq:
    stmt = Rfq.for_org(org_id).where(Rfq.id == rfq_id)
    rfq = db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if rfq is None:
        raise NotFoundError("no such RFQ")
    return rfq


def is_invited(rfq_id: int, vendor_id: int) -> bool:
    return db.session.execute(
        select(Invitation.id).where(Invitation.rfq_id == rfq_id, Invitation.vendor_id == vendor_id)
    ).first() is not None


def vendor_rfq(vendor_id: int, rfq_id: int) -> Rfq:
    """An RFQ as a vendor may see it: invited, or open to all verified vendors.

    :raises NotFoundError: drafts, other buyers' invite-only RFQs, unknown ids.
    """
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None or rfq.status == RfqStatus.DRAFT:
        raise NotFoundError("no such RFQ")
    if is_invited(rfq.id, vendor_id):
        return rfq
    vendor = db.session.get(VendorProfile, vendor_id)
    if rfq.visibility == "open" and vendor is not None and vendor.is_verified():
        return rfq
    raise NotFoundError("no such RFQ")


def visible_rfq(actor: Actor, rfq_id: int) -> Rfq:
    if actor.role == "buyer":
        return buyer_rfq(actor.org_id, rfq_id)
    if actor.role == "vendor":
        return vendor_rfq(actor.org_id, rfq_id)
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None:
        raise NotFoundError("no such RFQ")
    return rfq


def rfqs_for(actor: Actor, status: str | None = None):
    """The RFQs ``actor`` may list: a buyer its own; a vendor those it is invited to and, once
    verified, the open board; admins all."""
    if actor.role == "buyer":
        stmt = Rfq.for_org(actor.org_id)
    elif actor.role == "vendor":
        invited = select(Invitation.rfq_id).where(Invitation.vendor_id == actor.org_id)
        vendor = db.session.get(VendorProfile, actor.org_id)
        visible = or_(Rfq.id.in_(invited), Rfq.visibility == "open") if vendor and vendor.is_verified() \
            else Rfq.id.in_(invited)
        stmt = select(Rfq).where(Rfq.status != RfqStatus.DRAFT, visible)
    else:
        stmt = select(Rfq)
    return stmt.where(Rfq.status == status) if status else stmt


def publish_rfq(actor: Actor, rfq_id: int) -> Rfq:
    """Open the RFQ to quotes and start matching in the background.

    :raises IllegalTransitionError: not a draft.
    """
    from ..accounts.models import Organization
    from ..deals.services import APPROVER_ROLES

    rfq = buyer_rfq(actor.org_id, rfq_id)
    threshold = db.session.get(Organization, actor.org_id).approval_threshold
    if (rfq.status == RfqStatus.DRAFT and threshold is not None and rfq.estimated_value() > threshold
            and actor.member_role not in APPROVER_ROLES):
        raise ForbiddenError("this RFQ's estimated value is above your organisation's approval threshold; "
                             "an approver must publish it", code="approval_required")
    if rfq.quote_deadline is None:
        rfq.quote_deadline = utcnow() + timedelta(days=current_app.config["QUOTE_VALIDITY_DAYS"] // 2 or 7)
    elif rfq.status == RfqStatus.DRAFT and rfq.quote_deadline <= utcnow():
        raise ConflictError("the quote deadline has passed; set a new one", code="deadline_passed")
    if rfq_machine.apply(rfq, "publish", actor):
        rfq.published_at = utcnow()
        enqueue_after_commit("marketplace.rfq.jobs.match_rfq", rfq.id, queue="bulk", job_id=f"match-rfq-{rfq.id}")
    return rfq


def invite_vendors(rfq: Rfq, ranked: list[dict], source: str) -> int:
    """Store invitations (idempotent per vendor) and notify the vendors invited now."""
    added = 0
    for row in ranked:
        stmt = insert(Invitation).values(
            rfq_id=rfq.id, vendor_id=row["vendor_id"], source=source, rank=row.get("rank"),
            score=row.get("score"), rationale=row.get("rationale", {}), created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["rfq_id", "vendor_id"]).returning(Invitation.id)
        if db.session.execute(stmt).scalar_one_or_none() is not None:
            added += 1
            from ..notifications.services import notify_org

            notify_org(row["vendor_id"], "rfq_invitation", {"rfq_id": rfq.id, "title": rfq.title},
                       key=f"rfq-{rfq.id}-invite-{row['vendor_id']}")
    return added


def match_and_invite(rfq_id: int) -> int:
    """Run matching for an open RFQ and invite the top K vendors. Re-running adds no duplicates."""
    from .matching import match_vendors

    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None or rfq.status != RfqStatus.OPEN:
        return 0
    ranked = match_vendors(rfq, current_app.config["MATCH_TOP_K"])
    added = invite_vendors(rfq, ranked, "match")
    record_event("rfq", rfq.id, "matched", rfq.status, rfq.status, SYSTEM, {"invited": [r["vendor_id"] for r in ranked]})
    return added


def invite_vendor(actor: Actor, rfq_id: int, vendor_id: int) -> Invitation:
    """The buyer adds a verified vendor by hand."""
    rfq = buyer_rfq(actor.org_id, rfq_id)
    if rfq.status not in (RfqStatus.DRAFT, RfqStatus.OPEN):
        raise ConflictError(f"cannot invite vendors to an RFQ that is {rfq.status}")
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None or not vendor.is_verified():
        raise NotFoundError("no such verified vendor")
    invite_vendors(rfq, [{"vendor_id": vendor_id, "rationale": {"manual": True}}], "manual")
    return db.session.execute(select(Invitation).where(Invitation.rfq_id == rfq.id, Invitation.vendor_id == vendor_id)).scalar_one()


def list_invitations(rfq: Rfq) -> list[dict]:
    rows = db.session.execute(
        select(Invitation, VendorProfile).join(VendorProfile, VendorProfile.id == Invitation.vendor_id)
        .where(Invitation.rfq_id == rfq.id).order_by(Invitation.rank.nulls_last(), Invitation.id)
    ).all()
    return [{"vendor_id": inv.vendor_id, "vendor_name": vendor.organization.name, "source": inv.source,
             "rank": inv.rank, "score": inv.score, "rationale": inv.rationale} for inv, vendor in rows]


# --- quotes -------------------------------------------------------------------------------------


def _quote_lines(rfq: Rfq, currency: str, lines: list[dict]) -> list[QuoteLine]:
    known = {line.id for line in rfq.lines}
    out = []
    for i, line in enumerate(lines):
        if line["rfq_line_id"] not in known:
            raise InvalidInputError("this line is not part of the RFQ", fields={f"lines.{i}.rfq_line_id": ["unknown line"]})
        out.append(QuoteLine(rfq_line_id=line["rfq_line_id"], quantity=line["quantity"],
                             unit_price=_amount(line["unit_price"], currency, f"lines.{i}.unit_price"),
                             lead_time_days=line.get("lead_time_days"), notes=line.get("notes", "")))
    return out


def _snapshot(quote: Quote) -> dict:
    return {"revision": quote.revision, "incoterm": quote.incoterm, "freight": quote.freight,
            "lead_time_days": quote.lead_time_days, "valid_until": quote.valid_until.isoformat(),
            "payment_terms": quote.payment_terms, "notes": quote.notes,
            "lines": [{"rfq_line_id": l.rfq_line_id, "unit_price": l.unit_price, "quantity": l.quantity,
                       "lead_time_days": l.lead_time_days} for l in quote.lines]}


def _apply_quote_fields(quote: Quote, rfq: Rfq, data: dict) -> None:
    now = utcnow()
    valid_until = data.get("valid_until") or now + timedelta(days=current_app.config["QUOTE_VALIDITY_DAYS"])
    if valid_until <= now:
        raise InvalidInputError("validity must end in the future", fields={"valid_until": ["in the past"]})
    quote.incoterm = data.get("incoterm") or rfq.incoterm
    quote.freight = _amount(data.get("freight", "0"), rfq.currency, "freight")
    quote.lead_time_days = data["lead_time_days"]
    quote.valid_until = valid_until
    quote.payment_terms = data.get("payment_terms") or [{"name": "full", "percent": 100, "due": "before_shipment"}]
    quote.notes = data.get("notes", "")
    new_lines = _quote_lines(rfq, rfq.currency, data["lines"])
    if quote.id is not None:  # a revision: old lines go first, or (quote, line) would be taken twice
        quote.lines.clear()
        db.session.flush()
    quote.lines = new_lines
    if quote.subtotal() + quote.freight > MAX_MINOR:  # the deal's total must fit its column
        raise InvalidInputError("the quote total is too large", fields={"lines": ["the quote total is too large"]})


def _require_quotable(rfq: Rfq) -> None:
    if not rfq.accepts_quotes():
        raise ConflictError("this RFQ no longer accepts quotes", code="quotes_closed")


def submit_quote(actor: Actor, rfq_id: int, data: dict) -> Quote:
    """An invited (or, for open RFQs, any verified) vendor quotes.

    :raises NotFoundError: the vendor may not see this RFQ.
    :raises ConflictError: the deadline passed, the vendor is not verified, or it already quoted.
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
    from ..notifications.services import notify_org

    notify_org(rfq.buyer_id, "quote_received", {"rfq_id": rfq.id, "quote_id": quote.id}, key=f"quote-{quote.id}-1")
    return quote


def own_quote(vendor_id: int, quote_id: int) -> Quote:
    quote = db.session.execute(Quote.for_org(vendor_id).where(Quote.id == quote_id)).scalar_one_or_none()
    if quote is None:
        raise NotFoundError("no such quote")
    return quote


def visible_quote(actor: Actor, quote_id: int) -> Quote:
    if actor.role == "vendor":
        return own_quote(actor.org_id, quote_id)
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        raise NotFoundError("no such quote")
    if actor.role == "buyer":
        buyer_rfq(actor.org_id, quote.rfq_id)
    return quote


def revise_quote(actor: Actor, quote_id: int, data: dict) -> Quote:
    """The vendor replaces its quote with a new version; earlier versions stay readable.

    :raises ConflictError: the RFQ no longer accepts quotes, or the quote is not live.
    """
    quote = own_quote(actor.org_id, quote_id)
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
    quote_machine._reschedule(quote, "revised", "revised")
    from ..notifications.services import notify_org

    notify_org(rfq.buyer_id, "quote_revised", {"rfq_id": rfq.id, "quote_id": quote.id, "revision": quote.revision},
               key=f"quote-{quote.id}-{quote.revision}")
    return quote


def quote_versions(quote: Quote) -> list[QuoteVersion]:
    return list(db.session.execute(select(QuoteVersion).where(QuoteVersion.quote_id == quote.id).order_by(QuoteVersion.revision)).scalars())


def request_revision(actor: Actor, quote_id: int, message: str) -> Quote:
    """The buyer asks a vendor for a better offer (a counter-offer message)."""
    quote = visible_quote(actor, quote_id)
    if not quote.is_live():
        raise ConflictError(f"cannot ask to revise a quote that is {quote.status}")
    quote.revision_requested = message
    record_event("quote", quote.id, "revision_requested", quote.status, quote.status, actor, {"message": message})
    from ..notifications.services import notify_org

    notify_org(quote.vendor_id, "revision_requested", {"quote_id": quote.id, "message": message},
               key=f"quote-{quote.id}-ask-{quote.revision}")
    return quote


def reject_quote(actor: Actor, quote_id: int, reason: str | None = None) -> Quote:
    """The buyer turns a quote down; the vendor is told."""
    quote = visible_quote(actor, quote_id)
    if actor.role != "buyer":
        raise NotFoundError("no such quote")
    if quote_machine.apply(quote, "reject", actor, {"reason": reason}):
        from ..notifications.services import notify_org

        notify_org(quote.vendor_id, "quote_not_selected", {"rfq_id": quote.rfq_id, "quote_id": quote.id},
                   key=f"quote-{quote.id}-lost")
    return quote


def version_diffs(quote: Quote) -> list[dict]:
    """Every revision of a quote with a line-level diff against the one before."""
    out, previous = [], None
    for version in quote_versions(quote):
        snap = version.snapshot
        changes = []
        if previous is not None:
            old_lines = {l["rfq_line_id"]: l for l in previous["lines"]}
            new_lines = {l["rfq_line_id"]: l for l in snap["lines"]}
            for line_id in sorted(old_lines.keys() | new_lines.keys()):
                old, new = old_lines.get(line_id), new_lines.get(line_id)
                if old is None or new is None:
                    changes.append({"rfq_line_id": line_id, "change": "added" if old is None else "removed"})
                    continue
                fields = {k: {"from": old.get(k), "to": new.get(k)} for k in ("unit_price", "quantity", "lead_time_days")
                          if old.get(k) != new.get(k)}
                if fields:
                    changes.append({"rfq_line_id": line_id, "change": "changed", "fields": fields})
            for key in ("incoterm", "freight", "lead_time_days", "payment_terms", "valid_until"):
                if previous.get(key) != snap.get(key):
                    changes.append({"field": key, "from": previous.get(key), "to": snap.get(key)})
        out.append({"revision": version.revision, "created_at": version.created_at, "snapshot": snap, "changes": changes})
        previous = snap
    return out


#: Incoterms under which the vendor's price carries the goods to the buyer's named place (C and D
#: terms); under E and F terms the buyer still pays the main carriage, which the quote does not show.
SELLER_PAYS_CARRIAGE = {"CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"}


def compare_quotes(actor: Actor, rfq_id: int) -> dict:
    """Live quotes side by side, normalised to landed cost at the RFQ's delivery place, gaps flagged."""
    from ..money import format_amount

    rfq = buyer_rfq(actor.org_id, rfq_id)
    quotes = db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id).order_by(Quote.id)).scalars().all()
    now = utcnow()
    rows = []
    for q in quotes:
        lines = {l.rfq_line_id: l for l in q.lines}
        flags = []
        covered = [line for line in rfq.lines if line.id in lines]
        for line in rfq.lines:
            ql = lines.get(line.id)
            if ql is None:
                flags.append(f"line {line.line_no} not quoted")
            elif ql.quantity < line.quantity:
                flags.append(f"line {line.line_no}: offers {ql.quantity} of {line.quantity} {line.unit}")
        if q.incoterm not in SELLER_PAYS_CARRIAGE:
            flags.append(f"{q.incoterm}: main carriage to the delivery place is not included")
        if q.valid_until <= now:
            flags.append("validity has lapsed")
        if not q.is_live(now):
            flags.append(f"quote is {q.status}")
        goods = sum(l.unit_price * l.quantity for l in q.lines)
        landed = goods + q.freight
        rows.append({
            "quote_id": q.id, "vendor_id": q.vendor_id, "vendor_name": q.vendor.organization.name,
            "status": q.status, "revision": q.revision, "incoterm": q.incoterm,
            "goods": format_amount(goods, rfq.currency), "freight": format_amount(q.freight, rfq.currency),
            "landed_cost": format_amount(landed, rfq.currency), "landed_cost_minor": landed,
            "lead_time_days": q.lead_time_days, "payment_terms": q.payment_terms, "valid_until": q.valid_until,
            "coverage": f"{len(covered)}/{len(rfq.lines)}", "complete": not flags, "flags": flags,
            "lines": [{"rfq_line_id": line.id, "line_no": line.line_no,
                       "unit_price": format_amount(lines[line.id].unit_price, rfq.currency) if line.id in lines else None,
                       "quantity": lines[line.id].quantity if line.id in lines else None} for line in rfq.lines],
        })
    live = [r for r in rows if r["status"] in (QuoteStatus.SUBMITTED, QuoteStatus.REVISED)]
    cheapest = min(live, key=lambda r: r["landed_cost_minor"], default=None)
    best_per_line = {}
    for line in rfq.lines:
        offers = [(q_line.unit_price, q.id) for q in quotes if q.is_live(now) for q_line in q.lines
                  if q_line.rfq_line_id == line.id]
        best_per_line[line.id] = min(offers)[1] if offers else None
    for r in rows:
        r.pop("landed_cost_minor")
    return {"rfq_id": rfq.id, "currency": rfq.currency, "delivery_region": rfq.delivery_region, "incoterm": rfq.incoterm,
            "quotes": rows, "cheapest_quote_id": cheapest["quote_id"] if cheapest else None,
            "best_quote_per_line": [{"rfq_line_id": k, "quote_id": v} for k, v in best_per_line.items()]}


def withdraw_quote(actor: Actor, quote_id: int) -> Quote:
    quote = own_quote(actor.org_id, quote_id)
    quote_machine.apply(quote, "withdraw", actor)
    return quote


def rfq_quotes(actor: Actor, rfq_id: int) -> list[Quote]:
    """Buyers see every quote on their RFQ; a vendor only its own."""
    rfq = visible_rfq(actor, rfq_id)
    stmt = select(Quote).where(Quote.rfq_id == rfq.id).order_by(Quote.id)
    if actor.role == "vendor":
        stmt = stmt.where(Quote.vendor_id == actor.org_id)
    return list(db.session.execute(stmt).scalars())


# --- award --------------------------------------------------------------------------------------


def award_rfq(actor: Actor, rfq_id: int, data: dict) -> list:
    """Award whole quotes or single lines; each winning vendor gets one deal with frozen terms.

    :raises ConflictError: a line is already awarded, a quote is not live, or the RFQ is not open/closed.
    :raises InvalidInputError: a quote or line does not belong to this RFQ.
    """
    from ..deals.services import create_deal

    rfq = buyer_rfq(actor.org_id, rfq_id, lock=True)  # one award at a time per RFQ
    if rfq.status not in (RfqStatus.OPEN, RfqStatus.CLOSED, RfqStatus.AWARDED):
        raise ConflictError(f"cannot award an RFQ that is {rfq.status}", code="illegal_transition")
    quotes = {q.id: q for q in db.session.execute(select(Quote).where(Quote.rfq_id == rfq.id)).scalars()}
    choice: list[tuple[int, int]] = []  # (rfq_line_id, quote_id)
    if data.get("quote_ids"):
        for i, qid in enumerate(data["quote_ids"]):
            if qid not in quotes:
                raise InvalidInputError("quote is not part of this RFQ", fields={f"quote_ids.{i}": ["unknown quote"]})
            choice += [(line.rfq_line_id, qid) for line in quotes[qid].lines]
    else:
        for i, item in enumerate(data["lines"]):
            if item["quote_id"] not in quotes:
                raise InvalidInputError("quote is not part of this RFQ", fields={f"lines.{i}.quote_id": ["unknown quote"]})
            choice.append((item["rfq_line_id"], item["quote_id"]))
    lines = {line.id: line for line in rfq.lines}
    seen: set[int] = set()
    by_quote: dict[int, list[QuoteLine]] = defaultdict(list)
    for line_id, qid in choice:
        if line_id not in lines:
            raise InvalidInputError("line is not part of this RFQ", fields={"lines": [f"unknown line {line_id}"]})
        if line_id in seen or lines[line_id].awarded_quote_line_id is not None:
            raise ConflictError(f"line {lines[line_id].line_no} is already awarded", code="line_already_awarded")
        seen.add(line_id)
        quote = quotes[qid]
        if not quote.is_live():
            raise ConflictError(f"quote {qid} is {quote.status} or expired", code="quote_not_live")
        qline = next((l for l in quote.lines if l.rfq_line_id == line_id), None)
        if qline is None:
            raise InvalidInputError("that quote does not cover this line", fields={"lines": [f"quote {qid} has no line {line_id}"]})
        by_quote[qid].append(qline)
    deals = []
    for qid, qlines in by_quote.items():
        quote = quotes[qid]
        for ql in qlines:
            lines[ql.rfq_line_id].awarded_quote_line_id = ql.id
        share = sum(l.unit_price * l.quantity for l in qlines)
        whole = quote.subtotal()
        freight = allocate(quote.freight, [share, whole - share])[0] if whole else quote.freight
        quote_machine.apply(quote, "accept", actor, {"lines": [l.rfq_line_id for l in qlines]})
        deals.append(create_deal(rfq, quote, qlines, freight, actor))
    rfq_machine.apply(rfq, "award", actor, {"quotes": sorted(by_quote)})
    if all(line.awarded_quote_line_id is not None for line in rfq.lines):
        for quote in quotes.values():
            if quote.id not in by_quote and quote.is_live():
                quote_machine.apply(quote, "reject", SYSTEM, {"reason": "another offer was chosen"})
                from ..notifications.services import notify_org

                notify_org(quote.vendor_id, "quote_not_selected", {"rfq_id": rfq.id, "quote_id": quote.id},
                           key=f"quote-{quote.id}-lost")
    return deals
