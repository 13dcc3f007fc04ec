"""The carrier adapter interface: what an adapter declares it can do, how it names its statuses, and the rate
request/quote shapes every adapter speaks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from ..models import ShipmentStatus


class Capabilities(NamedTuple):
    """What an adapter can do (callers check these before offering an action)."""

    rates: bool = False  #: quotes a price (``get_rates``)
    labels: bool = False  #: returns its own label / documents
    cancel: bool = False  #: a booking can be cancelled with the carrier
    tracking_push: bool = False  #: sends tracking by webhook
    tracking_pull: bool = False  #: tracking can be polled
    pod: bool = False  #: proof of delivery (receiver, photo or signature)
    pickup: bool = False  #: collects from the vendor on request
    currencies: frozenset[str] = frozenset({"VND"})  #: currencies it quotes in
    countries: frozenset[str] = frozenset({"VN"})  #: ISO 3166-1 countries it serves


@dataclass(frozen=True)
class Parcel:
    weight_grams: int
    length_cm: int
    width_cm: int
    height_cm: int


@dataclass(frozen=True)
class RateRequest:
    origin: str  #: ISO 3166-2 province code, e.g. ``VN-HN``
    destination: str  #: ISO 3166-2 province code
    parcels: tuple[Parcel, ...] = ()
    pallets: int = 0
    currency: str = "VND"
    ship_on: date | None = None  #: the day the goods leave (default: today in DEFAULT_TIMEZONE)


@dataclass(frozen=True)
class Charge:
    code: str  #: e.g. ``parcel``, ``pallet``, ``minimum``, ``fuel``, ``remote_area``
    description: str
    amount: int  #: integer minor units of the quote's currency


@dataclass(frozen=True)
class RateQuote:
    carrier: str
    service: str
    currency: str
    amount: int  #: integer minor units, the sum of ``breakdown``
    breakdown: tuple[Charge, ...]
    transit_days: int  #: business days from ``ship_on``
    eta: date  #: estimated delivery day (business days on BUSINESS_CALENDAR)
    estimate: bool  #: True: a guide price, not the carrier's binding quote
    zone: str = ""
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookDelivery:
    """One HTTP delivery to ``/api/v1/webhooks/carriers/<code>``, as the adapter needs it to verify and parse."""

    raw: bytes  #: the body exactly as received
    content_type: str  #: e.g. ``application/json`` or ``application/x-www-form-urlencoded``
    query: Mapping[str, str]  #: the URL's query parameters (carriers without signatures carry a secret here)
    headers: Mapping[str, str]


@dataclass(frozen=True)
class CarrierEvent:
    """One tracking report in the carrier's own words (from a webhook or a poll)."""

    tracking_number: str  #: the carrier's order / tracking code
    raw_status: str  #: the carrier's status code, kept as sent
    occurred_at: datetime  #: aware
    dedupe_key: str  #: the same report resent has the same key (carrier-scoped)
    description: str = ""
    location: str | None = None

    def as_json(self) -> dict:
        return {"tracking_number": self.tracking_number, "raw_status": self.raw_status,
                "occurred_at": self.occurred_at.isoformat(), "dedupe_key": self.dedupe_key,
                "description": self.description, "location": self.location}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CarrierEvent:
        return cls(tracking_number=data["tracking_number"], raw_status=data["raw_status"],
                   occurred_at=datetime.fromisoformat(data["occurred_at"]), dedupe_key=data["dedupe_key"],
                   description=data.get("description") or "", location=data.get("location"))


class Carrier:
    """One carrier adapter: books shipments, maps the carrier's status codes onto :class:`ShipmentStatus` through
    its ``status_table`` (data: raw code -> normalised status) and, if ``capabilities.rates``, quotes prices."""

    code = ""
    name = ""
    #: the vendor reports this carrier's progress by hand (others report their own tracking)
    manual_tracking = False
    capabilities = Capabilities()
    #: raw carrier status code -> normalised status; an unknown code normalises to ``exception``
    status_table: Mapping[str, ShipmentStatus] = {}
    #: settings that must all be set for the carrier to be offered (its credentials); none: always enabled
    required_settings: tuple[str, ...] = ()
    #: the setting holding the shared secret of its tracking webhook; when unset the carrier's shipments are polled
    webhook_setting: str | None = None

    def enabled(self, config: Mapping[str, Any]) -> bool:
        """Is the carrier offered with these settings (its credentials are all present)?"""
        return all(config.get(name) for name in self.required_settings)

    def create_shipment(self, deal, data: dict) -> dict:
        """Book the shipment for ``deal`` (a plain object: ``.id``); returns ``{"tracking_number", "details"}``."""
        raise NotImplementedError

    def normalise(self, raw_code: str) -> ShipmentStatus:
        """Map the carrier's status code to a normalised status; an unknown code is an ``exception`` (the caller
        keeps the raw code)."""
        return self.status_table.get(str(raw_code), ShipmentStatus.EXCEPTION)

    def get_rates(self, request: RateRequest, config: Mapping[str, Any]) -> list[RateQuote]:
        """Prices for ``request``; empty when the carrier does not serve it.

        :raises NotImplementedError: the carrier does not quote (``capabilities.rates`` is False).
        """
        raise NotImplementedError

    def cancel(self, tracking_number: str, config: Mapping[str, Any]) -> None:
        """Cancel a booking with the carrier (``capabilities.cancel``).

        :raises NotImplementedError: the carrier cannot cancel.
        """
        raise NotImplementedError

    def carrier_label(self, tracking_number: str, config: Mapping[str, Any]) -> bytes:
        """The carrier's own label for the shipment as PDF bytes (``capabilities.labels``).

        :raises NotImplementedError: the carrier returns no label.
        :raises CarrierUnavailableError: the carrier did not answer.
        :raises CarrierRefusedError: the carrier refused (e.g. a cancelled order).
        """
        raise NotImplementedError

    def push_enabled(self, config: Mapping[str, Any]) -> bool:
        """Does the carrier push tracking here (its webhook secret is configured)? Otherwise it is polled."""
        return bool(self.capabilities.tracking_push and self.webhook_setting and config.get(self.webhook_setting))

    def verify_webhook(self, delivery: WebhookDelivery, config: Mapping[str, Any]) -> bool:
        """Is this delivery really from the carrier (its shared secret or signature)? Checked before anything is
        stored; compare secrets in constant time."""
        return False

    def parse_webhook(self, delivery: WebhookDelivery) -> list[CarrierEvent]:
        """The tracking reports in an authenticated delivery (none: a delivery that is not about tracking).

        :raises InvalidInputError: the body is not what the carrier sends.
        """
        raise NotImplementedError

    def track(self, tracking_number: str, config: Mapping[str, Any]) -> list[CarrierEvent]:
        """Pull the shipment's tracking reports from the carrier (``capabilities.tracking_pull``).

        :raises CarrierUnavailableError: the carrier did not answer (the poller backs off).
        """
        raise NotImplementedError
