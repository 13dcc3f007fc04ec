"""What a dispute case reads from the deal: the deal's own records attached at opening (terms and lines,
payments, shipments and tracking, proof of delivery), and the symmetric dispute metrics of vendors and
buyers (the deal counts live here; ``disputes`` keeps the cases)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from ...accounts.models import Organization
from ...database import utcnow
from ...disputes.models import Dispute, DisputeOutcome, DisputeParty, RecordType
from ...extensions import db
from ...money import format_amount
from ...shipping.models import Shipment, ShipmentStatus
from ...statemachine import events_for
from ..models import Deal, DealStatus
from ..states import deal_machine

#: a deal past shipment: the goods left the vendor (what a vendor's dispute rate counts against)
PAST_SHIPMENT = (DealStatus.SHIPPED, DealStatus.DELIVERED, DealStatus.ACCEPTED, DealStatus.RELEASED,
                 DealStatus.CLOSED, DealStatus.DISPUTED, DealStatus.RESOLVED)
#: deal events that prove or report delivery
DELIVERY_EVENTS = ("confirm_delivery", "delivery_reported")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def deal_records(deal: Deal) -> list[tuple[RecordType, dict]]:
    """The deal's own records as JSON snapshots (amounts as the API writes them, in ``currency``)."""
    cur = deal.currency
    terms = {
        "deal_id": deal.id, "currency": cur, "subtotal": format_amount(deal.subtotal, cur),
        "freight": format_amount(deal.freight, cur), "total": format_amount(deal.total, cur),
        "commission_bps": deal.commission_bps, "terms": deal.terms, "ship_by_at": _iso(deal.ship_by_at),
        "created_at": _iso(deal.created_at), "buyer_id": deal.buyer_id, "vendor_id": deal.vendor_id,
        "lines": [{"id": line.id, "description": line.description, "quantity": line.quantity, "unit": line.unit,
                   "unit_price": format_amount(line.unit_price, cur), "amount": format_amount(line.amount, cur)}
                  for line in deal.lines],
    }
    payments = {
        "deal_id": deal.id, "currency": cur, "gateway": deal.gateway,
        "milestones": [{"seq": m.seq, "name": m.name, "percent": m.percent, "due": m.due,
                        "amount": format_amount(m.amount, cur), "status": m.status,
                        "payment_reference": m.payment_reference, "funded_at": _iso(m.funded_at),
                        "net_days": m.net_days, "due_at": _iso(m.due_at), "overdue_at": _iso(m.overdue_at),
                        "released": format_amount(m.released_amount, cur),
                        "commission": format_amount(m.commission_amount, cur),
                        "refunded": format_amount(m.refunded_amount, cur)} for m in deal.milestones],
    }
    shipments = list(db.session.execute(select(Shipment).where(Shipment.deal_id == deal.id)
                                        .order_by(Shipment.id)).scalars())
    shipping = {
        "deal_id": deal.id,
        "shipments": [{"id": s.id, "carrier": s.carrier, "tracking_number": s.tracking_number, "status": s.status,
                       "created_at": _iso(s.created_at), "delivered_at": _iso(s.delivered_at),
                       "events": [{"status": e.status, "raw_code": e.raw_code, "description": e.description,
                                   "location": e.location, "occurred_at": _iso(e.occurred_at)} for e in s.events]}
                      for s in shipments],
    }
    delivery = {
        "deal_id": deal.id, "delivered_at": _iso(deal.delivered_at),
        "confirmations": [{"event": e.name, "at": _iso(e.at), "actor_role": e.actor_role,
                           "actor_user_id": e.actor_user_id, "payload": e.payload or {}}
                          for e in events_for(deal_machine.subject, deal.id) if e.name in DELIVERY_EVENTS],
        "carrier_delivered": [{"shipment_id": s.id, "tracking_number": s.tracking_number,
                               "delivered_at": _iso(s.delivered_at),
                               "proof_of_delivery": (s.details or {}).get("proof_of_delivery")}
                              for s in shipments if s.status == ShipmentStatus.DELIVERED or s.delivered_at],
    }
    return [(RecordType.TERMS, terms), (RecordType.PAYMENTS, payments), (RecordType.SHIPMENTS, shipping),
            (RecordType.DELIVERY, delivery)]


def _rate(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage with two decimals (a string: no floats)."""
    if not whole:
        return "0.00"
    hundredths = (part * 10000 * 2 + whole) // (2 * whole)  # rounded half up
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def dispute_metrics(params: dict, *, now: datetime | None = None) -> dict:
    """Symmetric dispute metrics over the last ``window_days`` (deals and cases created in it), the top
    ``limit`` rows of each side by count: per vendor, its deals past shipment, the disputes its buyers
    opened against it, those decided against it (the buyer got money back) and the rate; per buyer, its
    deals, the disputes it opened and the rate (platform staff).
    """
    since = (now or utcnow()) - timedelta(days=params.get("window_days") or 90)
    limit = params.get("limit") or 20
    against = and_(Dispute.opened_by_party == DisputeParty.BUYER)
    lost = and_(against, Dispute.decision.isnot(None),
                Dispute.decision["outcome"].astext.in_([DisputeOutcome.REFUND, DisputeOutcome.SPLIT]))
    disputes = (select(Dispute.vendor_id.label("org_id"),
                       func.count().filter(against).label("disputes"),
                       func.count().filter(lost).label("decided_against"),
                       func.count().filter(Dispute.opened_by_party == DisputeParty.VENDOR).label("vendor_filed"))
                .where(Dispute.created_at >= since).group_by(Dispute.vendor_id).subquery())
    deals = (select(Deal.vendor_id.label("org_id"), func.count().label("deals"))
             .where(Deal.created_at >= since, Deal.status.in_(PAST_SHIPMENT)).group_by(Deal.vendor_id).subquery())
    vendor_rows = db.session.execute(
        select(Organization.id, Organization.name, func.coalesce(deals.c.deals, 0),
               func.coalesce(disputes.c.disputes, 0), func.coalesce(disputes.c.decided_against, 0))
        .select_from(deals).join(disputes, disputes.c.org_id == deals.c.org_id, full=True)
        .join(Organization, Organization.id == func.coalesce(deals.c.org_id, disputes.c.org_id))
        .order_by(func.coalesce(disputes.c.disputes, 0).desc(), Organization.id).limit(limit)
    ).all()
    claims = (select(Dispute.buyer_id.label("org_id"),
                     func.count().filter(Dispute.opened_by_party == DisputeParty.BUYER).label("claims"))
              .where(Dispute.created_at >= since).group_by(Dispute.buyer_id).subquery())
    buyer_deals = (select(Deal.buyer_id.label("org_id"), func.count().label("deals"),
                          func.count().filter(Deal.status.in_(PAST_SHIPMENT)).label("shipped"))
                   .where(Deal.created_at >= since).group_by(Deal.buyer_id).subquery())
    buyer_rows = db.session.execute(
        select(Organization.id, Organization.name, func.coalesce(buyer_deals.c.deals, 0),
               func.coalesce(claims.c.claims, 0))
        .select_from(buyer_deals).join(claims, claims.c.org_id == buyer_deals.c.org_id, full=True)
        .join(Organization, Organization.id == func.coalesce(buyer_deals.c.org_id, claims.c.org_id))
        .order_by(func.coalesce(claims.c.claims, 0).desc(), Organization.id).limit(limit)
    ).all()
    return {
        "window_days": params.get("window_days") or 90, "since": since,
        "vendors": [{"vendor_id": i, "name": n, "deals_shipped": d, "disputes": c, "decided_against": lost_,
                     "dispute_rate": _rate(c, d), "decided_against_rate": _rate(lost_, d)}
                    for i, n, d, c, lost_ in vendor_rows],
        "buyers": [{"buyer_id": i, "name": n, "deals": d, "claims": c, "claim_rate": _rate(c, d)}
                   for i, n, d, c in buyer_rows],
    }


def vendors_dispute_metrics(vendor_ids: list[int], *, window_days: int = 90, now: datetime | None = None) -> dict:
    """:func:`vendor_dispute_metrics` of many vendors in two statements: vendor id -> its row."""
    since = (now or utcnow()) - timedelta(days=window_days)
    shipped = dict(db.session.execute(
        select(Deal.vendor_id, func.count()).where(Deal.vendor_id.in_(vendor_ids), Deal.created_at >= since,
                                                   Deal.status.in_(PAST_SHIPMENT)).group_by(Deal.vendor_id)).all()
    ) if vendor_ids else {}
    disputes = {vendor_id: (opened, against) for vendor_id, opened, against in db.session.execute(select(
        Dispute.vendor_id,
        func.count().filter(Dispute.opened_by_party == DisputeParty.BUYER),
        func.count().filter(and_(Dispute.opened_by_party == DisputeParty.BUYER,
                                 case((Dispute.decision["outcome"].astext.in_(
                                     [DisputeOutcome.REFUND, DisputeOutcome.SPLIT]), True), else_=False))),
    ).where(Dispute.vendor_id.in_(vendor_ids), Dispute.created_at >= since).group_by(Dispute.vendor_id))} \
        if vendor_ids else {}
    rows = {}
    for vendor_id in vendor_ids:
        count, (opened, against) = shipped.get(vendor_id, 0), disputes.get(vendor_id, (0, 0))
        rows[vendor_id] = {"vendor_id": vendor_id, "deals_shipped": count, "disputes": opened,
                           "decided_against": against, "dispute_rate": _rate(opened, count),
                           "decided_against_rate": _rate(against, count)}
    return rows


def vendor_dispute_metrics(vendor_id: int, *, window_days: int = 90, now: datetime | None = None) -> dict:
    """One vendor's row of :func:`dispute_metrics` (zeros when it has no deal in the window)."""
    since = (now or utcnow()) - timedelta(days=window_days)
    shipped = db.session.execute(select(func.count()).select_from(Deal).where(
        Deal.vendor_id == vendor_id, Deal.created_at >= since, Deal.status.in_(PAST_SHIPMENT))).scalar_one()
    row = db.session.execute(select(
        func.count().filter(Dispute.opened_by_party == DisputeParty.BUYER),
        func.count().filter(and_(Dispute.opened_by_party == DisputeParty.BUYER,
                                 case((Dispute.decision["outcome"].astext.in_(
                                     [DisputeOutcome.REFUND, DisputeOutcome.SPLIT]), True), else_=False))),
    ).where(Dispute.vendor_id == vendor_id, Dispute.created_at >= since)).one()
    return {"vendor_id": vendor_id, "deals_shipped": shipped, "disputes": row[0], "decided_against": row[1],
            "dispute_rate": _rate(row[0], shipped), "decided_against_rate": _rate(row[1], shipped)}
