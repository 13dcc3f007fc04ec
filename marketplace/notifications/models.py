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
    #: the buyer accepted part of a deal: that share is released, the rest held under a dispute (vendor)
    DEAL_PARTLY_ACCEPTED = "deal_partly_accepted"
    DISPUTE_OPENED = "dispute_opened"  #: the buyer opened a dispute on a vendor's deal
    DISPUTE_STATE_CHANGED = "dispute_state_changed"  #: a dispute moved on (both parties and the platform are told)
    DISPUTE_OFFER_MADE = "dispute_offer_made"  #: a party proposed a settlement of a dispute (the other party)
    DISPUTE_OFFER_REJECTED = "dispute_offer_rejected"  #: the other party rejected a settlement offer (its proposer)
    DISPUTE_EVIDENCE_REQUESTED = "dispute_evidence_requested"  #: an admin asks a party for evidence by a deadline
    DISPUTE_OPENED_BY_VENDOR = "dispute_opened_by_vendor"  #: the vendor opened a dispute on a buyer's deal
    DISPUTE_FILED = "dispute_filed"  #: a new dispute reached the platform's dispute desk (platform staff)
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
    DEAL_APPROVAL_REQUESTED = "deal_approval_requested"  #: a deal above the threshold awaits an approver (approvers)
    DEAL_PAYABLE = "deal_payable"  #: a deal awaits the buyer's payment into escrow, with the date it lapses (buyer)
    PAYMENT_RECEIVED = "payment_received"  #: the buyer's money is held in escrow; the vendor must ship by (buyer)
    DEAL_SHIPPED = "deal_shipped"  #: the vendor handed the goods to a carrier, with tracking (buyer)
    #: one shipment of a deal shipped in parts arrived; the rest is still on its way or to be shipped (buyer, vendor)
    DEAL_PARTLY_DELIVERED = "deal_partly_delivered"
    #: a carrier booking that timed out was retried in the background and went through (vendor)
    SHIPMENT_BOOKED = "shipment_booked"
    #: a carrier booking failed for good: nothing was booked, book again (vendor)
    SHIPMENT_BOOKING_FAILED = "shipment_booking_failed"
    DEAL_DELIVERED = "deal_delivered"  #: the delivery is confirmed; the inspection window runs (buyer)
    DEAL_ACCEPTED = "deal_accepted"  #: the goods were accepted (by the buyer or its silence); release follows (vendor)
    DEAL_COMPLETED = "deal_completed"  #: the money was released to the vendor: the deal is complete (buyer)
    DEAL_REFUNDED = "deal_refunded"  #: a platform admin refunded the deal to the buyer (buyer)
    DEAL_REFUNDED_VENDOR = "deal_refunded_vendor"  #: a platform admin refunded the deal: do not ship (vendor)
    DEAL_CANCELLED = "deal_cancelled"  #: a party or an admin cancelled an unpaid deal (the other side, or both)
    VENDOR_VERIFICATION_REQUESTED = "vendor_verification_requested"  #: a vendor asks to be verified (platform admins)
    VENDOR_CHANGE_REVIEW = "vendor_change_review"  #: a verified vendor's sensitive change awaits review (admins)
    #: a delivery attempt failed; the carrier retries or arranges a new delivery (sender and receiver)
    SHIPMENT_DELIVERY_FAILED = "shipment_delivery_failed"
    SHIPMENT_EXCEPTION = "shipment_exception"  #: the carrier holds the shipment up (sender and receiver)
    SHIPMENT_RETURNING = "shipment_returning"  #: the carrier is bringing the goods back (their sender)
    SHIPMENT_RETURNING_RECEIVER = "shipment_returning_receiver"  #: the shipment goes back to its sender (receiver)
    SHIPMENT_RETURNED = "shipment_returned"  #: the goods are back with their sender (sender)
    SHIPMENT_RETURNED_RECEIVER = "shipment_returned_receiver"  #: the shipment went back to its sender (receiver)
    SHIPMENT_LOST = "shipment_lost"  #: the carrier reports the goods lost (sender and receiver)
    #: a carrier sent a status code its table does not know; the shipment is an exception (platform admins)
    SHIPMENT_UNKNOWN_STATUS = "shipment_unknown_status"
    OUTBOX_FAILED = "outbox_failed"  #: an external call gave up after its last attempt (platform admins)
    #: a webhook delivery failed after its last attempt (never itself sent to webhooks: no loop)
    WEBHOOK_FAILING = "webhook_failing"
    DEAL_REVIEWED = "deal_reviewed"  #: the buyer rated a finished deal (vendor)
    DEAL_REVIEW_REPLIED = "deal_review_replied"  #: the vendor answered the buyer's review of a deal (buyer)
    MILESTONE_DUE = "milestone_due"  #: the deal was delivered: a term due after delivery is payable, by when (buyer)
    MILESTONE_DUE_SOON = "milestone_due_soon"  #: a term due after delivery is still unpaid days before its date (buyer)
    MILESTONE_OVERDUE = "milestone_overdue"  #: a term due after delivery is unpaid past its due date (buyer)
    MILESTONE_OVERDUE_VENDOR = "milestone_overdue_vendor"  #: the buyer has not paid a term by its due date (vendor)
    MILESTONE_PAID = "milestone_paid"  #: the buyer paid a term due after delivery: held, or released at once (vendor)
    ORDER_PLACED = "order_placed"  #: a buyer placed a catalog order: confirm or reject it by its deadline (vendor)
    ORDER_APPROVAL_REQUESTED = "order_approval_requested"  #: an order above the threshold awaits an approver (approvers)
    ORDER_CONFIRMED = "order_confirmed"  #: the vendor confirmed the order: its deal awaits payment (buyer)
    ORDER_REJECTED = "order_rejected"  #: the vendor refused the order, with a reason (buyer)
    ORDER_CONFIRM_DUE = "order_confirm_due"  #: a placed order's confirmation deadline is near (vendor)
    ORDER_LAPSED = "order_lapsed"  #: the vendor did not answer in time: the order is cancelled (both sides)
    CONTRACT_PROPOSED = "contract_proposed"  #: a contract waits for this side's signature by its deadline
    CONTRACT_SIGNED = "contract_signed"  #: both sides signed: call-offs may be placed (both sides)
    CONTRACT_DECLINED = "contract_declined"  #: the other side refused to sign, with a reason (proposer)
    CONTRACT_WITHDRAWN = "contract_withdrawn"  #: the proposer took back a contract or amendment (other side)
    CONTRACT_LAPSED = "contract_lapsed"  #: a contract or amendment was not signed by both in time (both sides)
    CONTRACT_EXPIRING = "contract_expiring"  #: an active contract ends in 30 or 7 days (both sides)
    CONTRACT_EXPIRED = "contract_expired"  #: a contract's validity ended (both sides)
    CONTRACT_TERMINATED = "contract_terminated"  #: the other side ended a contract early, with a reason
    CONTRACT_AMENDMENT_PROPOSED = "contract_amendment_proposed"  #: new terms wait for this side's acceptance
    CONTRACT_AMENDED = "contract_amended"  #: both sides accepted an amendment: later call-offs use it (both sides)
    CONTRACT_AMENDMENT_DECLINED = "contract_amendment_declined"  #: the other side refused an amendment (proposer)
    CONTRACT_CALL_OFF = "contract_call_off"  #: the buyer called off goods under a contract: a deal exists (vendor)
    #: the vendor's VAT e-invoice disagrees with the deal (tax codes, currency or total) (buyer and vendor)
    E_INVOICE_MISMATCH = "e_invoice_mismatch"


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


class NotificationTopic(StrEnum):
    """A group of kinds a member may choose not to receive by e-mail (the feed always has every kind)."""

    DEALS = "deals"  #: deals and money: approval, payment, shipping, delivery, release, refunds, cancellation
    RFQS = "rfqs"  #: RFQs and quotes: invitations, quotes, revisions, awards, RFQ approvals
    DISPUTES = "disputes"  #: disputes and their offers, messages and decisions
    ACCOUNT = "account"  #: the account and the vendor's verification; platform alerts for admins


class NotificationPreference(IdMixin, db.Model):
    """One member's e-mail choice for one topic; without a row the member gets the topic's e-mails."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("membership_id", "topic"),)

    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(16))  #: a :class:`NotificationTopic`
    email: Mapped[bool]  #: False: no e-mail for this topic's kinds, except those that ask for an action
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
