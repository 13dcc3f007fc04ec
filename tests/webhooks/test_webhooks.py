"""Outbound webhooks end to end: real facts, real RQ workers, the sweeper's re-drive, a real HTTP receiver.

Each event reaches each subscribed endpoint exactly once (2xx) after the receiver refused the first two
attempts; the receiver verifies every signature with the documented scheme; the log shows each attempt;
replay sends again as a new delivery; rotation signs with both secrets during the overlap, then the new one.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from marketplace.jobs import OutboxCommand
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify_org
from marketplace.settings import SettingsError, load_settings
from marketplace.webhooks import services
from marketplace.webhooks.models import OutboundEvent, WebhookDelivery

from ..factories import sweep_and_work
from .conftest import verify


def _endpoint(api, who, receiver, path: str, event_types, expect: int = 201) -> dict:
    body = api.post("/webhooks/endpoints", who, {"url": receiver.endpoint(path), "description": f"ERP {path}",
                                                  "event_types": event_types}, expect=expect)
    if expect == 201:
        assert body["secret"].startswith("whsec_")
        receiver.secrets[path] = [body["secret"]]
    return body


def _drain(db, run_jobs, rounds: int = 3) -> None:
    """Run the queued jobs, then let the sweeper re-drive the backed-off deliveries ``rounds`` times."""
    run_jobs()
    for _ in range(rounds):
        sweep_and_work(db, run_jobs)


def _expected(db, org_id: int, kinds: set[str] | None) -> list[str]:
    """Notification kinds of an organisation an endpoint subscribed to ``kinds`` (None: all) should receive."""
    rows = db.session.execute(select(Notification.kind).where(Notification.org_id == org_id)).scalars().all()
    return sorted(k for k in rows if (kinds is None or k in kinds) and k in services.event_types())


def test_each_event_arrives_once_per_endpoint_after_two_failed_attempts(api, world, db, run_jobs, receiver):
    vendor, buyer = world.vendors[0], world.buyer
    _endpoint(api, buyer, receiver, "/buyer-all", ["*"])
    _endpoint(api, vendor, receiver, "/vendor-erp", ["rfq_invitation", "deal_funded"])
    _endpoint(api, vendor, receiver, "/vendor-money", ["deal_funded"])

    deal = api.funded_deal(world)  # an RFQ invitation, a quote, an award, a funded deal: facts on both sides
    _drain(db, run_jobs)

    for path, org_id, kinds in (("/buyer-all", buyer.org_id, None),
                                ("/vendor-erp", vendor.org_id, {"rfq_invitation", "deal_funded"}),
                                ("/vendor-money", vendor.org_id, {"deal_funded"})):
        accepted = receiver.accepted(path)
        ids = Counter(d.headers["Marketplace-Event-Id"] for d in accepted)
        assert all(n == 1 for n in ids.values()), f"{path}: an event was accepted twice: {ids}"
        assert sorted(d.event["type"] for d in accepted) == _expected(db, org_id, kinds), path
        for d in receiver.to(path):
            assert d.verified_with == receiver.secrets[path], f"{path}: the signature does not verify"
            assert d.headers["Marketplace-Event-Type"] == d.event["type"]
            assert d.event["organization_id"] == org_id
        tries = Counter(d.headers["Marketplace-Event-Id"] for d in receiver.to(path))
        assert set(tries.values()) == {3}, f"{path}: each event needs two refusals and one success: {tries}"
    assert {d.event["type"] for d in receiver.accepted("/vendor-erp")} == {"rfq_invitation", "deal_funded"}
    funded = [d.event for d in receiver.accepted("/vendor-money")]
    assert [e["data"]["deal_id"] for e in funded] == [deal["id"]]
    assert funded[0]["data"]["notification_id"]
    assert receiver.accepted("/buyer-all"), "the buyer's facts reach the buyer's endpoint"

    # nothing is left to send, and a repeated fact is not sent again
    assert not db.session.execute(select(OutboxCommand).where(OutboxCommand.kind == "webhook.send",
                                                              OutboxCommand.status != "done")).scalars().all()
    before = len(receiver.requests)
    notify_org(vendor.org_id, "deal_funded", {"deal_id": deal["id"]}, key=f"deal-{deal['id']}-funded")
    db.session.commit()
    _drain(db, run_jobs, rounds=1)
    assert len(receiver.requests) == before


def test_the_log_shows_every_attempt_and_replay_sends_again(api, world, db, run_jobs, receiver):
    buyer = world.buyer
    endpoint = _endpoint(api, buyer, receiver, "/erp", ["deal_released"])
    notify_org(buyer.org_id, "deal_released", {"deal_id": 42}, key="deal-42-released")
    notify_org(buyer.org_id, "quote_received", {"rfq_id": 1, "quote_id": 2}, key="quote-2-1")  # not subscribed
    db.session.commit()
    _drain(db, run_jobs, rounds=2)

    log = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", buyer)["items"]
    assert len(log) == 1
    (delivery,) = log
    assert delivery["status"] == "succeeded" and delivery["event_type"] == "deal_released"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["succeeded"] for a in delivery["attempts"]] == [False, False, True]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    assert len(delivery["attempts"][0]["response_excerpt"].encode()) <= 1024
    assert delivery["attempts"][2]["response_excerpt"] == "ok"
    health = api.get(f"/webhooks/endpoints/{endpoint['id']}", buyer)["health"]
    assert health["last_status"] == "succeeded" and health["last_status_code"] == 200
    assert "secret" not in api.get(f"/webhooks/endpoints/{endpoint['id']}", buyer)

    replay = api.post(f"/webhooks/deliveries/{delivery['id']}/replay", buyer, expect=202)
    assert replay["id"] != delivery["id"] and replay["replay_of_id"] == delivery["id"]
    assert replay["event_id"] == delivery["event_id"] and replay["status"] == "pending"
    run_jobs()
    again = receiver.accepted("/erp")
    assert [d.headers["Marketplace-Event-Id"] for d in again] == [delivery["event_id"]] * 2
    assert [d.headers["Marketplace-Delivery-Id"] for d in again] == [str(delivery["id"]), str(replay["id"])]
    log = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", buyer)["items"]
    assert [(d["id"], d["status"]) for d in log] == [(replay["id"], "succeeded"), (delivery["id"], "succeeded")]
    assert api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries?status=failed", buyer)["items"] == []


def test_a_delivery_that_keeps_failing_is_failed_and_the_organisation_told_once(api, world, db, run_jobs, receiver,
                                                                               webhook_settings):
    webhook_settings["WEBHOOK_MAX_ATTEMPTS"] = 3
    buyer = world.buyer
    receiver.down.add("/down")
    endpoint = _endpoint(api, buyer, receiver, "/down", ["*"])
    notify_org(buyer.org_id, "deal_released", {"deal_id": 7}, key="deal-7-released")
    db.session.commit()
    _drain(db, run_jobs, rounds=4)

    assert len(receiver.to("/down")) == 3
    (delivery,) = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", buyer)["items"]
    assert delivery["status"] == "failed" and delivery["attempt_count"] == 3
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 503, 503]
    feed = api.get("/notifications", buyer)["items"]
    told = [n for n in feed if n["kind"] == "webhook_failing"]
    assert len(told) == 1 and told[0]["data"]["delivery_id"] == delivery["id"]
    mails = db.session.execute(select(OutboxCommand.payload).where(
        OutboxCommand.kind == "email.send", OutboxCommand.key.like("email:webhook-failed:%"))).scalars().all()
    assert [m["to"] for m in mails] == [buyer.email]  # the owner (and admins), not every member
    # the notice is not itself a webhook event: a failing endpoint cannot feed on its own failures
    assert not db.session.execute(select(OutboundEvent).where(OutboundEvent.type == "webhook_failing")).all()
    assert "webhook_failing" not in api.get("/webhooks/event-types", buyer)["event_types"]
    health = api.get(f"/webhooks/endpoints/{endpoint['id']}", buyer)["health"]
    assert health["failed_since_success"] == 1 and health["last_status"] == "failed"


def test_retries_back_off_from_the_base_doubling_and_capped(app, webhook_settings):
    webhook_settings["WEBHOOK_RETRY_BASE_SECONDS"] = 30
    try:
        assert [services.backoff(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 960, 1920]
        assert services.backoff(40) == services.MAX_BACKOFF_SECONDS
    finally:
        webhook_settings["WEBHOOK_RETRY_BASE_SECONDS"] = 30


def test_a_failed_attempt_waits_the_webhook_backoff_before_the_next(api, world, db, run_jobs, receiver):
    buyer = world.buyer
    _endpoint(api, buyer, receiver, "/slow", ["*"])
    notify_org(buyer.org_id, "deal_released", {"deal_id": 8}, key="deal-8-released")
    db.session.commit()
    run_jobs()
    waits = db.session.execute(sa.text(
        "SELECT extract(epoch FROM next_attempt_at - now()) FROM outbox_commands WHERE kind = 'webhook.send'"
    )).scalar_one()
    assert 20 < waits <= 30  # the first retry waits WEBHOOK_RETRY_BASE_SECONDS, not the outbox's default
    command = db.session.execute(select(OutboxCommand).where(OutboxCommand.kind == "webhook.send")).scalar_one()
    assert command.max_attempts == 8 and command.status == "pending"


def test_rotation_signs_with_both_secrets_during_the_overlap_then_only_the_new_one(api, world, db, run_jobs,
                                                                                   receiver):
    receiver.fail_first = 0
    buyer = world.buyer
    endpoint = _endpoint(api, buyer, receiver, "/rot", ["*"])
    old = endpoint["secret"]
    rotated = api.post(f"/webhooks/endpoints/{endpoint['id']}/rotate-secret", buyer)
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_") and rotated["previous_secret_expires_at"]
    receiver.secrets["/rot"] = [old, new]

    api.post(f"/webhooks/endpoints/{endpoint['id']}/test", buyer, expect=202)
    run_jobs()
    (during,) = receiver.accepted("/rot")
    assert during.event["type"] == "ping"
    assert len(during.signatures) == 2 and sorted(during.verified_with) == sorted([old, new])

    db.session.execute(sa.text("UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second'"))
    db.session.commit()
    api.post(f"/webhooks/endpoints/{endpoint['id']}/test", buyer, expect=202)
    run_jobs()
    after = receiver.accepted("/rot")[1]
    assert len(after.signatures) == 1 and after.verified_with == [new]


def test_a_signature_by_another_secret_or_of_another_body_does_not_verify(api, world, db, run_jobs, receiver):
    receiver.fail_first = 0
    endpoint = _endpoint(api, world.buyer, receiver, "/v", ["*"])
    api.post(f"/webhooks/endpoints/{endpoint['id']}/test", world.buyer, expect=202)
    run_jobs()
    (got,) = receiver.accepted("/v")
    header = got.headers["Marketplace-Signature"]
    assert verify(endpoint["secret"], header, got.body)
    assert not verify("whsec_other", header, got.body)
    assert not verify(endpoint["secret"], header, got.body.replace(b"ping", b"pong"))
    assert not verify(endpoint["secret"], header, got.body, tolerance=-1)  # too old for any tolerance


def test_endpoints_are_managed_by_owners_and_admins_of_their_organisation(api, world, db, receiver):
    buyer, other = world.buyer, world.other_buyer
    endpoint = _endpoint(api, buyer, receiver, "/mine", ["deal_funded", "rfq_invitation"])
    assert endpoint["event_types"] == ["rfq_invitation", "deal_funded"] or set(endpoint["event_types"]) == {
        "rfq_invitation", "deal_funded"}
    listed = api.get("/webhooks/endpoints", buyer)["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert api.get("/webhooks/endpoints", other)["items"] == []

    eid = endpoint["id"]
    for method, path in (("GET", f"/webhooks/endpoints/{eid}"), ("PATCH", f"/webhooks/endpoints/{eid}"),
                         ("DELETE", f"/webhooks/endpoints/{eid}"), ("POST", f"/webhooks/endpoints/{eid}/rotate-secret"),
                         ("POST", f"/webhooks/endpoints/{eid}/test"), ("GET", f"/webhooks/endpoints/{eid}/deliveries")):
        resp = api.call(method, path, other, json={} if method in ("POST", "PATCH") else None, expect=404)
        assert resp.get_json()["error"]["code"] == "not_found"
    api.call("GET", "/webhooks/endpoints", world.buyer_members["requester"], expect=403)

    changed = api.call("PATCH", f"/webhooks/endpoints/{eid}", buyer,
                       json={"enabled": False, "description": "paused"}, expect=200).get_json()
    assert changed["enabled"] is False and changed["description"] == "paused" and "secret" not in changed
    refused = api.post(f"/webhooks/endpoints/{eid}/test", buyer, expect=409)
    assert refused["error"]["code"] == "endpoint_disabled"
    api.call("DELETE", f"/webhooks/endpoints/{eid}", buyer, expect=204)
    api.get(f"/webhooks/endpoints/{eid}", buyer, expect=404)


def test_a_replay_of_another_organisations_delivery_is_not_found(api, world, db, run_jobs, receiver):
    receiver.fail_first = 0
    endpoint = _endpoint(api, world.buyer, receiver, "/x", ["*"])
    delivery = api.post(f"/webhooks/endpoints/{endpoint['id']}/test", world.buyer, expect=202)
    assert api.post(f"/webhooks/deliveries/{delivery['id']}/replay", world.other_buyer, expect=404)["error"]
    assert db.session.execute(select(sa.func.count(WebhookDelivery.id))).scalar_one() == 1


def test_bad_input_is_a_422_envelope(api, world, receiver, webhook_settings):
    buyer = world.buyer
    cases = [
        ({"event_types": ["*"]}, "url"),
        ({"url": "ftp://example.com/x", "event_types": ["*"]}, "url"),
        ({"url": "not a url", "event_types": ["*"]}, "url"),
        ({"url": "https://user:pw@example.com/x", "event_types": ["*"]}, "url"),
        ({"url": receiver.endpoint("/a"), "event_types": []}, "event_types"),
        ({"url": receiver.endpoint("/a"), "event_types": ["no_such_kind"]}, "event_types"),
        ({"url": receiver.endpoint("/a")}, "event_types"),
    ]
    for body, field in cases:
        error = api.post("/webhooks/endpoints", buyer, body, expect=422)["error"]
        assert field in error["fields"], (body, error)
    webhook_settings["WEBHOOK_ALLOW_HTTP"] = False
    error = api.post("/webhooks/endpoints", buyer, {"url": receiver.endpoint("/a"), "event_types": ["*"]},
                     expect=422)["error"]
    assert error["fields"]["url"] == ["The URL must start with https://."]
    assert api.get("/webhooks/endpoints?cursor=nope", buyer, expect=422)["error"]["fields"]["cursor"]
    assert api.get("/webhooks/endpoints/1/deliveries?status=lost", buyer, expect=422)["error"]["fields"]["status"]


def test_the_ssrf_guard_refuses_private_addresses_at_registration_and_at_delivery(api, world, db, run_jobs, receiver,
                                                                                  webhook_settings):
    buyer = world.buyer
    webhook_settings["WEBHOOK_ALLOW_PRIVATE"] = False
    for url in (receiver.endpoint("/p"), "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]/x",
                "http://localhost:9/x", "https://unknown-host.invalid/x"):
        error = api.post("/webhooks/endpoints", buyer, {"url": url, "event_types": ["*"]}, expect=422)["error"]
        assert error["code"] == "unsafe_url", url
    assert services._is_public("93.184.216.34") and not services._is_public("::ffff:127.0.0.1")

    webhook_settings["WEBHOOK_ALLOW_PRIVATE"] = True  # registered while allowed, refused when sending
    endpoint = _endpoint(api, buyer, receiver, "/p", ["*"])
    webhook_settings["WEBHOOK_ALLOW_PRIVATE"] = False
    api.post(f"/webhooks/endpoints/{endpoint['id']}/test", buyer, expect=202)
    run_jobs()
    assert receiver.to("/p") == []
    (delivery,) = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", buyer)["items"]
    assert delivery["status"] == "pending" and delivery["attempts"][0]["status_code"] is None
    assert "private" in delivery["attempts"][0]["error"]


def test_a_disabled_endpoint_gets_nothing(api, world, db, run_jobs, receiver):
    buyer = world.buyer
    endpoint = _endpoint(api, buyer, receiver, "/off", ["*"])
    notify_org(buyer.org_id, "deal_released", {"deal_id": 5}, key="deal-5-released")
    db.session.commit()
    api.call("PATCH", f"/webhooks/endpoints/{endpoint['id']}", buyer, json={"enabled": False}, expect=200)
    run_jobs()  # queued before it was disabled: skipped when its turn came
    notify_org(buyer.org_id, "deal_released", {"deal_id": 6}, key="deal-6-released")
    db.session.commit()
    run_jobs()
    assert receiver.to("/off") == []
    log = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", buyer)["items"]
    assert [d["status"] for d in log] == ["skipped"]


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(api, world, db, run_jobs, receiver):
    receiver.moved.add("/moved")
    endpoint = _endpoint(api, world.buyer, receiver, "/moved", ["*"])
    api.post(f"/webhooks/endpoints/{endpoint['id']}/test", world.buyer, expect=202)
    run_jobs()
    assert len(receiver.to("/moved")) == 1 and receiver.to("/elsewhere") == []
    (delivery,) = api.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", world.buyer)["items"]
    assert delivery["status"] == "pending" and delivery["attempts"][0]["status_code"] == 302


def test_webhook_settings_fail_fast_on_bad_values():
    for name, value in (("WEBHOOK_MAX_ATTEMPTS", 0), ("WEBHOOK_TIMEOUT_SECONDS", 0), ("WEBHOOK_RETRY_BASE_SECONDS", -1),
                        ("WEBHOOK_SECRET_OVERLAP_HOURS", -1), ("WEBHOOK_ALLOW_HTTP", "maybe")):
        with pytest.raises(SettingsError):
            load_settings({name: value}, environ={})
    assert load_settings({}, environ={})["WEBHOOK_ALLOW_PRIVATE"] is False
