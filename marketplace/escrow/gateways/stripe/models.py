"""Stripe tables: vendors' connected accounts, milestones' PaymentIntents and the webhook inbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ....database import IdMixin, TimestampMixin, utcnow
from ....extensions import db


class StripeCommand(StrEnum):
    """The kinds of outbox command that call Stripe (``OutboxCommand.kind``); each names its call in logs."""

    PAYMENT_INTENT = "stripe.payment_intent"  #: create a milestone's PaymentIntent (key ``pi-m<id>``)
    TRANSFER = "stripe.transfer"  #: transfer a vendor's net to its connected account (key ``tr-m<id>``)
    REFUND = "stripe.refund"  #: refund the buyer's part against its PaymentIntent (key ``re-m<id>``)
    ACCOUNT = "stripe.account"  #: create a vendor's Express connected account (key ``acct-v<id>``)


class StripeAccountStatus(StrEnum):
    """How far a vendor's connected account is from receiving transfers."""

    CREATING = "creating"  #: the outbox has not created the connected account yet
    ONBOARDING = "onboarding"  #: created; the vendor has not finished Stripe's forms
    ENABLED = "enabled"  #: details submitted and payouts enabled: transfers may go there


class StripeAccount(TimestampMixin, db.Model):
    """A vendor's Express connected account: where its transfers go."""

    __tablename__ = "stripe_accounts"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(64), unique=True)  #: ``acct_...``; NULL while being created
    details_submitted: Mapped[bool] = mapped_column(default=False, server_default=false())  #: onboarding finished
    charges_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    payouts_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())  #: Stripe pays its bank

    @property
    def status(self) -> str:
        """A :class:`StripeAccountStatus`."""
        if self.account_id is None:
            return StripeAccountStatus.CREATING
        if self.details_submitted and self.payouts_enabled:
            return StripeAccountStatus.ENABLED
        return StripeAccountStatus.ONBOARDING


class PaymentIntentStatus(StrEnum):
    """A PaymentIntent's status, as Stripe names it."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"  #: created; the buyer has not paid (or a try failed)
    REQUIRES_CONFIRMATION = "requires_confirmation"  #: a card is attached, not confirmed
    REQUIRES_ACTION = "requires_action"  #: 3-D Secure or similar in the buyer's browser
    PROCESSING = "processing"  #: asynchronous methods: Stripe is collecting
    REQUIRES_CAPTURE = "requires_capture"  #: authorised only (we capture automatically; kept for completeness)
    SUCCEEDED = "succeeded"  #: the money is on the platform account (terminal)
    CANCELED = "canceled"  #: abandoned (terminal)


TERMINAL = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED)


class StripePayment(IdMixin, TimestampMixin, db.Model):
    """One milestone's PaymentIntent, as our records know it (Stripe is re-asked on every event)."""

    __tablename__ = "stripe_payments"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), unique=True)
    payment_intent_id: Mapped[str] = mapped_column(String(64), unique=True)  #: ``pi_...``
    client_secret: Mapped[str] = mapped_column(String(255))  #: handed to the buyer's browser only
    amount: Mapped[int]  #: our minor units of ``currency`` (the milestone amount)
    currency: Mapped[str] = mapped_column(String(3))
    #: a :class:`PaymentIntentStatus`
    status: Mapped[str] = mapped_column(String(32), default=PaymentIntentStatus.REQUIRES_PAYMENT_METHOD)
    charge_id: Mapped[str | None] = mapped_column(String(64))  #: ``ch_...`` once succeeded (transfers' source)


class WebhookEventStatus(StrEnum):
    """Where one stored provider event is in its processing."""

    RECEIVED = "received"  #: stored, waiting for (or re-driven to) the processing job
    PROCESSED = "processed"  #: our records reflect what Stripe said when we re-fetched the object
    IGNORED = "ignored"  #: not a type we act on, or about an object that is not ours
    FAILED = "failed"  #: our rules refused it (e.g. amount mismatch) or it kept failing: an admin must look



class WebhookEvent(IdMixin, db.Model):
    """One delivered provider event; the unique (provider, event_id) makes re-deliveries no-ops."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(32))  #: ``stripe``
    event_id: Mapped[str] = mapped_column(String(255))  #: the provider's id, e.g. ``evt_...``
    type: Mapped[str] = mapped_column(String(100))  #: e.g. ``payment_intent.succeeded``
    object_id: Mapped[str | None] = mapped_column(String(255))  #: the object to re-fetch, e.g. ``pi_...``
    payload: Mapped[dict] = mapped_column(JSONB)  #: the verified body, kept for audit
    #: a :class:`WebhookEventStatus`
    status: Mapped[str] = mapped_column(String(16), default=WebhookEventStatus.RECEIVED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    processed_at: Mapped[datetime | None]
