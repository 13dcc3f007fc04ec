"""Status tables (data): each carrier's raw status codes -> the normalised :class:`ShipmentStatus`. A code missing
from its carrier's table normalises to ``exception`` and is kept raw on the tracking event."""

from __future__ import annotations

from types import MappingProxyType

from ..models import ShipmentStatus

#: the built-in ``manual`` carrier: the vendor posts our own status values, so each code maps to itself
MANUAL_STATUSES = MappingProxyType({s.value: s for s in ShipmentStatus})

#: GHN (Giao Hàng Nhanh) order statuses as its webhook and order detail send them (``Status``)
GHN_STATUSES = MappingProxyType({
    "ready_to_pick": ShipmentStatus.PRE_TRANSIT, "picking": ShipmentStatus.PRE_TRANSIT,
    "money_collect_picking": ShipmentStatus.PRE_TRANSIT, "picked": ShipmentStatus.PICKED_UP,
    "storing": ShipmentStatus.IN_TRANSIT, "transporting": ShipmentStatus.IN_TRANSIT,
    "sorting": ShipmentStatus.IN_TRANSIT, "delivering": ShipmentStatus.OUT_FOR_DELIVERY,
    "money_collect_delivering": ShipmentStatus.OUT_FOR_DELIVERY, "delivered": ShipmentStatus.DELIVERED,
    "delivery_fail": ShipmentStatus.DELIVERY_FAILED, "waiting_to_return": ShipmentStatus.DELIVERY_FAILED,
    "return": ShipmentStatus.RETURN_IN_TRANSIT, "return_transporting": ShipmentStatus.RETURN_IN_TRANSIT,
    "return_sorting": ShipmentStatus.RETURN_IN_TRANSIT, "returning": ShipmentStatus.RETURN_IN_TRANSIT,
    "return_fail": ShipmentStatus.EXCEPTION, "returned": ShipmentStatus.RETURNED,
    "exception": ShipmentStatus.EXCEPTION, "damage": ShipmentStatus.EXCEPTION, "lost": ShipmentStatus.LOST,
    "cancel": ShipmentStatus.CANCELLED,
})
