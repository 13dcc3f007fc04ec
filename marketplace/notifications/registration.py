"""What ``notifications`` declares to the registry: its feed table and the e-mail outbox handler."""

from ..registry import OutboxHandler, Registration
from . import models, services

registration = Registration(
    name="notifications",
    models=(models,),
    outbox_handlers={services.EMAIL_SEND: OutboxHandler(services.deliver_email)},
)
