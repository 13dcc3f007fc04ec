"""Every transition table the domain packages register, tested from the table itself.

The machines come from the registry (what ``create_app`` collects), so a new lifecycle is tested as
soon as its package registers it. For each (machine, transition): from a state that is not a source
it is refused (409), from each source and for each allowed role it moves the state and writes one
event, a disallowed role is refused (403), and applying it again once applied is a no-op.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.actors import ROLES, Actor
from marketplace.app import REGISTRATIONS
from marketplace.database import utcnow
from marketplace.deals.models import DealStatus
from marketplace.errors import ForbiddenError, IllegalTransitionError
from marketplace.registry import Registry
from marketplace.rfq.models import RfqStatus
from marketplace.statemachine import Event

MACHINES = Registry(REGISTRATIONS).machines
deal_machine = MACHINES["deal"]
CASES = [(subject, t.name) for subject, m in MACHINES.items() for t in m.transitions]


@pytest.fixture
def subjects(db):
    """One bare row per machine, built directly (no HTTP): buyer, vendor, RFQ, quote, deal, dispute."""
    from marketplace.accounts.services import create_organization, create_user
    from marketplace.contracts.models import (
        Contract,
        ContractSource,
        ContractStatus,
        ContractVersion,
        VersionStatus,
    )
    from marketplace.deals.models import Deal
    from marketplace.disputes.models import Dispute
    from marketplace.orders.models import Order, OrderStatus
    from marketplace.rfq.models import Quote, Rfq
    from marketplace.vendors.models import VendorProfile

    user = create_user("sm@example.test", "State Machine", "correct-horse-battery")
    buyer = create_organization("buyer", "Buyer")
    vendor_org = create_organization("vendor", "Vendor")
    rfq = Rfq(buyer_id=buyer.id, created_by=user.id, title="Bearings", currency="VND", status=RfqStatus.DRAFT,
              quote_deadline=utcnow() + timedelta(days=5))
    db.session.add(rfq)
    db.session.flush()
    quote = Quote(rfq_id=rfq.id, vendor_id=vendor_org.id, currency="VND", incoterm="DAP", lead_time_days=5,
                  valid_until=utcnow() + timedelta(days=14), payment_terms=[{"name": "full", "percent": 100,
                                                                              "due": "before_shipment"}])
    db.session.add(quote)
    db.session.flush()
    deal = Deal(rfq_id=rfq.id, quote_id=quote.id, buyer_id=buyer.id, vendor_id=vendor_org.id, status=DealStatus.AWAITING_PAYMENT,
                currency="VND", subtotal=1000, freight=0, total=1000, commission_bps=500, terms={})
    db.session.add(deal)
    db.session.flush()
    dispute = Dispute(deal_id=deal.id, buyer_id=buyer.id, vendor_id=vendor_org.id, currency="VND",
                      opened_by=user.id, reason="damaged", description="rusty")
    db.session.add(dispute)
    db.session.flush()
    order = Order(buyer_id=buyer.id, vendor_id=vendor_org.id, placed_by=user.id, status=OrderStatus.PLACED,
                  currency="VND", subtotal=1000, freight=0, total=1000)
    db.session.add(order)
    db.session.flush()
    contract = Contract(buyer_id=buyer.id, vendor_id=vendor_org.id, title="Bearings 2027", currency="VND",
                        status=ContractStatus.PROPOSED, source=ContractSource.DIRECT, starts_on=date.today(),
                        ends_on=date.today() + timedelta(days=365), proposed_by_org=buyer.id)
    contract.versions = [ContractVersion(number=1, status=VersionStatus.PROPOSED, proposed_by_org=buyer.id,
                                         ends_on=contract.ends_on, max_value=10_000,
                                         payment_terms=[{"name": "full", "percent": 100, "due": "before_shipment"}])]
    db.session.add(contract)
    db.session.flush()
    db.session.commit()
    return {"deal": deal, "rfq": rfq, "quote": quote, "dispute": dispute, "order": order,
            "vendor": db.session.get(VendorProfile, vendor_org.id), "contract": contract,
            "contract_version": contract.versions[0]}


def _events(subject: str, subject_id: int) -> list[Event]:
    return list(Event.query.filter_by(subject_type=subject, subject_id=subject_id).order_by(Event.id))


def _put(db, obj, machine, state: str):
    obj = machine.lock(obj.id)
    setattr(obj, machine.state_attr, state)
    db.session.flush()
    return obj


def _actor(role: str) -> Actor:
    return Actor(role, user_id=None, org_id=None)


@pytest.mark.parametrize("subject, name", CASES, ids=[f"{s}.{n}" for s, n in CASES])
def test_transition_follows_its_table(db, subjects, subject, name):
    machine = MACHINES[subject]
    t = machine.transition(name)
    obj = subjects[subject]
    allowed_role = sorted(t.roles)[0]

    for state in machine.states:
        nested = db.session.begin_nested()
        obj = _put(db, obj, machine, state)
        before = len(_events(subject, obj.id))
        if state in t.sources:
            for role in sorted(t.roles):
                inner = db.session.begin_nested()
                assert machine.apply(obj, name, _actor(role)) is True, (state, role)
                obj = machine.lock(obj.id)
                assert getattr(obj, machine.state_attr) == t.target
                events = _events(subject, obj.id)
                assert len(events) == before + 1
                assert (events[-1].name, events[-1].from_state, events[-1].to_state, events[-1].actor_role) == (
                    name, state, t.target, role)
                if t.target not in t.sources:
                    # a double click or a retried job: nothing happens, no second event
                    assert machine.apply(obj, name, _actor(role)) is False
                    assert len(_events(subject, obj.id)) == before + 1
                    assert getattr(machine.lock(obj.id), machine.state_attr) == t.target
                inner.rollback()
                obj = machine.lock(obj.id)
        elif state == t.target:
            assert machine.apply(obj, name, _actor(allowed_role)) is False, state
            assert len(_events(subject, obj.id)) == before
        else:
            with pytest.raises(IllegalTransitionError) as info:
                machine.apply(obj, name, _actor(allowed_role))
            assert info.value.status == 409
            assert info.value.details["state"] == state
            assert getattr(machine.lock(obj.id), machine.state_attr) == state
            assert len(_events(subject, obj.id)) == before
        for role in sorted(ROLES - t.roles):
            with pytest.raises(ForbiddenError):
                machine.apply(obj, name, _actor(role))
            assert getattr(machine.lock(obj.id), machine.state_attr) == state
            assert len(_events(subject, obj.id)) == before
        nested.rollback()
        obj = machine.lock(obj.id)


def test_every_registered_machine_is_exercised(subjects):
    """A lifecycle registered without a row in ``subjects`` would silently go untested."""
    assert set(MACHINES) <= set(subjects)


@pytest.mark.parametrize("subject", sorted(MACHINES))
def test_tables_are_well_formed(subject):
    machine = MACHINES[subject]
    names = [t.name for t in machine.transitions]
    assert len(names) == len(set(names))
    for t in machine.transitions:
        assert t.roles and t.roles <= ROLES
        assert set(t.sources) <= set(machine.states) and t.target in machine.states
    # every state but the initial ones can be reached by some transition
    targets = {t.target for t in machine.transitions}
    sources = {s for t in machine.transitions for s in t.sources}
    assert set(machine.states) <= targets | sources


def test_allowed_lists_what_a_role_may_do(subjects):
    assert set(deal_machine.allowed("delivered", "buyer")) == {"accept", "accept_partly", "open_dispute"}
    assert deal_machine.allowed("funded", "vendor") == ["ship"]
    assert deal_machine.allowed("released", "buyer") == []


def test_timer_deadline_is_scheduled_on_entry_and_cancelled_on_exit(db, subjects):
    from marketplace.statemachine import Deadline

    deal = _put(db, subjects["deal"], deal_machine, "shipped")
    deal_machine.apply(deal, "confirm_delivery", _actor("buyer"))
    live = db.session.execute(select(Deadline).where(Deadline.subject_type == "deal", Deadline.subject_id == deal.id,
                                                     Deadline.cancelled_at.is_(None))).scalars().all()
    assert [(d.kind, d.expected_state, d.transition) for d in live] == [("inspection", "delivered", "accept")]
    deal_machine.apply(deal, "open_dispute", _actor("buyer"))
    still_live = db.session.execute(select(func.count(Deadline.id)).where(
        Deadline.subject_type == "deal", Deadline.subject_id == deal.id, Deadline.cancelled_at.is_(None))).scalar_one()
    assert still_live == 0


def test_an_illegal_transition_answers_409_with_the_state_and_what_it_allows_as_details(api, world):
    """The envelope's ``fields`` is for input messages; the refusal's facts come as ``details``."""
    deal = api.funded_deal(world)
    err = api.post(f"/deals/{deal['id']}/accept", world.buyer, expect=409)["error"]
    assert err["code"] == "illegal_transition" and "fields" not in err
    # a buyer waits for the shipment here (or, past the ship-by grace, cancels it unshipped)
    assert err["details"] == {"state": "funded", "allowed": ["cancel_unshipped"]}
