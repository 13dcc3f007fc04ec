"""Who hears of a shipment's progress: the parties when they must act or care (a failed delivery attempt, a hold-up,
goods coming back, goods lost), platform admins when a carrier sends a status code its table does not know; and
the list of shipments in trouble the admins work from.

Ordinary forward progress (picked up, in transit, out for delivery) tells nobody, and ``delivered`` is the deal's
to tell (``deal_delivered``). The sender is the vendor for the deal's goods and the buyer for a dispute's return.
Each notice is keyed by the shipment, the status and the time of the event that moved it, so the same report
(resent by the carrier or polled again, which never moves the shipment twice) never tells anyone twice, while a
second failed attempt later on does.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import registry
from ..accounts.models import Organization
from ..extensions import db
from ..notifications.models import NotificationKind as K
from ..notifications.services import notify_org, notify_platform
from .models import Shipment, ShipmentDirection, ShipmentStatus, TrackingEvent

S = ShipmentStatus

#: status -> (kind told to the sender, kind told to the receiver); None: that side is not told
NOTICES: dict[str, tuple[K | None, K | None]] = {
    S.DELIVERY_FAILED: (K.SHIPMENT_DELIVERY_FAILED, K.SHIPMENT_DELIVERY_FAILED),
    S.EXCEPTION: (K.SHIPMENT_EXCEPTION, K.SHIPMENT_EXCEPTION),
    S.RETURN_IN_TRANSIT: (K.SHIPMENT_RETURNING, K.SHIPMENT_RETURNING_RECEIVER),
    S.RETURNED: (K.SHIPMENT_RETURNED, K.SHIPMENT_RETURNED_RECEIVER),
    S.LOST: (K.SHIPMENT_LOST, K.SHIPMENT_LOST),
}

#: the statuses the admins' shipments page lists (a shipment with an unknown carrier code is an ``exception``)
TROUBLE = (S.EXCEPTION, S.DELIVERY_FAILED, S.RETURN_IN_TRANSIT, S.LOST)
#: the admins' page filter for shipments whose carrier sent a code its status table does not know
UNKNOWN_CODE = "unknown_code"


def has_unknown_code(shipment: Shipment) -> bool:
    """Did the shipment's carrier send a status code its table does not know (kept raw, normalised to
    ``exception``)? The built-in carrier's codes are our own statuses: never unknown."""
    carrier = registry.current().carriers.get(shipment.carrier)
    return (shipment.status == S.EXCEPTION and bool(shipment.raw_status) and carrier is not None
            and not carrier.manual_tracking and str(shipment.raw_status) not in carrier.status_table)


def _sides(shipment: Shipment) -> tuple[int, int]:
    """(sender, receiver) organisations of the shipment."""
    if shipment.direction == ShipmentDirection.RETURN:
        return shipment.buyer_id, shipment.vendor_id
    return shipment.vendor_id, shipment.buyer_id


def _latest_event(shipment: Shipment) -> TrackingEvent | None:
    return db.session.execute(select(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id)
                              .order_by(TrackingEvent.id.desc()).limit(1)).scalar_one_or_none()


def notice_data(shipment: Shipment) -> dict:
    """What a notice about ``shipment`` carries (formatted per reader by the notifications package)."""
    event = _latest_event(shipment)
    sender, receiver = _sides(shipment)
    names = dict(db.session.execute(select(Organization.id, Organization.name)
                                    .where(Organization.id.in_((sender, receiver)))).all())
    return {"deal_id": shipment.deal_id, "shipment_id": shipment.id, "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number, "status": shipment.status,
            "raw_status": shipment.raw_status or "", "reason": (event.description if event else "")[:300],
            "location": (event.location if event else None) or "",
            "occurred_at": shipment.last_event_at.isoformat() if shipment.last_event_at else None,
            "sender_name": names.get(sender, ""), "receiver_name": names.get(receiver, ""),
            "direction": shipment.direction}


def on_status_changed(shipment: Shipment, previous: str) -> None:
    """Listener of ``shipping.status_changed``: tell the sender and the receiver what they must know of the new
    status (nothing for ordinary progress), and the platform's admins, once per code, of a status code the carrier's
    table does not know."""
    kinds = NOTICES.get(shipment.status)
    unknown = has_unknown_code(shipment)
    if kinds is None and not unknown:
        return
    data = notice_data(shipment)
    moment = shipment.last_event_at.isoformat() if shipment.last_event_at else "-"
    for org_id, kind in zip(_sides(shipment), kinds or (None, None)):
        if kind is not None:
            notify_org(org_id, kind, data, key=f"shipment-{shipment.id}-{shipment.status}-{moment}-{org_id}"[:200])
    if unknown:
        notify_platform(K.SHIPMENT_UNKNOWN_STATUS, data,
                        key=f"shipment-{shipment.id}-unknown-{shipment.raw_status}"[:150])


def troubled_shipments(status: str | None = None, limit: int = 200) -> list[dict]:
    """The shipments the platform's admins should look at, most recent event first: exceptions, failed deliveries,
    returns under way and lost goods, each with its parties' names and whether its carrier code is unknown.
    ``status``: one of :data:`TROUBLE`, or :data:`UNKNOWN_CODE` (None: all of them)."""
    wanted = [S.EXCEPTION] if status == UNKNOWN_CODE else [status] if status in TROUBLE else list(TROUBLE)
    rows = db.session.execute(select(Shipment).where(Shipment.status.in_([str(s) for s in wanted]))
                              .order_by(Shipment.last_event_at.desc().nulls_last(), Shipment.id.desc())
                              .limit(limit)).scalars().all()
    orgs = {o for s in rows for o in (s.buyer_id, s.vendor_id)}
    names = dict(db.session.execute(select(Organization.id, Organization.name)
                                    .where(Organization.id.in_(orgs))).all()) if orgs else {}
    carriers = registry.current().carriers
    found = []
    for shipment in rows:
        unknown = has_unknown_code(shipment)
        if status == UNKNOWN_CODE and not unknown:
            continue
        carrier = carriers.get(shipment.carrier)
        found.append({"shipment": shipment, "unknown_code": unknown,
                      "carrier_name": carrier.name if carrier is not None else shipment.carrier,
                      "buyer_name": names.get(shipment.buyer_id, ""), "vendor_name": names.get(shipment.vendor_id, ""),
                      "event": shipment.events[-1] if shipment.events else None})
    return found
