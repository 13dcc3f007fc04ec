"""The carrier adapter interface: declared capabilities, registration through the registry, a carrier offered
only when its settings (credentials) are present, status tables as data (unknown code -> ``exception``)."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType

import pytest

from marketplace import registry
from marketplace.shipping.carriers import (
    MANUAL,
    Capabilities,
    Carrier,
    Charge,
    ManualCarrier,
    RateQuote,
    enabled_carriers,
)
from marketplace.shipping.carriers.statuses import MANUAL_STATUSES
from marketplace.shipping.models import ShipmentStatus


class TableCarrier(Carrier):
    """A carrier speaking its own status codes (shaped like GHN's), offered only with its token."""

    code, name = "table", "Table carrier"
    capabilities = Capabilities(rates=True, cancel=True, tracking_push=True, tracking_pull=True, labels=True)
    status_table = MappingProxyType({
        "ready_to_pick": ShipmentStatus.PRE_TRANSIT, "picked": ShipmentStatus.PICKED_UP,
        "transporting": ShipmentStatus.IN_TRANSIT, "delivering": ShipmentStatus.OUT_FOR_DELIVERY,
        "delivered": ShipmentStatus.DELIVERED, "return": ShipmentStatus.RETURN_IN_TRANSIT})
    required_settings = ("TABLE_CARRIER_TOKEN",)

    def create_shipment(self, deal, data):
        return {"tracking_number": f"TBL{deal.id:06d}", "details": {}}

    def get_rates(self, request, config):
        return [RateQuote(carrier=self.code, service="express", currency="VND", amount=1_000,
                          breakdown=(Charge("parcel", "flat", 1_000),), transit_days=1, eta=date(2030, 1, 2),
                          estimate=False)]


@pytest.fixture
def table_carrier(monkeypatch):
    monkeypatch.setitem(registry.current().carriers, TableCarrier.code, TableCarrier())
    return TableCarrier


def test_the_built_in_carrier_declares_what_it_can_do():
    manual = registry.current().carriers[MANUAL]
    assert isinstance(manual, ManualCarrier) and manual.manual_tracking
    assert manual.capabilities.rates and manual.capabilities.pod
    assert not (manual.capabilities.labels or manual.capabilities.tracking_push or manual.capabilities.cancel)
    assert "VND" in manual.capabilities.currencies and MANUAL in enabled_carriers({})  # no credentials needed


def test_status_tables_are_data_and_unknown_codes_are_exceptions():
    assert all(isinstance(v, ShipmentStatus) for v in MANUAL_STATUSES.values())
    assert set(MANUAL_STATUSES) == {s.value for s in ShipmentStatus}  # the vendor speaks our statuses
    carrier = TableCarrier()
    assert carrier.normalise("delivering") == ShipmentStatus.OUT_FOR_DELIVERY
    assert carrier.normalise("sorting_at_hub_7") == ShipmentStatus.EXCEPTION
    assert ManualCarrier().normalise("lost") == ShipmentStatus.LOST
    assert ManualCarrier().normalise("what") == ShipmentStatus.EXCEPTION


def test_a_carrier_without_its_credentials_is_not_offered(api, world, app, monkeypatch, table_carrier):
    assert table_carrier.code not in enabled_carriers(app.config)
    deal = api.funded_deal(world)
    err = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "table"}, expect=422)["error"]
    assert "carrier" in err["fields"]
    lane = {"origin": "VN-HN", "destination": "VN-SG", "pallets": 1}
    assert [r["carrier"] for r in api.post("/shipping/rates", world.buyer, lane)["rates"]] == [MANUAL]

    monkeypatch.setitem(app.config, "TABLE_CARRIER_TOKEN", "secret")
    assert table_carrier.code in enabled_carriers(app.config)
    rates = api.post("/shipping/rates", world.buyer, lane)["rates"]
    assert (rates[0]["carrier"], rates[0]["amount"], rates[0]["estimate"]) == ("table", "1000", False)  # cheapest
    assert {r["carrier"] for r in rates} == {"table", MANUAL}
    booked = api.post(f"/deals/{deal['id']}/shipments", world.vendors[0], {"carrier": "table"}, expect=201)
    assert booked["carrier"] == "table" and booked["tracking_number"] == f"TBL{deal['id']:06d}"
