"""Escrow tables: the ledger (accounts with running balances, append-only transfers), the milestones
whose money it holds, reconciliation reports and category commission rates.

The database enforces the ledger's rules (see the migration that creates them): a trigger keeps
account balances in step with each inserted transfer; UPDATE and DELETE of transfers are refused; a
CHECK refuses any account whose normal balance (available, counting pending debits) would go
negative; a unique index lets a pending transfer be resolved (posted or voided) at most once.

``milestones`` belong to a deal (``deals`` owns the ``Deal.milestones`` relationship); escrow
names the deal only by its id, so it never imports ``deals``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, utcnow
from ..extensions import db


class AccountKind(StrEnum):
    """The nature of a ledger account, which fixes its normal balance direction."""

    ASSET = "asset"  #: debit-normal: money the platform holds at a gateway or bank
    LIABILITY = "liability"  #: credit-normal: money owed (escrow, vendor and buyer payables)
    REVENUE = "revenue"  #: credit-normal: the platform's commission


class TransferKind(StrEnum):
    """How a ledger transfer moves money: now, as a hold, or by resolving a hold."""

    POSTED = "posted"  #: moves money now
    PENDING = "pending"  #: a hold: reserved on both sides until posted or voided
    POST_PENDING = "post_pending"  #: completes a hold, for its full amount or less (the rest is freed)
    VOID_PENDING = "void_pending"  #: cancels a hold


class MilestoneDue(StrEnum):
    """When the buyer pays a milestone into escrow."""

    ON_AWARD = "on_award"  #: payable into escrow as soon as the deal exists
    BEFORE_SHIPMENT = "before_shipment"  #: payable into escrow before the vendor ships
    ON_DELIVERY = "on_delivery"  #: falls due when the deal is delivered (payable within a short grace)
    NET_DAYS = "net_days"  #: falls due ``net_days`` days after the deal is delivered


#: the terms the vendor may not ship before: the deal is ``funded`` once every one of these is held
BEFORE_SHIPMENT_DUES = frozenset({MilestoneDue.ON_AWARD, MilestoneDue.BEFORE_SHIPMENT})
#: the terms that fall due only once the goods are delivered (credit the vendor gives the buyer)
AFTER_DELIVERY_DUES = frozenset({MilestoneDue.ON_DELIVERY, MilestoneDue.NET_DAYS})


class MilestoneStatus(StrEnum):
    """Where one milestone's money is: awaited, held in escrow, or settled (released, refunded, split)."""

    PENDING = "pending"  #: not yet payable (no gateway chosen)
    AWAITING_PAYMENT = "awaiting_payment"  #: payment instructions issued
    FUNDED = "funded"  #: held in escrow (a pending ledger transfer), perhaps partly released already
    RELEASED = "released"  #: posted to the vendor
    REFUNDED = "refunded"  #: voided back and paid to the buyer's refund payable
    SPLIT = "split"  #: part released, part refunded by a dispute decision
    CANCELLED = "cancelled"  #: never paid, and the deal was cancelled or refunded


class ReconciliationStatus(StrEnum):
    """The outcome of one reconciliation run."""

    CLEAN = "clean"  #: the ledger agrees with every outside record
    MISMATCHES = "mismatches"  #: at least one disagreement; see the report's mismatch rows


class MismatchKind(StrEnum):
    """What kind of disagreement a reconciler found between the ledger and an outside record."""

    LINE_WITHOUT_LEDGER = "line_without_ledger"  #: a bank statement line has no (or missing) ledger transfers
    LINE_AMOUNT_MISMATCH = "line_amount_mismatch"  #: a line's transfers move another amount than the line
    UNASSIGNED_SUSPENSE = "unassigned_suspense"  #: an unmatched line waits in suspense for an admin
    CONFIRMATION_WITHOUT_STATEMENT = "confirmation_without_statement"  #: an admin confirmed money no line shows
    FUND_WITHOUT_SOURCE = "fund_without_source"  #: a bank funding with neither a line nor a confirmation
    CLEARING_TOTAL_MISMATCH = "clearing_total_mismatch"  #: bank money per the ledger differs from the statements
    SUSPENSE_BALANCE_MISMATCH = "suspense_balance_mismatch"  #: the suspense account differs from unmatched lines
    STRANDED_PARTIAL_CREDIT = "stranded_partial_credit"  #: partial credits held for milestones no longer awaited
    PAYMENT = "payment"  #: a Stripe payment differs from its ledger funding
    TRANSFER = "transfer"  #: a Stripe transfer differs from its ledger payout
    REFUND = "refund"  #: a Stripe refund differs from its ledger refund payout
    COMMAND_FAILED = "command_failed"  #: an outbox command to the provider gave up


class LedgerAccount(db.Model):
    """One account of the ledger per code and currency, with running totals kept by a trigger."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            f"(kind = '{AccountKind.ASSET}' AND debits_posted - credits_posted - credits_pending >= 0) OR "
            f"(kind <> '{AccountKind.ASSET}' AND credits_posted - debits_posted - debits_pending >= 0)",
            name="no_overdraft",
        ),
        CheckConstraint("debits_pending >= 0 AND credits_pending >= 0", name="pending_non_negative"),
        Index("uq_ledger_accounts_code_currency", "code", "currency", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120))  #: e.g. ``escrow:deal:12``, ``vendor:7:payable``
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))  #: an :class:`AccountKind`
    debits_posted: Mapped[int] = mapped_column(default=0, server_default="0")  #: minor units
    credits_posted: Mapped[int] = mapped_column(default=0, server_default="0")  #: minor units
    debits_pending: Mapped[int] = mapped_column(default=0, server_default="0")  #: minor units held out
    credits_pending: Mapped[int] = mapped_column(default=0, server_default="0")  #: minor units held in

    def balance(self) -> int:
        """Posted balance in the account's normal direction."""
        if self.kind == AccountKind.ASSET:
            return self.debits_posted - self.credits_posted
        return self.credits_posted - self.debits_posted

    def available(self) -> int:
        """Posted balance less what pending transfers reserve."""
        if self.kind == AccountKind.ASSET:
            return self.balance() - self.credits_pending
        return self.balance() - self.debits_pending


class LedgerTransfer(db.Model):
    """One double-entry movement. Ids are deterministic (``m12.release``), so a replay is a no-op."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint(f"amount > 0 OR kind = '{TransferKind.VOID_PENDING}'", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        CheckConstraint(f"(kind IN ('{TransferKind.POST_PENDING}','{TransferKind.VOID_PENDING}')) = "
                        "(pending_id IS NOT NULL)", name="pending_ref"),
        # a hold resolves at most once: only resolutions carry pending_id
        Index("uq_ledger_transfers_pending_id", "pending_id", unique=True, postgresql_where=text("pending_id IS NOT NULL")),
        Index("ix_ledger_transfers_deal", "deal_id"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  #: a :class:`TransferKind`
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int]  #: minor units
    currency: Mapped[str] = mapped_column(String(3))
    pending_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    deal_id: Mapped[int | None]
    milestone_id: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(32))  #: what it is: a ``ledger.accounts.PostingCode``
    meta: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Milestone(IdMixin, db.Model):
    """One payment of a deal's schedule: paid into escrow, then released, refunded or split."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("deal_id", "seq"), CheckConstraint("amount > 0", name="amount"))

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))
    percent: Mapped[int]
    due: Mapped[str] = mapped_column(String(24))  #: a MilestoneDue: when the buyer pays it into escrow
    amount: Mapped[int]  #: minor units the buyer pays for this milestone
    status: Mapped[str] = mapped_column(String(24), default=MilestoneStatus.PENDING)  #: a :class:`MilestoneStatus`
    payment_reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    funded_at: Mapped[datetime | None]
    #: gross minor units posted to the vendor (a partial acceptance's part while still ``funded``, then all)
    released_amount: Mapped[int] = mapped_column(default=0)
    commission_amount: Mapped[int] = mapped_column(default=0)  #: minor units kept by the platform
    refunded_amount: Mapped[int] = mapped_column(default=0)  #: minor units returned to the buyer
    net_days: Mapped[int | None]  #: for ``net_days`` terms: days after delivery the milestone falls due
    #: after-delivery terms: when the buyer must have paid (delivery + grace or net days); None before delivery
    due_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  #: when the buyer was reminded of the coming due date (once)
    overdue_at: Mapped[datetime | None]  #: when the sweeper found it unpaid past ``due_at`` (once; moves no money)

    def is_after_delivery(self) -> bool:
        """Falls due on or after delivery: not needed for the deal to ship."""
        return self.due in AFTER_DELIVERY_DUES

    def is_owed(self) -> bool:
        """Not held, released or refunded yet, and not cancelled: the buyer still has to pay it."""
        return self.status in (MilestoneStatus.PENDING, MilestoneStatus.AWAITING_PAYMENT)

    def is_overdue(self) -> bool:
        """Still owed and found past its due date by the sweeper."""
        return self.overdue_at is not None and self.is_owed()

    def takes_payment(self) -> bool:
        """Payment instructions are out and no money is held yet."""
        return self.status == MilestoneStatus.AWAITING_PAYMENT

    def is_settled(self) -> bool:
        return self.status in (MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED, MilestoneStatus.SPLIT)

    @property
    def held_amount(self) -> int:
        """Minor units still held in escrow for this milestone: its amount less what was released early
        (a partial acceptance); 0 unless ``funded``. Settlements and dispute allocations split this."""
        if self.status != MilestoneStatus.FUNDED:
            return 0
        return self.amount - self.released_amount - self.refunded_amount

    def is_partly_released(self) -> bool:
        """Held, but part of it was released already: the rest sits in a second hold (``m<id>.hold2``)."""
        return self.status == MilestoneStatus.FUNDED and self.released_amount > 0


class ReconciliationReport(IdMixin, db.Model):
    """One reconciliation run: its outcome, the totals compared and one row per mismatch."""

    __tablename__ = "reconciliation_reports"

    status: Mapped[str] = mapped_column(String(16))  #: a :class:`ReconciliationStatus`
    summary: Mapped[dict] = mapped_column(JSONB, default=dict)  #: per source and currency totals compared
    mismatch_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mismatches: Mapped[list["ReconciliationMismatch"]] = relationship(order_by="ReconciliationMismatch.id",
                                                                      lazy="selectin")


class ReconciliationMismatch(IdMixin, db.Model):
    """One disagreement between the ledger and an outside record (bank statement, Stripe, ...)."""

    __tablename__ = "reconciliation_mismatches"

    report_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_reports.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))  #: bank_transfer | stripe | ...
    kind: Mapped[str] = mapped_column(String(48))  #: a :class:`MismatchKind`
    subject: Mapped[str] = mapped_column(String(120))  #: what it is about, e.g. ``line:12``, ``transfer:m3.fund``
    currency: Mapped[str | None] = mapped_column(String(3))
    expected: Mapped[int | None]  #: minor units per the outside record
    actual: Mapped[int | None]  #: minor units per the ledger
    message: Mapped[str] = mapped_column(Text)


class CategoryCommission(IdMixin, db.Model):
    """A commission rate for every product category under ``category_id`` (unless a deeper rule exists)."""

    __tablename__ = "category_commissions"
    __table_args__ = (CheckConstraint("bps BETWEEN 0 AND 10000", name="bps"),)

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), unique=True)
    bps: Mapped[int]  #: basis points of the vendor's gross share
    updated_by: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
