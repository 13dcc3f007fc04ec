"""What a party reads about a deal besides the deal itself: its timeline, its next steps, its shipments."""

from __future__ import annotations

from sqlalchemy import select

from ...actors import Actor
from ...http.pagination import paginate
from ...shipping import services as shipping
from ...statemachine import Event
from ..states import deal_machine
from .deals import get_deal


def deal_events(actor: Actor, deal_id: int, params: dict) -> dict:
    """One page of the deal's timeline (every transition with actor and time), oldest first.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    deal = get_deal(actor, deal_id)
    stmt = select(Event).where(Event.subject_type == deal_machine.subject, Event.subject_id == deal.id)
    return paginate(stmt, params, Event.id)


def deal_transitions(actor: Actor, deal_id: int) -> dict:
    """The deal's status and the transitions the caller's role may trigger from it.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    deal = get_deal(actor, deal_id)
    return {"status": deal.status, "allowed": deal_machine.allowed(deal.status, actor.role)}


def deal_shipment_page(actor: Actor, deal_id: int, params: dict) -> dict:
    """One page of the deal's shipments, oldest first.

    :raises NotFoundError: unknown, or another organisation's deal.
    """
    deal = get_deal(actor, deal_id)
    return shipping.list_shipments(actor, params, deal_id=deal.id)
