"""What ``webhooks`` declares to the registry: its tables and the delivery outbox handler (own back-off,
an attempt log on every failure); it needs the event types from the package that defines them."""

from ..registry import OutboxHandler, Registration
from . import models, services

registration = Registration(
    name="webhooks",
    models=(models,),
    outbox_handlers={services.WEBHOOK_SEND: OutboxHandler(services.send_delivery, follow_up=services.record_success,
                                                          on_error=services.record_failure,
                                                          backoff=services.backoff)},
    requires=(services.EVENT_TYPES_HOOK,),
)
