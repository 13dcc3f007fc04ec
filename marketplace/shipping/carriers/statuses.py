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

#: GHTK (Giao Hàng Tiết Kiệm) ``status_id`` values as its webhook and order status send them (strings)
GHTK_STATUSES = MappingProxyType({
    "-1": ShipmentStatus.CANCELLED, "1": ShipmentStatus.PRE_TRANSIT, "2": ShipmentStatus.PRE_TRANSIT,
    "12": ShipmentStatus.PRE_TRANSIT, "3": ShipmentStatus.PICKED_UP, "123": ShipmentStatus.PICKED_UP,
    "4": ShipmentStatus.OUT_FOR_DELIVERY, "5": ShipmentStatus.DELIVERED, "6": ShipmentStatus.DELIVERED,
    "45": ShipmentStatus.OUT_FOR_DELIVERY,  # the shipper says delivered; GHTK's own 5 follows
    "7": ShipmentStatus.EXCEPTION, "8": ShipmentStatus.EXCEPTION, "10": ShipmentStatus.EXCEPTION,
    "127": ShipmentStatus.EXCEPTION, "128": ShipmentStatus.EXCEPTION, "9": ShipmentStatus.DELIVERY_FAILED,
    "20": ShipmentStatus.RETURN_IN_TRANSIT, "21": ShipmentStatus.RETURNED, "11": ShipmentStatus.RETURNED,
    "13": ShipmentStatus.LOST,
})

#: Viettel Post ``ORDER_STATUS`` codes as its webhook and order detail send them (strings)
VTP_STATUSES = MappingProxyType({
    "-100": ShipmentStatus.PRE_TRANSIT, "100": ShipmentStatus.PRE_TRANSIT, "102": ShipmentStatus.PRE_TRANSIT,
    "103": ShipmentStatus.PRE_TRANSIT, "104": ShipmentStatus.PRE_TRANSIT, "-108": ShipmentStatus.PICKED_UP,
    "105": ShipmentStatus.PICKED_UP, "200": ShipmentStatus.IN_TRANSIT, "202": ShipmentStatus.IN_TRANSIT,
    "300": ShipmentStatus.IN_TRANSIT, "400": ShipmentStatus.IN_TRANSIT, "500": ShipmentStatus.OUT_FOR_DELIVERY,
    "508": ShipmentStatus.OUT_FOR_DELIVERY, "501": ShipmentStatus.DELIVERED, "506": ShipmentStatus.DELIVERY_FAILED,
    "505": ShipmentStatus.RETURN_IN_TRANSIT, "515": ShipmentStatus.RETURN_IN_TRANSIT,
    "502": ShipmentStatus.RETURN_IN_TRANSIT, "504": ShipmentStatus.RETURNED, "107": ShipmentStatus.CANCELLED,
    "101": ShipmentStatus.CANCELLED, "201": ShipmentStatus.CANCELLED, "503": ShipmentStatus.CANCELLED,
})
