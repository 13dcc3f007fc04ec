"""The notification feed: one row per fact told to an organisation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, OrgScoped, utcnow
from ..extensions import db


class NotificationKind(StrEnum):
    """What a notification tells; each kind has its texts in ``messages.MESSAGES``."""

    RFQ_INVITATION = "rfq_invitation"  #: a vendor is invited to quote on an RFQ
    QUOTE_RECEIVED = "quote_received"  #: a buyer got a first quote
    QUOTE_REVISED = "quote_revised"  #: a buyer got a new version of a quote
    REVISION_REQUESTED = "revision_requested"  #: a buyer asks a vendor for a better offer
    QUOTE_NOT_SELECTED = "quote_not_selected"  #: a vendor's quote lost (rejected, or another was chosen)
    DEAL_AWARDED = "deal_awarded"  #: a vendor won a deal
    DEAL_FUNDED = "deal_funded"  #: the buyer's money is in escrow: the vendor may ship
    DEAL_RELEASED = "deal_released"  #: the vendor's money was released
    DISPUTE_OPENED = "dispute_opened"  #: the buyer opened a dispute on a vendor's deal
    RFQ_APPROVAL_REQUESTED = "rfq_approval_requested"  #: a requester asks the approvers to publish an RFQ
    RFQ_APPROVED = "rfq_approved"  #: an approver published the RFQ
    RFQ_APPROVAL_REJECTED = "rfq_approval_rejected"  #: an approver sent the RFQ back with a reason
    VENDOR_REVERIFICATION = "vendor_reverification"  #: a verified vendor's sensitive change awaits re-verification
    VENDOR_VERIFIED = "vendor_verified"  #: the platform verified (or re-verified, reinstated) the vendor
    VENDOR_REJECTED = "vendor_rejected"  #: the platform refused the vendor's verification, with a reason
    DELIVERY_REPORTED = "delivery_reported"  #: the vendor reports a deal delivered: the buyer is asked to confirm
    PAYMENT_LAPSED = "payment_lapsed"  #: a deal was not paid by its payment deadline and is cancelled (both sides)
    SHIP_BY_DUE = "ship_by_due"  #: a funded deal is unshipped on the eve of its ship-by date (the vendor)
    DEAL_CANCELLED_UNSHIPPED = "deal_cancelled_unshipped"  #: the buyer cancelled an unshipped deal past its grace


class Notification(OrgScoped, IdMixin, db.Model):
    """A feed item of one organisation; the text is rendered per reader (:func:`messages.render`)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key"), Index("ix_notifications_org", "org_id", "id"))
    __org_columns__ = ("org_id",)
    __noun__ = "notification"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))  #: a :class:`NotificationKind`
    key: Mapped[str] = mapped_column(String(200))  #: de-duplicates repeats of the same fact
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
