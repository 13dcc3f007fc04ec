"""Ledger tables: accounts with running balances, and append-only transfers.

The database enforces the rules (see the migration that creates them): a trigger keeps account
balances in step with each inserted transfer; UPDATE and DELETE of transfers are refused; a CHECK
refuses any account whose normal balance (available, counting pending debits) would go negative; a
unique index lets a pending transfer be resolved (posted or voided) at most once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db


class AccountKind(StrEnum):
    ASSET = "asset"  #: debit-normal: money the platform holds at a gateway or bank
    LIABILITY = "liability"  #: credit-normal: money owed (escrow, vendor and buyer payables)
    REVENUE = "revenue"  #: credit-normal: the platform's commission


class TransferKind(StrEnum):
    POSTED = "posted"  #: moves money now
    PENDING = "pending"  #: a hold: reserved on both sides until posted or voided
    POST_PENDING = "post_pending"  #: completes a hold, for its full amount or less (the rest is freed)
    VOID_PENDING = "void_pending"  #: cancels a hold


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'asset' AND debits_posted - credits_posted - credits_pending >= 0) OR "
            "(kind <> 'asset' AND credits_posted - debits_posted - debits_pending >= 0)",
            name="no_overdraft",
        ),
        CheckConstraint("debits_pending >= 0 AND credits_pending >= 0", name="pending_non_negative"),
        Index("uq_ledger_accounts_code_currency", "code", "currency", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120))  #: e.g. ``escrow:deal:12``, ``vendor:7:payable``
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))
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
        CheckConstraint("amount > 0 OR kind = 'void_pending'", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        CheckConstraint("(kind IN ('post_pending','void_pending')) = (pending_id IS NOT NULL)", name="pending_ref"),
        # a hold resolves at most once: only resolutions carry pending_id
        Index("uq_ledger_transfers_pending_id", "pending_id", unique=True, postgresql_where=text("pending_id IS NOT NULL")),
        Index("ix_ledger_transfers_deal", "deal_id"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int]  #: minor units
    currency: Mapped[str] = mapped_column(String(3))
    pending_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    deal_id: Mapped[int | None]
    milestone_id: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(32))  #: what it is: fund, hold, release, commission, refund, payout
    meta: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
