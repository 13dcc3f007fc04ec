"""What a contract's live call-offs hold: the value and the units called off (read by call-offs, amendments,
utilisation and the analytics)."""

from __future__ import annotations

from sqlalchemy import func, select

from ...deals.models import Deal, DealStatus
from ...extensions import db
from ..models import CallOff, CallOffLine

#: a call-off whose deal ended in these states holds nothing of the contract's value
NOT_COUNTED = (DealStatus.CANCELLED, DealStatus.REFUNDED)


def live(stmt):
    """``stmt`` over call-offs, narrowed to those whose deal still holds its value."""
    return stmt.join(Deal, Deal.id == CallOff.deal_id).where(Deal.status.not_in(NOT_COUNTED))


def ordered_value(contract_id: int) -> int:
    """Minor units the contract's live call-offs hold (cancelled or refunded deals give theirs back)."""
    return db.session.execute(live(select(func.coalesce(func.sum(CallOff.subtotal), 0))
                                    .where(CallOff.contract_id == contract_id))).scalar_one()


def ordered_quantities(contract_id: int) -> dict[int, int]:
    """item_no -> units called off by live call-offs."""
    rows = db.session.execute(live(select(CallOffLine.item_no, func.sum(CallOffLine.quantity))
                                    .join(CallOff, CallOff.id == CallOffLine.call_off_id)
                                    .where(CallOff.contract_id == contract_id))
                              .group_by(CallOffLine.item_no)).all()
    return {item_no: int(qty) for item_no, qty in rows}
