"""Partial acceptance: the buyer of a delivered deal accepts some quantities; that share of the escrow is
released to the vendor now and the rest stays held under a ``quantity_short`` dispute opened with it.

The share released is the accepted goods' value plus the freight in proportion to it (the deal's held money
split by largest remainder between accepted and withheld goods value, so it is exact in minor units); it is
spread over the held milestones pro rata (largest remainder again) and each part is released less commission
(:func:`escrow.release_part`). The rest stays held for the vendor until the dispute's decision or accepted
offer settles it (``settle_milestone`` settles what is still held). All of it happens in the caller's one
transaction: a failure anywhere leaves nothing moved.
"""

from __future__ import annotations

from sqlalchemy import select

from ...actors import Actor, ActorRole
from ...disputes.models import Dispute, DisputeReason
from ...errors import ConflictError, IllegalTransitionError, InvalidInputError
from ...escrow import services as escrow
from ...escrow.gateways import Gateway, get_gateway
from ...extensions import db
from ...money import allocate, commission_for, format_amount, parse_amount
from ...notifications.models import NotificationKind
from ...notifications.services import notify_org
from ...statemachine import Event
from ..models import Deal, DealStatus
from ..states import deal_machine
from .deals import _require_side, get_deal
from .disputes import open_dispute

#: the deal transition (``delivered -> disputed``) and the timeline event of a partial acceptance
ACCEPT_PARTLY = "accept_partly"


def accepted_quantities(deal: Deal, lines: list[dict]) -> dict[int, int]:
    """``{deal_line_id: accepted quantity}`` for every line of ``deal``, checked: each line listed once,
    each quantity between 0 and the line's, at least one unit accepted and at least one withheld.

    :raises InvalidInputError: an unknown or repeated line, a line missing, a quantity out of range,
        nothing accepted, or nothing withheld (that is a plain acceptance).
    """
    by_id = {line.id: line for line in deal.lines}
    accepted: dict[int, int] = {}
    for i, row in enumerate(lines):
        line = by_id.get(row["deal_line_id"])
        if line is None:
            raise InvalidInputError.at(("lines", i, "deal_line_id"), "not a line of this deal")
        if line.id in accepted:
            raise InvalidInputError.at(("lines", i, "deal_line_id"), "this line is listed twice")
        if not 0 <= row["quantity"] <= line.quantity:
            raise InvalidInputError.at(("lines", i, "quantity"), "between 0 and the quantity delivered")
        accepted[line.id] = row["quantity"]
    missing = [line_id for line_id in by_id if line_id not in accepted]
    if missing:
        raise InvalidInputError.at(("lines",), "list every line of the deal with the quantity you accept")
    if sum(accepted.values()) == 0:
        raise InvalidInputError.at(("lines",), "accept at least one unit; to refuse everything, open a dispute")
    if all(accepted[line.id] == line.quantity for line in deal.lines):
        raise InvalidInputError.at(("lines",), "nothing is withheld; accept the deal instead",
                                   code="nothing_withheld")
    return accepted


def partial_acceptance_figures(deal: Deal, accepted: dict[int, int]) -> dict:
    """What accepting ``accepted`` (``{deal_line_id: quantity}``, checked) would move, before it does: per
    line the accepted and withheld quantities and values; the gross released (the accepted goods' value and
    its pro rata share of the freight), the commission on it (per milestone, as the ledger takes it), what
    the vendor nets, and what stays held for the dispute. Amounts in minor units of ``deal.currency``.

    :raises InvalidInputError: the withheld goods are worth nothing (nothing would stay held).
    """
    held_milestones = deal.held_milestones()
    held = sum(m.held_amount for m in held_milestones)
    lines = [{"deal_line_id": line.id, "description": line.description, "unit": line.unit,
              "quantity": line.quantity, "accepted": accepted[line.id], "withheld": line.quantity - accepted[line.id],
              "unit_price": line.unit_price, "accepted_value": accepted[line.id] * line.unit_price,
              "currency": deal.currency}
             for line in deal.lines]
    accepted_value = sum(row["accepted_value"] for row in lines)
    withheld_value = sum(row["withheld"] * row["unit_price"] for row in lines)
    if not held or not accepted_value or not withheld_value:
        raise InvalidInputError.at(("lines",), "the accepted and the withheld goods must both have a value")
    # freight follows the goods pro rata: of the held money, the accepted goods' share of the goods value
    released = allocate(held, [accepted_value, withheld_value])[0]
    shares = allocate(released, [m.held_amount for m in held_milestones])
    commission = sum(commission_for(share, deal.commission_bps) for share in shares)
    return {"deal_id": deal.id, "currency": deal.currency, "lines": lines, "accepted_value": accepted_value,
            "freight_released": released - accepted_value, "released": released, "commission": commission,
            "released_net": released - commission, "held": held - released,
            "shares": list(zip(held_milestones, shares))}


def preview_partial_acceptance(actor: Actor, deal_id: int, lines: list[dict]) -> dict:
    """:func:`partial_acceptance_figures` for the buyer of a delivered deal, before confirming.

    :raises NotFoundError: unknown, or another organisation's deal.
    :raises ForbiddenError: not the deal's buyer.
    :raises InvalidInputError: see :func:`accepted_quantities`.
    :raises IllegalTransitionError: the deal is not delivered.
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    if deal.status != DealStatus.DELIVERED:
        raise IllegalTransitionError("only delivered goods can be accepted in part")
    return partial_acceptance_figures(deal, accepted_quantities(deal, lines))


def accept_deal_partly(actor: Actor, deal_id: int, data: dict) -> dict:
    """The buyer accepts ``data["lines"]`` (every line with the quantity accepted) of a delivered deal: that
    share is released to the vendor less commission, the rest stays held, and a ``quantity_short`` dispute
    over the withheld quantities (``data["description"]``, claimed amount: what stays held) is opened; the
    deal is ``disputed``. Repeating the same acceptance returns it unchanged.

    :raises NotFoundError: unknown, or another organisation's deal.
    :raises ForbiddenError: not the deal's buyer.
    :raises InvalidInputError: see :func:`accepted_quantities` and :func:`partial_acceptance_figures`.
    :raises IllegalTransitionError: the deal is not delivered (e.g. accepted, released, disputed).
    :raises ConflictError: another partial acceptance was recorded (``already_partly_accepted``), or the
        deal's gateway cannot release in parts (``partial_release_unsupported``).
    :raises LedgerError: the ledger refuses a transfer (nothing moves then).
    """
    deal = get_deal(actor, deal_id)
    _require_side(deal, actor, ActorRole.BUYER)
    deal = deal_machine.lock(deal.id)  # before any money moves; the dispute and ledger rows after it
    accepted = accepted_quantities(deal, data["lines"])
    recorded = partial_acceptance_event(deal.id)
    if recorded is not None:
        if deal.status == DealStatus.DISPUTED and _accepted_of(recorded) == accepted:
            return _replay(deal, recorded)  # a double click or a retry: nothing moves twice
        raise ConflictError("this deal was already partly accepted", code="already_partly_accepted")
    if deal.status != DealStatus.DELIVERED:  # (``apply`` alone would let a deal disputed otherwise through)
        raise IllegalTransitionError("only delivered goods can be accepted in part",
                                     details={"state": deal.status,
                                              "allowed": deal_machine.allowed(deal.status, actor.role)})
    if deal.gateway and type(get_gateway(deal.gateway)).settled is not Gateway.settled:
        # a gateway that moves real money on settlement does it once per milestone, under fixed ids
        raise ConflictError("this payment method cannot release money in parts yet; accept the deal or open a "
                            "dispute", code="partial_release_unsupported")
    figures = partial_acceptance_figures(deal, accepted)
    for milestone, share in figures["shares"]:
        escrow.release_part(deal, milestone, share)
    currency = deal.currency
    payload = {"lines": [{"deal_line_id": row["deal_line_id"], "accepted": row["accepted"], "withheld": row["withheld"]}
                         for row in figures["lines"]],
               "currency": currency, **{key: format_amount(figures[key], currency) for key in _AMOUNTS}}
    deal_machine.apply(deal, ACCEPT_PARTLY, actor, payload)
    dispute = open_dispute(actor, deal.id, {
        "reason": DisputeReason.QUANTITY_SHORT.value, "description": data["description"],
        "lines": [{"deal_line_id": row["deal_line_id"], "quantity": row["withheld"]}
                  for row in figures["lines"] if row["withheld"]],
        "claimed_amount": format_amount(figures["held"], currency)})
    notify_org(deal.vendor_id, NotificationKind.DEAL_PARTLY_ACCEPTED,
               {"deal_id": deal.id, "dispute_id": dispute.id,
                "accepted": "; ".join(f"{row['description']}: {row['accepted']}/{row['quantity']} {row['unit']}"
                                      for row in figures["lines"]),
                "released": f"{format_amount(figures['released_net'], currency)} {currency}",
                "held": f"{format_amount(figures['held'], currency)} {currency}"},
               key=f"deal-{deal.id}-partly-accepted")
    return _replay(deal, partial_acceptance_event(deal.id))


#: the amounts a partial acceptance records on the deal's timeline (decimal strings in its currency)
_AMOUNTS = ("accepted_value", "freight_released", "released", "commission", "released_net", "held")


def partial_acceptance_event(deal_id: int) -> Event | None:
    """The deal's recorded partial acceptance (its timeline event), if any."""
    return db.session.execute(
        select(Event).where(Event.subject_type == deal_machine.subject, Event.subject_id == deal_id,
                            Event.name == ACCEPT_PARTLY).order_by(Event.id).limit(1)
    ).scalar_one_or_none()


def partial_acceptance_of(deal: Deal) -> dict | None:
    """What the deal's partial acceptance recorded (lines and minor-unit amounts, as :func:`accept_deal_partly`
    answered), or None when it has none."""
    recorded = partial_acceptance_event(deal.id)
    return _replay(deal, recorded) if recorded is not None else None


def _accepted_of(event: Event) -> dict[int, int]:
    return {row["deal_line_id"]: row["accepted"] for row in event.payload["lines"]}


def _replay(deal: Deal, event: Event) -> dict:
    """The answer of a recorded partial acceptance, rebuilt from its event and the deal's lines."""
    accepted = _accepted_of(event)
    lines = [{"deal_line_id": line.id, "description": line.description, "unit": line.unit, "quantity": line.quantity,
              "accepted": accepted.get(line.id, 0), "withheld": line.quantity - accepted.get(line.id, 0),
              "unit_price": line.unit_price, "accepted_value": accepted.get(line.id, 0) * line.unit_price,
              "currency": deal.currency}
             for line in deal.lines]
    currency = event.payload["currency"]
    # a delivered deal has had no dispute (disputes leave ``shipped``/``delivered`` for good): its first is this one
    dispute_id = db.session.execute(
        select(Dispute.id).where(Dispute.deal_id == deal.id).order_by(Dispute.id).limit(1)
    ).scalar_one_or_none()
    return {"deal_id": deal.id, "currency": currency, "lines": lines, "status": deal.status, "dispute_id": dispute_id,
            "accepted_at": event.at,
            **{key: parse_amount(event.payload[key], currency) for key in _AMOUNTS}}
