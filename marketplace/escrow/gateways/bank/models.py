"""Bank-transfer tables: imported statement lines and payout batches.

The ledger stays the source of truth for balances; these rows say *why* money moved.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ....database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ....extensions import db
from ...ledger.accounts import PayoutStep, payout_transfer
from .gateway import GATEWAY


class LineState(StrEnum):
    """What the platform did with one incoming bank credit."""

    MATCHED = "matched"  #: exactly funded a milestone (or completed its partial credits exactly)
    PARTIAL = "partial"  #: credited to a milestone that is still short; waits for a top-up
    EXCESS = "excess"  #: funded a milestone; the overpaid part went to the buyer's refund payable
    DUPLICATE = "duplicate"  #: the milestone was already paid (or its deal cancelled): all of it to refund payable
    UNMATCHED = "unmatched"  #: no usable reference: the money waits in the bank suspense account
    ASSIGNED = "assigned"  #: was unmatched; an admin assigned it to a milestone


class UnmatchedReason(StrEnum):
    """Why a statement line funded no milestone (``BankStatementLine.reason``); also the code of an
    admin's refused assignment."""

    NO_REFERENCE = "no_reference"  #: the memo names no payment reference
    BAD_CHECK_DIGITS = "bad_check_digits"  #: something like a reference, but its check digits fail
    AMBIGUOUS_REFERENCE = "ambiguous_reference"  #: the memo could be more than one milestone's reference
    UNKNOWN_REFERENCE = "unknown_reference"  #: a valid reference no milestone has
    CURRENCY_MISMATCH = "currency_mismatch"  #: the credit is in another currency than the deal
    WRONG_GATEWAY = "wrong_gateway"  #: the deal is paid through another gateway
    DEAL_NOT_PAYABLE = "deal_not_payable"  #: the deal was cancelled or refunded: the milestone takes no money
    MILESTONE_NOT_PAYABLE = "milestone_not_payable"  #: the milestone is already paid (or not yet payable)


class BankStatementImport(IdMixin, db.Model):
    """One uploaded statement file (re-uploading the same file creates an import with no new lines)."""

    __tablename__ = "bank_statement_imports"

    bank_account: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lines_total: Mapped[int] = mapped_column(default=0)  #: data rows in the file
    lines_new: Mapped[int] = mapped_column(default=0)  #: rows not seen in an earlier import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankStatementLine(IdMixin, TimestampMixin, db.Model):
    """One incoming credit on the platform's bank account, and what the platform did with it."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        UniqueConstraint("bank_account", "bank_transaction_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("excess_amount >= 0 AND applied_amount >= 0 AND applied_amount + excess_amount <= amount",
                        name="split_range"),
        CheckConstraint(
            "state IN ({})".format(",".join(f"'{s}'" for s in LineState)), name="state"),
        Index("ix_bank_statement_lines_state", "state"),
    )

    import_id: Mapped[int] = mapped_column(ForeignKey("bank_statement_imports.id"), index=True)
    bank_account: Mapped[str] = mapped_column(String(64))
    bank_transaction_id: Mapped[str] = mapped_column(String(128))
    booked_on: Mapped[date]
    amount: Mapped[int]  #: minor units received (always positive: credits only)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str | None] = mapped_column(String(32))  #: the valid payment reference found in the memo
    state: Mapped[str] = mapped_column(String(16))  #: a :class:`LineState`
    reason: Mapped[str | None] = mapped_column(String(64))  #: an :class:`UnmatchedReason`, when it funded nothing
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    applied_amount: Mapped[int] = mapped_column(default=0)  #: minor units of this line credited to its milestone
    excess_amount: Mapped[int] = mapped_column(default=0)  #: minor units of this line sent to refund payable
    transfer_ids: Mapped[list] = mapped_column(JSONB, default=list)  #: ledger transfers booked for this line
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None]


class PayoutBatchStatus(StrEnum):
    """Where a payout batch is: reserved, or paid by the bank transfers."""

    CREATED = "created"  #: amounts reserved (ledger holds); the admin now sends the bank transfers
    PAID = "paid"  #: the admin marked it paid; the holds are posted


class PayoutStatus(StrEnum):
    """Where one payout is: the same two steps as its batch."""

    CREATED = "created"  #: its amount is reserved (a ledger hold ``po<id>.hold``)
    PAID = "paid"  #: its batch was marked paid; the hold is posted (``po<id>.paid``)


class PayoutKind(StrEnum):
    """Whose payable a payout pays."""

    VENDOR = "vendor"  #: a vendor's payable (released escrow less commission)
    REFUND = "refund"  #: a buyer's refund payable (refunds, overpayments, duplicates)


class PayoutBatch(IdMixin, TimestampMixin, db.Model):
    """Payouts reserved together and paid by one set of bank transfers."""

    __tablename__ = "payout_batches"

    gateway: Mapped[str] = mapped_column(String(32), default=GATEWAY)  #: the gateway paying it: ``bank_transfer``
    status: Mapped[str] = mapped_column(String(16), default=PayoutBatchStatus.CREATED)  #: a :class:`PayoutBatchStatus`
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    bank_reference: Mapped[str | None] = mapped_column(String(128))  #: the bank's reference of the outgoing batch

    payouts: Mapped[list["Payout"]] = relationship(order_by="Payout.id", lazy="selectin", back_populates="batch")


class Payout(OrgScoped, IdMixin, db.Model):
    """What one organisation is paid in one currency by one batch."""

    __tablename__ = "payouts"
    __noun__ = "payout"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  #: a :class:`PayoutKind`
    account: Mapped[str] = mapped_column(String(120))  #: the ledger account paid from
    amount: Mapped[int]  #: minor units
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=PayoutStatus.CREATED)  #: a :class:`PayoutStatus`
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]

    batch: Mapped[PayoutBatch] = relationship(back_populates="payouts", lazy="joined")

    @property
    def bank_reference(self) -> str | None:
        """The bank's reference of the batch that paid this payout."""
        return self.batch.bank_reference

    @property
    def hold_id(self) -> str:
        """The ledger hold reserving this payout."""
        return payout_transfer(self.id, PayoutStep.HOLD)

    @property
    def paid_id(self) -> str:
        """The ledger transfer posting the hold once paid."""
        return payout_transfer(self.id, PayoutStep.PAID)
