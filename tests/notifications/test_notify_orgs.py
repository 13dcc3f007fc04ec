"""Telling several organisations at once (a settled deal's two parties): the same effects as one
:func:`notify_org` per notice — a feed item each, once per key, e-mails to each one's members, an
integrators' event where an endpoint subscribes."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.jobs import OutboxCommand
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify_org, notify_orgs
from marketplace.webhooks.models import OutboundEvent, WebhookEndpoint


def _mails(db, key: str) -> set[str]:
    return {c.payload["to"] for c in db.session.execute(select(OutboxCommand).where(
        OutboxCommand.kind == "email.send", OutboxCommand.key.like(f"email:{key}:%"))).scalars()}


def test_each_organisation_is_told_once_with_its_mails_and_events(api, world, db):
    buyer, vendor = world.buyer, world.vendors[0]
    db.session.add(WebhookEndpoint(org_id=buyer.org_id, url="https://erp.example/hook", description="ERP",
                                   event_types=["deal_completed"], secret="whsec_test", enabled=True))
    db.session.commit()
    notices = [(vendor.org_id, "deal_released", {"deal_id": 77}, "deal-77-released"),
               (buyer.org_id, "deal_completed", {"deal_id": 77}, "deal-77-completed")]
    for _ in range(2):  # a repeat tells nobody again
        notify_orgs(notices)
        db.session.commit()

    items = db.session.execute(select(Notification.org_id, Notification.kind).where(
        Notification.key.in_(["deal-77-released", "deal-77-completed"])).order_by(Notification.id)).all()
    assert items == [(vendor.org_id, "deal_released"), (buyer.org_id, "deal_completed")]
    assert vendor.email in _mails(db, "deal-77-released") and buyer.email not in _mails(db, "deal-77-released")
    assert buyer.email in _mails(db, "deal-77-completed") and vendor.email not in _mails(db, "deal-77-completed")
    for org_id, kind, data, key in notices:  # the same as telling each one by one
        notify_org(org_id, kind, data, key=f"one-{key}")
    db.session.commit()
    assert _mails(db, "deal-77-completed") == _mails(db, "one-deal-77-completed")
    assert _mails(db, "deal-77-released") == _mails(db, "one-deal-77-released")
    events = db.session.execute(select(OutboundEvent.org_id, OutboundEvent.type).where(
        OutboundEvent.key.in_(["deal-77-released", "deal-77-completed"]))).all()
    assert events == [(buyer.org_id, "deal_completed")]  # only the buyer has an endpoint, subscribed to it
    assert db.session.execute(select(func.count()).select_from(OutboxCommand).where(
        OutboxCommand.key.like("email:deal-77-%"))).scalar_one() == len(_mails(db, "deal-77-released")) + len(
        _mails(db, "deal-77-completed"))
