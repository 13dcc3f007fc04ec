"""The registry: what the domain packages declare, collected once at app creation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from marketplace.app import REGISTRATIONS
from marketplace.registry import OutboxHandler, Registration, Registry, RegistryError


def _noop(*args, **kwargs):
    return None


def test_a_name_declared_twice_stops_app_creation():
    a = Registration(name="a", outbox_handlers={"mail.send": OutboxHandler(_noop)})
    b = Registration(name="b", outbox_handlers={"mail.send": OutboxHandler(_noop)})
    with pytest.raises(RegistryError, match="b registers the name 'mail.send' a second time"):
        Registry([a, b])


def test_a_hook_nobody_provides_stops_app_creation():
    with pytest.raises(RegistryError, match="low needs 'low.lock'"):
        Registry([Registration(name="low", requires=("low.lock",))])


def test_listeners_are_told_in_package_order_and_hooks_have_one_provider():
    told = []
    low = Registration(name="low", requires=("low.lock",))
    mid = Registration(name="mid", listeners={"low.happened": lambda x: told.append(("mid", x)) or "m"})
    top = Registration(name="top", listeners={"low.happened": lambda x: told.append(("top", x)) or "t"},
                       hooks={"low.lock": lambda i: f"locked {i}"})
    registry = Registry([low, mid, top])
    assert registry.publish("low.happened", 7) == ["m", "t"] and told == [("mid", 7), ("top", 7)]
    assert registry.publish("nobody.listens") == []
    assert registry.hook("low.lock")(3) == "locked 3"


def test_the_app_collects_every_domain_once(app):
    registry = app.extensions["marketplace_registry"]
    assert registry.packages == ("accounts", "webhooks", "notifications", "vendors", "escrow", "shipping", "disputes",
                                 "deals", "rfq", "orders", "contracts", "analytics")
    assert set(registry.machines) == {"deal", "rfq", "quote", "dispute", "vendor", "order", "contract",
                                      "contract_version"}
    assert {"email.send", "stripe.payment_intent", "stripe.transfer", "stripe.refund"} <= set(registry.outbox_handlers)
    assert set(registry.gateways) == {"bank_transfer", "stripe"}
    assert set(registry.carriers) == {"manual", "ghn", "ghtk", "vtp"}
    assert {step.__name__ for step in registry.sweep_steps} == {
        "redrive_imports", "redrive_webhook_events", "redrive_settlements", "redrive_dispute_settlements",
        "warn_unshipped", "alert_failed_outbox", "redrive_carrier_events", "poll_due_shipments",
        "warn_unconfirmed", "sweep_payment_terms", "remind_expiring", "schedule_hs_training"}


def test_a_fresh_process_sees_the_same_declarations_whatever_it_imported_first():
    """A worker imports only what it needs; the registry is the same as the app's."""
    script = ("import marketplace.jobs\n"  # a low-level module first, as a bare worker would
              "from marketplace.app import REGISTRATIONS\n"
              "from marketplace.registry import Registry\n"
              "r = Registry(REGISTRATIONS)\n"
              "print(sorted(map(str, r.outbox_handlers)), [s.__qualname__ for s in r.sweep_steps], sorted(r.machines))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True).stdout
    here = Registry(REGISTRATIONS)
    expected = (sorted(map(str, here.outbox_handlers)), [s.__qualname__ for s in here.sweep_steps], sorted(here.machines))
    assert out.strip() == " ".join(map(str, expected))
