"""What ``notifications`` declares to the registry: its feed table and the e-mail outbox handler; to
``webhooks``, the event types endpoints may subscribe to and the notice of a delivery that failed."""

from ..accounts.models import MANAGERS
from ..registry import OutboxHandler, Registration
from ..webhooks import services as webhooks
from . import models, services

#: kinds never sent to webhooks: notices about failing deliveries would feed on their own failures
#: (and the platform's own alerts, which no customer endpoint is for)
NOT_WEBHOOK_EVENTS = frozenset({models.NotificationKind.WEBHOOK_FAILING, models.NotificationKind.OUTBOX_FAILED,
                                models.NotificationKind.SHIPMENT_UNKNOWN_STATUS})


def webhook_event_types() -> list[str]:
    """The notification kinds an endpoint may subscribe to."""
    return [str(k) for k in models.NotificationKind if k not in NOT_WEBHOOK_EVENTS]


def tell_webhook_failed(org_id: int, data: dict, *, key: str) -> None:
    """A webhook delivery failed for good: the organisation's feed shows it, its owners and admins get the e-mail."""
    services.notify_org(org_id, models.NotificationKind.WEBHOOK_FAILING, data, key=key, roles=MANAGERS)


registration = Registration(
    name="notifications",
    models=(models,),
    outbox_handlers={services.EMAIL_SEND: OutboxHandler(services.deliver_email)},
    sweep_steps=(services.alert_failed_outbox,),  # platform admins told of outgoing calls that gave up
    hooks={webhooks.EVENT_TYPES_HOOK: webhook_event_types},
    listeners={webhooks.DELIVERY_FAILED: tell_webhook_failed},
)
