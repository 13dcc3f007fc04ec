"""Status tables (data): each carrier's raw status codes -> the normalised :class:`ShipmentStatus`. A code missing
from its carrier's table normalises to ``exception`` and is kept raw on the tracking event."""

from __future__ import annotations

from types import MappingProxyType

from ..models import ShipmentStatus

#: the built-in ``manual`` carrier: the vendor posts our own status values, so each code maps to itself
MANUAL_STATUSES = MappingProxyType({s.value: s for s in ShipmentStatus})
