"""The admins' money dashboard: money held in escrow and money released to vendors, day by day.

Read from the ledger's posted transfers alone (holds are reservations inside escrow, not movements
out of it): a transfer crediting a deal's escrow account brings money in, one debiting it takes
money out; a ``release`` posting is money released to a vendor (gross of commission).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..database import utcnow
from ..extensions import db
from .ledger import PostingCode
from .ledger.accounts import ESCROW_ACCOUNTS
from .models import LedgerAccount, LedgerTransfer, TransferKind

#: transfers that move posted money (a pending hold or its void moves none)
_MOVES = (TransferKind.POSTED, TransferKind.POST_PENDING)


def ledger_currencies() -> list[str]:
    """Every currency the ledger has an account in, alphabetically."""
    return list(db.session.execute(select(LedgerAccount.currency).distinct().order_by(LedgerAccount.currency)).scalars())


def money_over_time(currency: str, days: int = 30, now: datetime | None = None) -> list[dict]:
    """One point per UTC day of the last ``days`` days (oldest first, today last):
    ``{"day", "held", "released", "funded"}`` where ``held`` is the money in escrow at the end of the
    day, ``released`` the money released to vendors that day and ``funded`` the money paid in that day
    (minor units of ``currency``)."""
    now = now or utcnow()
    today = now.astimezone(timezone.utc).date() if now.tzinfo else now.date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=timezone.utc)
    debit, credit = aliased(LedgerAccount), aliased(LedgerAccount)
    into_escrow = credit.code.like(ESCROW_ACCOUNTS)
    out_of_escrow = debit.code.like(ESCROW_ACCOUNTS)
    delta = (case((into_escrow, LedgerTransfer.amount), else_=0) - case((out_of_escrow, LedgerTransfer.amount), else_=0))
    base = (select().select_from(LedgerTransfer)
            .join(debit, debit.id == LedgerTransfer.debit_account_id)
            .join(credit, credit.id == LedgerTransfer.credit_account_id)
            .where(LedgerTransfer.currency == currency, LedgerTransfer.kind.in_(_MOVES)))
    opening = db.session.execute(base.add_columns(func.coalesce(func.sum(delta), 0))
                                 .where(LedgerTransfer.created_at < start)).scalar_one()
    day = func.date(func.timezone("UTC", LedgerTransfer.created_at))
    released = case((LedgerTransfer.code == PostingCode.RELEASE, LedgerTransfer.amount), else_=0)
    funded = case((LedgerTransfer.code == PostingCode.FUND, LedgerTransfer.amount), else_=0)
    rows = db.session.execute(
        base.add_columns(day.label("day"), func.sum(delta), func.sum(released), func.sum(funded))
        .where(LedgerTransfer.created_at >= start).group_by(day)
    ).all()
    by_day: dict[date, tuple[int, int, int]] = {d: (int(h), int(r), int(f)) for d, h, r, f in rows}
    points, held = [], int(opening)
    for offset in range(days):
        d = first + timedelta(days=offset)
        change, out, paid_in = by_day.get(d, (0, 0, 0))
        held += change
        points.append({"day": d, "held": held, "released": out, "funded": paid_in})
    return points
