"""Disputes of a deal, orchestrated: the deal's transitions and money around the case kept by ``disputes``.

Lock order everywhere: the deal, then the dispute (then the ledger rows ``escrow`` locks).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ...actors import SYSTEM, Actor
from ...database import utcnow
from ...disputes import evidence, negotiation
from ...disputes import services as cases
from ...disputes.models import Dispute, DisputeOutcome, DisputeParty
from ...errors import ConflictError, InvalidInputError, NotFoundError
from ...escrow import services as escrow
from ...http.fields import to_minor
from ...jobs import enqueue, enqueue_after_commit
from ...money import allocate, format_amount
from ..states import deal_machine
from . import dispute_case
from .deals import get_deal

SETTLE_JOB = "marketplace.deals.jobs.settle_dispute"


def open_dispute(actor: Actor, deal_id: int, data: dict, *, transition: str = "open_dispute") -> Dispute:
    """Either party disputes a shipped or delivered deal within the filing window: the inspection timer
    stops, release freezes, the deal's own records are attached to the case and the other party and the
    platform's staff are told. A repeated request returns the live case.

    ``data``: ``reason`` and ``description`` (required); ``lines`` ([{"deal_line_id": int, "quantity": int}],
    optional: default the whole deal); ``claimed_amount`` (a decimal string in the deal's currency,
    optional: default the scoped lines' value, or everything held for the whole deal; never more than is
    held); ``requested_outcome`` (optional). A vendor files only with the reason ``other`` (the buyer
    neither confirms nor answers) and asks for the release of the held money. Other flows that move a
    deal into ``disputed`` through a transition of their own (partial acceptance) pass its name as
    ``transition``.

    :raises NotFoundError: unknown, or not a deal of the actor's organisation.
    :raises IllegalTransitionError: the deal is not shipped or delivered (or not in ``transition``'s sources).
    :raises ConflictError: the filing window is over (``filing_window_closed``), or the other party's case is
        live (``already_disputed``).
    :raises InvalidInputError: a bad scope, claimed amount, outcome, or a reason the side may not file under.
    """
    deal = get_deal(actor, deal_id)
    if actor.org_id not in (deal.buyer_id, deal.vendor_id):
        raise NotFoundError("no such deal")
    party = DisputeParty.VENDOR if actor.org_id == deal.vendor_id else DisputeParty.BUYER
    live = cases.live_dispute(deal.id)
    if live is not None:
        if live.opened_by_party != party:
            raise ConflictError("a dispute is already open on this deal", code="already_disputed",
                                details={"dispute_id": live.id, "opened_by_party": live.opened_by_party})
        return live  # a repeated request returns the live case
    deal = deal_machine.lock(deal.id)
    # the deal's state first (a 409 names what it allows), then the window, scope and claim
    deal_machine.apply(deal, transition, actor, {"reason": data["reason"], "opened_by_party": party.value})
    filing = cases.filing_terms(deal, party, data)
    dispute = cases.create_dispute(actor, deal, {**data, **filing})
    evidence.attach_records(dispute, dispute_case.deal_records(deal))
    return dispute


def withdraw_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """The buyer withdraws the case (whoever opened it): that is acceptance of the deal, and release is
    queued. A vendor never withdraws: its case ends by the buyer's acceptance or an admin's decision.

    :raises NotFoundError: unknown, or not the actor's dispute as the buyer.
    :raises ConflictError: the case is decided (``already_decided``, with the recorded decision).
    :raises IllegalTransitionError: the case is under review or over.
    """
    dispute = cases.get_buyers_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    dispute = cases.lock_dispute(dispute.id)  # lock order: the deal, then the dispute
    cases.refuse_if_decided(dispute)  # a decided case stays decided, settled or not
    if cases.withdraw(actor, dispute):
        deal_machine.apply(deal, "withdraw_dispute", SYSTEM, {"dispute_id": dispute.id})  # accepted: release queued
    return dispute


def decide_dispute(actor: Actor, dispute_id: int, data: dict) -> Dispute:
    """An admin decides: release to the vendor, refund the buyer, or split what is held, as allocation lines
    with a rationale both parties read, perhaps with the goods returned first; settlement is queued (after
    the return, with one).

    ``data``: ``outcome``; a split's ``vendor_amount`` or ``buyer_amount``, or ``allocations``
    ([{"kind": "release_to_vendor" | "refund_to_buyer", "amount"}] summing to the held money); ``rationale``
    (default the ``note``); ``return_required``. The allocations sum exactly to the money held for the deal.
    It is final once recorded: concurrent decisions (and acceptances of offers) serialise on the deal's row
    lock and only the first is recorded (an identical retry with the same ``Idempotency-Key`` replays its answer).

    :raises NotFoundError: unknown dispute.
    :raises ConflictError: the case is decided already (``already_decided``, with the recorded decision),
        before or after its settlement; a return with no refund (``return_without_refund``).
    :raises InvalidInputError: amounts that are malformed, do not fit the held money or contradict the outcome.
    :raises IllegalTransitionError: the case is withdrawn.
    """
    dispute = cases.get_dispute(actor, dispute_id)
    deal = deal_machine.lock(dispute.deal_id)
    # lock order: the deal, then the dispute; the re-read row says whether another admin decided first
    dispute = cases.lock_dispute(dispute.id)
    cases.refuse_if_decided(dispute)  # final the moment it is recorded, whatever the settlement job has done
    held = deal.held_amount()
    vendor_share = decided_vendor_share(data, held, deal.currency)
    rationale = (data.get("rationale") or data.get("note") or "").strip()
    # entering ``decided`` queues the settlement (dispute_outcomes.on_decided); a return waits for the goods
    negotiation.record_outcome(actor, dispute, vendor_share=vendor_share, held=held, rationale=rationale,
                               return_required=data.get("return_required", False), by="admin",
                               note=data.get("note", ""))
    return dispute


def decided_vendor_share(data: dict, held: int, currency: str) -> int:
    """The vendor's gross share of ``held`` that a decision's input says (see :func:`decide_dispute`).

    :raises InvalidInputError: an amount malformed or above ``held``, lines not summing to it, or lines that
        contradict the outcome.
    """
    outcome = data["outcome"]
    if data.get("allocations"):
        kinds = [line["kind"] for line in data["allocations"]]
        if len(set(kinds)) != len(kinds):
            raise InvalidInputError.at(("allocations",), "one line per kind")
        amounts = {line["kind"]: to_minor(line["amount"], currency, ("allocations", i, "amount"))
                   for i, line in enumerate(data["allocations"])}
        if sum(amounts.values()) != held:
            raise InvalidInputError("the allocation lines must add up to the money held",
                                    fields=InvalidInputError.nest(("allocations",),
                                                                  f"must add up to {format_amount(held, currency)}"))
        vendor_share = amounts.get("release_to_vendor", 0)
        if negotiation.outcome_of(vendor_share, held) != outcome and held:
            raise InvalidInputError.at(("outcome",), "does not match the allocation lines")
        return vendor_share
    if outcome == DisputeOutcome.RELEASE:
        return held
    if outcome == DisputeOutcome.REFUND:
        return 0
    vendor_share, _ = negotiation.split_of(data, held, currency,
                                           lambda text, path: to_minor(text, currency, path))
    return vendor_share


def queue_settlement(dispute_id: int) -> None:
    """After the commit, the settlement job moves the decided money (one job id per case: a repeat is harmless)."""
    enqueue_after_commit(SETTLE_JOB, dispute_id, queue="money", job_id=f"settle-dispute-{dispute_id}")


def settle_dispute(dispute_id: int) -> bool:
    """Move the decided money: per held milestone, the vendor's share (pro rata) and the buyer's rest;
    then the deal and the case are resolved. False when there is nothing (left) to settle.

    Idempotent: each milestone settles once under fixed transfer ids; a settled case is left alone.

    :raises LedgerError: the ledger refuses a transfer (the job rolls back and is retried).
    """
    dispute = cases.find_dispute(dispute_id)
    if dispute is None:
        return False
    deal = deal_machine.lock(dispute.deal_id)  # lock order everywhere: deal, then dispute
    dispute = cases.begin_settlement(dispute_id)
    if dispute is None:
        return False
    # what is still held (less any part a partial acceptance released) is what the decision splits;
    # the milestones settle together in this transaction, so none is half-settled on a re-run
    covered = deal.held_milestones()
    held = [m.held_amount for m in covered]
    shares = allocate(dispute.vendor_share(), held) if sum(held) else []
    for milestone, share in zip(covered, shares):
        escrow.settle_milestone(deal, milestone, share)
    deal_machine.apply(deal, "resolve", SYSTEM, {"dispute_id": dispute.id, "outcome": dispute.decision["outcome"]})
    cases.finish_settlement(dispute)
    return True


def redrive_dispute_settlements(now=None) -> int:
    """Sweeper step: decided disputes whose settlement job was lost get it again (the job is idempotent)."""
    stale = (now or utcnow()) - timedelta(seconds=current_app.config["REDRIVE_AFTER_SECONDS"])
    ids = cases.unsettled_dispute_ids(stale)
    for dispute_id in ids:
        enqueue(SETTLE_JOB, dispute_id, queue="money", job_id=f"settle-dispute-{dispute_id}-redrive")
    return len(ids)
