"""Webhook tables: an organisation's endpoints, the events told to them, each delivery and its attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db

#: the event-type list that subscribes an endpoint to every event (as Stripe's ``enabled_events``)
ALL_EVENTS = "*"
#: the event type of a test delivery (``POST /webhooks/endpoints/{id}/test``); never subscribed to
PING = "ping"


class DeliveryStatus(StrEnum):
    """Where one delivery of one event to one endpoint is."""

    PENDING = "pending"  #: waiting for its first attempt, or for a retry after a failed one
    SUCCEEDED = "succeeded"  #: the endpoint answered 2xx
    FAILED = "failed"  #: every attempt failed; the organisation was told; a replay may try again
    SKIPPED = "skipped"  #: the endpoint was disabled (or its URL refused) before the attempt; nothing was sent


class WebhookEndpoint(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """A URL of an organisation that receives the events it subscribes to, signed with its secret."""

    __tablename__ = "webhook_endpoints"
    __org_columns__ = ("org_id",)
    __noun__ = "webhook endpoint"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: event types (notification kinds) sent here, or ``["*"]`` for all
    event_types: Mapped[list] = mapped_column(JSONB, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: the signing secret (``whsec_...``); HMAC needs it in clear, so it is shown only on creation and rotation
    secret: Mapped[str] = mapped_column(String(100))
    #: the secret before the last rotation: it still signs until ``previous_secret_expires_at``
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    secret_rotated_at: Mapped[datetime | None]

    #: an :class:`~marketplace.webhooks.services.EndpointHealth` set by the services that read endpoints
    health = None

    def subscribes(self, event_type: str) -> bool:
        """Whether events of ``event_type`` are sent here (while enabled)."""
        return self.enabled and (ALL_EVENTS in self.event_types or event_type in self.event_types)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery at ``now``: the current one, and the previous one during the overlap."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class OutboundEvent(OrgScoped, db.Model):
    """One fact told to an organisation, as its endpoints receive it (the body is built from this row)."""

    __tablename__ = "webhook_outbound_events"
    __org_columns__ = ("org_id",)
    __noun__ = "webhook event"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  #: ``evt_`` + 24 hex digits
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(48))  #: a notification kind, or ``ping``
    #: the fact's de-duplication key (the notification's); NULL for test events
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(OrgScoped, IdMixin, db.Model):
    """One event sent to one endpoint (a replay is a new delivery): its outbox row makes the attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),)
    __org_columns__ = ("org_id",)
    __noun__ = "webhook delivery"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_outbound_events.id", ondelete="CASCADE"), index=True)
    #: the delivery this one replays (NULL for the first delivery of an event)
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="SET NULL"))
    #: a :class:`DeliveryStatus`: pending -> succeeded | failed | skipped
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    outbox_key: Mapped[str] = mapped_column(String(200), unique=True)  #: the outbox row's idempotency key
    attempt_count: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]  #: the HTTP status of the last attempt (NULL: no answer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]  #: when it succeeded, failed for good or was skipped

    event: Mapped[OutboundEvent] = relationship(lazy="joined")
    attempts: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.number", lazy="selectin",
                                                          cascade="all, delete-orphan", passive_deletes=True)


class WebhookAttempt(IdMixin, db.Model):
    """One HTTP request of a delivery: what the endpoint answered (or why there was no answer)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "number"),)

    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    number: Mapped[int]  #: 1 for the first attempt of the delivery
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None]
    status_code: Mapped[int | None]  #: NULL: no HTTP answer (network error, timeout, refused address)
    response_excerpt: Mapped[str | None] = mapped_column(Text)  #: the first 1 KB of the answer's body
    error: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[bool] = mapped_column(default=False)
