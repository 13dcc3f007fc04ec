"""The ``stripe`` gateway: separate charges and transfers on the platform account.

Per milestone the buyer pays a PaymentIntent on the platform account (``transfer_group=deal_<id>``)
with its client_secret; Stripe's webhook (see :mod:`.webhooks`) tells us it succeeded and the
milestone is held in escrow like any other. When the ledger settles a milestone, the real money
follows: a Transfer of the vendor's net (gross less commission) to the vendor's Express connected
account, and a Refund of the buyer's part against the PaymentIntent; a split is both.

Every Stripe call is an outbox command whose key is also Stripe's idempotency key (``pi-m<id>``,
``tr-m<id>``, ``re-m<id>``, ``acct-v<id>``). A worker that dies between the call and the commit
leaves a leased row that the sweeper re-drives; the repeated call carries the same key, so Stripe
answers with the response it stored the first time instead of moving the money again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from enum import StrEnum

import stripe
from flask import current_app
from sqlalchemy import ForeignKey, String, false, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from ..database import IdMixin, TimestampMixin, utcnow
from ..deals.models import Deal, Milestone
from ..errors import ConflictError, DomainError, NotFoundError
from ..extensions import db
from ..jobs import OutboxCommand, add_outbox_command
from ..money import exponent, format_amount
from ..statemachine import Actor
from . import ledger
from .gateways import Gateway

log = logging.getLogger(__name__)

#: marks our PaymentIntents in their metadata, so events about anyone else's are ignored
PLATFORM_TAG = "marketplace"
#: Stripe's zero-decimal currencies (its amounts are whole units), and its three-decimal ones, whose
#: amounts must end in 0 (https://docs.stripe.com/currencies#special-cases); the rest have two.
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


class StripeNotConfiguredError(DomainError):
    """The app has no Stripe settings (404: the feature does not exist here)."""

    status = 404
    code = "stripe_not_configured"


class GatewayUnavailableError(DomainError):
    """Stripe did not answer or refused; nothing changed on our side (502)."""

    status = 502
    code = "gateway_unavailable"


# --- tables ---------------------------------------------------------------------------------------


class StripeAccount(TimestampMixin, db.Model):
    """A vendor's Express connected account: where its transfers go."""

    __tablename__ = "stripe_accounts"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(64), unique=True)  #: ``acct_...``; NULL while being created
    details_submitted: Mapped[bool] = mapped_column(default=False, server_default=false())  #: onboarding finished
    charges_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    payouts_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())  #: Stripe pays its bank


class PaymentIntentStatus(StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"  #: created; the buyer has not paid (or a try failed)
    REQUIRES_CONFIRMATION = "requires_confirmation"  #: a card is attached, not confirmed
    REQUIRES_ACTION = "requires_action"  #: 3-D Secure or similar in the buyer's browser
    PROCESSING = "processing"  #: asynchronous methods: Stripe is collecting
    REQUIRES_CAPTURE = "requires_capture"  #: authorised only (we capture automatically; kept for completeness)
    SUCCEEDED = "succeeded"  #: the money is on the platform account (terminal)
    CANCELED = "canceled"  #: abandoned (terminal)


TERMINAL = (PaymentIntentStatus.SUCCEEDED, PaymentIntentStatus.CANCELED)


class StripePayment(IdMixin, TimestampMixin, db.Model):
    """One milestone's PaymentIntent, as our records know it (Stripe is re-asked on every event)."""

    __tablename__ = "stripe_payments"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), unique=True)
    payment_intent_id: Mapped[str] = mapped_column(String(64), unique=True)  #: ``pi_...``
    client_secret: Mapped[str] = mapped_column(String(255))  #: handed to the buyer's browser only
    amount: Mapped[int]  #: our minor units of ``currency`` (the milestone amount)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32), default=PaymentIntentStatus.REQUIRES_PAYMENT_METHOD)
    charge_id: Mapped[str | None] = mapped_column(String(64))  #: ``ch_...`` once succeeded (transfers' source)


# --- amounts --------------------------------------------------------------------------------------


def _stripe_exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def to_stripe_amount(minor: int, currency: str) -> int:
    """Our minor units -> Stripe's integer amount (the same for every currency we list, checked anyway).

    :raises ConflictError: Stripe cannot represent this amount exactly (e.g. KWD not ending in 0).
    """
    ours, theirs = exponent(currency), _stripe_exponent(currency)
    if theirs >= ours:
        scaled = minor * 10 ** (theirs - ours)
    elif minor % 10 ** (ours - theirs):
        raise ConflictError(f"Stripe cannot move {format_amount(minor, currency)} {currency} exactly",
                            code="amount_not_representable")
    else:
        scaled = minor // 10 ** (ours - theirs)
    if currency in THREE_DECIMAL and scaled % 10:
        raise ConflictError(f"Stripe moves {currency} only in multiples of 0.010", code="amount_not_representable")
    return scaled


def from_stripe_amount(amount: int, currency: str) -> int:
    ours, theirs = exponent(currency.upper()), _stripe_exponent(currency.upper())
    return amount * 10 ** (ours - theirs) if ours >= theirs else amount // 10 ** (theirs - ours)


# --- the client -----------------------------------------------------------------------------------


def require_stripe() -> None:
    """:raises StripeNotConfiguredError: STRIPE_SECRET_KEY is not set."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise StripeNotConfiguredError("Stripe is not configured (STRIPE_SECRET_KEY)")


def stripe_client() -> stripe.StripeClient:
    """A client for this app's settings, built per call (no module-level API key).

    Network retries are left to the outbox (same key, backoff, sweeper), so a call either returns
    or raises at once.

    :raises StripeNotConfiguredError: STRIPE_SECRET_KEY is not set.
    """
    require_stripe()
    cfg = current_app.config
    base = {"api": cfg["STRIPE_API_BASE"].rstrip("/")} if cfg.get("STRIPE_API_BASE") else None
    timeout = float(cfg.get("STRIPE_TIMEOUT_SECONDS") or 30)
    return stripe.StripeClient(cfg["STRIPE_SECRET_KEY"], base_addresses=base, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=timeout))


def _pause_after_call(kind: str) -> None:
    """Test hook for crash tests: ``MARKETPLACE_TEST_PAUSE_AFTER_STRIPE=stripe.transfer:60`` holds the
    worker after Stripe answered and before the result is committed. Unset in production."""
    spec = os.environ.get("MARKETPLACE_TEST_PAUSE_AFTER_STRIPE", "")
    wanted, _, seconds = spec.partition(":")
    if spec and wanted == kind:
        log.warning("test hook: pausing %ss after %s", seconds, kind)
        time.sleep(float(seconds or 60))


def _id_of(value) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the object."""
    return value.get("id") if isinstance(value, dict) else value


# --- the gateway ----------------------------------------------------------------------------------


def payment_for(milestone_id: int) -> StripePayment | None:
    return db.session.execute(select(StripePayment).where(StripePayment.milestone_id == milestone_id)).scalar_one_or_none()


def connected_account(vendor_id: int) -> StripeAccount | None:
    return db.session.get(StripeAccount, vendor_id)


class StripeGateway(Gateway):
    """PaymentIntents in, Transfers and Refunds out; see the module docstring."""

    def instructions(self, milestone, currency: str) -> dict:
        out = {"method": "stripe", "amount": format_amount(milestone.amount, currency), "currency": currency}
        payment = payment_for(milestone.id)
        if payment is None:  # the outbox has not created the PaymentIntent yet: ask again shortly
            return {**out, "status": "preparing"}
        return {**out, "status": "ready" if payment.status not in TERMINAL else payment.status,
                "payment_intent": payment.payment_intent_id, "client_secret": payment.client_secret}

    def start(self, deal: Deal) -> None:
        """One PaymentIntent command per milestone awaiting payment (a repeat adds nothing).

        :raises ConflictError: the vendor cannot receive transfers yet (no connected account, or its
            onboarding is unfinished), or Stripe cannot settle this currency exactly.
        """
        account = connected_account(deal.vendor_id)
        if account is None or account.account_id is None or not account.payouts_enabled:
            raise ConflictError("the vendor has not finished setting up its Stripe payout account; pay by bank "
                                "transfer or ask the vendor to connect Stripe", code="vendor_not_onboarded")
        currency = deal.currency
        if currency in THREE_DECIMAL:  # commission and split amounts would not all end in 0, as Stripe needs
            raise ConflictError(f"Stripe cannot settle {currency} deals exactly; pay by bank transfer",
                                code="currency_not_supported")
        for m in deal.milestones:
            if m.status != "awaiting_payment" or payment_for(m.id) is not None:
                continue
            params = {
                "amount": to_stripe_amount(m.amount, currency), "currency": currency.lower(),
                "transfer_group": f"deal_{deal.id}", "description": f"Deal {deal.id}, milestone {m.seq} ({m.name})",
                "metadata": {"platform": PLATFORM_TAG, "deal_id": str(deal.id), "milestone_id": str(m.id),
                             "milestone_seq": str(m.seq)},
            }
            add_outbox_command("stripe.payment_intent", f"pi-m{m.id}",
                               {"params": params, "deal_id": deal.id, "milestone_id": m.id, "amount": m.amount,
                                "currency": currency})

    def settled(self, deal: Deal, m: Milestone) -> None:
        """Transfer the vendor's net and refund the buyer's part, as outbox commands in this transaction.

        Each amount is also reserved in the ledger (a hold from the payable to the Stripe clearing
        account), so no bank payout batch can pay it a second time; Stripe's answer posts the hold.

        :raises ConflictError: the milestone has no PaymentIntent or the vendor no connected account.
        """
        payment = payment_for(m.id)
        if payment is None:
            raise ConflictError(f"milestone {m.seq} has no Stripe payment to settle", code="stripe_payment_missing")
        currency = deal.currency
        common = {"deal_id": deal.id, "milestone_id": m.id, "currency": currency}
        metadata = {"platform": PLATFORM_TAG, "deal_id": str(deal.id), "milestone_id": str(m.id)}
        net = m.released_amount - m.commission_amount
        if net > 0:
            account = connected_account(deal.vendor_id)
            if account is None or account.account_id is None:
                raise ConflictError("the vendor has no Stripe account to transfer to", code="vendor_not_onboarded")
            params = {"amount": to_stripe_amount(net, currency), "currency": currency.lower(),
                      "destination": account.account_id, "transfer_group": f"deal_{deal.id}", "metadata": metadata}
            if payment.charge_id:  # ties the transfer to the charge's funds (and their availability)
                params["source_transaction"] = payment.charge_id
            ledger.hold(f"m{m.id}.payout_hold", ledger.vendor_payable(deal.vendor_id), ledger.clearing_account("stripe"),
                        net, currency, code="payout_hold", deal_id=deal.id, milestone_id=m.id)
            add_outbox_command("stripe.transfer", f"tr-m{m.id}",
                               {**common, "params": params, "amount": net, "vendor_id": deal.vendor_id})
        if m.refunded_amount > 0:
            params = {"payment_intent": payment.payment_intent_id,
                      "amount": to_stripe_amount(m.refunded_amount, currency), "metadata": metadata}
            ledger.hold(f"m{m.id}.refund_payout_hold", ledger.buyer_refund_payable(deal.buyer_id),
                        ledger.clearing_account("stripe"), m.refunded_amount, currency, code="refund_payout_hold",
                        deal_id=deal.id, milestone_id=m.id)
            add_outbox_command("stripe.refund", f"re-m{m.id}",
                               {**common, "params": params, "amount": m.refunded_amount, "buyer_id": deal.buyer_id})


# --- vendor onboarding ----------------------------------------------------------------------------


def request_connected_account(actor: Actor, vendor_id: int) -> tuple[StripeAccount, OutboxCommand | None]:
    """The vendor asks to be paid through Stripe: its Express account is created once (per vendor).

    Returns the account row and, while ``account_id`` is unknown, the outbox command creating it.

    :raises NotFoundError: not the caller's own vendor organisation.
    """
    from ..vendors.models import VendorProfile

    if actor.role != "admin" and actor.org_id != vendor_id:
        raise NotFoundError("no such vendor")
    vendor = db.session.get(VendorProfile, vendor_id)
    if vendor is None:
        raise NotFoundError("no such vendor")
    require_stripe()
    db.session.execute(insert(StripeAccount).values(vendor_id=vendor_id).on_conflict_do_nothing())
    account = db.session.execute(
        select(StripeAccount).where(StripeAccount.vendor_id == vendor_id).execution_options(populate_existing=True)
    ).scalar_one()
    if account.account_id is not None:
        return account, None
    params = {"type": "express", "capabilities": {"transfers": {"requested": True}},
              "business_profile": {"name": vendor.legal_name or vendor.organization.name},
              "metadata": {"platform": PLATFORM_TAG, "vendor_id": str(vendor_id)}}
    if current_app.config.get("STRIPE_CONNECT_COUNTRY"):
        params["country"] = current_app.config["STRIPE_CONNECT_COUNTRY"]
    return account, add_outbox_command("stripe.account", f"acct-v{vendor_id}", {"params": params, "vendor_id": vendor_id})


def create_account_link(vendor_id: int, return_url: str, refresh_url: str) -> dict:
    """A fresh onboarding link for the vendor's connected account (no state changes on our side).

    The idempotency key names the vendor, the minute and the URLs: a double click gets the same link.

    :raises GatewayUnavailableError: Stripe failed.
    """
    account = connected_account(vendor_id)
    key = "al-v{}-{}-{}".format(vendor_id, int(time.time()) // 60,
                                hashlib.sha256(f"{return_url}|{refresh_url}".encode()).hexdigest()[:12])
    try:
        link = stripe_client().v1.account_links.create(
            params={"account": account.account_id, "refresh_url": refresh_url, "return_url": return_url,
                    "type": "account_onboarding"},
            options={"idempotency_key": key}).to_dict()
    except stripe.StripeError as exc:
        raise GatewayUnavailableError(f"Stripe did not create the onboarding link: {exc.user_message or exc}") from None
    return {"url": link["url"], "expires_at": link["expires_at"]}


def sync_account(account_id: str) -> str:
    """Re-read a connected account from Stripe and store its flags (from ``account.updated``)."""
    account = db.session.execute(
        select(StripeAccount).where(StripeAccount.account_id == account_id).with_for_update()
    ).scalar_one_or_none()
    if account is None:
        return "ignored"
    remote = stripe_client().v1.accounts.retrieve(account_id).to_dict()
    account.details_submitted = bool(remote.get("details_submitted"))
    account.charges_enabled = bool(remote.get("charges_enabled"))
    account.payouts_enabled = bool(remote.get("payouts_enabled"))
    return "processed"


# --- payments (from webhooks) ---------------------------------------------------------------------


def sync_payment_intent(payment_intent_id: str, event_id: str) -> str:
    """Re-fetch a PaymentIntent and move our records forward; never backward.

    Returns ``processed``, ``ignored`` (not ours) or ``deferred`` (ours, but its creation is not
    recorded yet: the sweeper tries again).

    :raises ConflictError: Stripe says succeeded but the amount or the milestone disagree.
    """
    from ..deals.services import record_payment

    pi = stripe_client().v1.payment_intents.retrieve(payment_intent_id).to_dict()
    if (pi.get("metadata") or {}).get("platform") != PLATFORM_TAG:
        return "ignored"
    payment = db.session.execute(
        select(StripePayment).where(StripePayment.payment_intent_id == payment_intent_id).with_for_update()
    ).scalar_one_or_none()
    if payment is None:
        return "deferred"
    status = pi["status"]
    if payment.status not in TERMINAL and status != payment.status:
        payment.status = status
    if status == PaymentIntentStatus.SUCCEEDED:
        if pi["currency"].upper() != payment.currency or from_stripe_amount(pi["amount"], pi["currency"]) != payment.amount:
            raise ConflictError("Stripe charged another amount than the milestone's", code="amount_mismatch")
        if db.session.get(Deal, payment.deal_id).status == "cancelled":  # money arrived after a cancel: an admin refunds
            raise ConflictError("the buyer paid a cancelled deal", code="paid_after_cancel")
        payment.status = PaymentIntentStatus.SUCCEEDED
        payment.charge_id = payment.charge_id or _id_of(pi.get("latest_charge"))
        record_payment(payment.deal_id, payment.milestone_id, payment.amount, payment.currency, "stripe",
                       {"payment_intent": payment_intent_id, "charge": payment.charge_id, "event": event_id})
    return "processed"


# --- outbox handlers (called with the command's key as Stripe's idempotency key) -------------------


def _call(kind: str, create, payload: dict, key: str) -> dict:
    obj = create(params=payload["params"], options={"idempotency_key": key}).to_dict()
    _pause_after_call(kind)
    return obj


def create_payment_intent(payload: dict, key: str) -> dict:
    pi = _call("stripe.payment_intent", stripe_client().v1.payment_intents.create, payload, key)
    return {k: pi.get(k) for k in ("id", "client_secret", "status", "amount", "currency")}


def create_transfer(payload: dict, key: str) -> dict:
    tr = _call("stripe.transfer", stripe_client().v1.transfers.create, payload, key)
    return {"id": tr["id"], "amount": tr["amount"], "currency": tr["currency"],
            "destination": _id_of(tr.get("destination")), "transfer_group": tr.get("transfer_group")}


def create_refund(payload: dict, key: str) -> dict:
    re = _call("stripe.refund", stripe_client().v1.refunds.create, payload, key)
    return {k: re.get(k) for k in ("id", "amount", "currency", "status")}


def create_account(payload: dict, key: str) -> dict:
    acct = _call("stripe.account", stripe_client().v1.accounts.create, payload, key)
    return {"id": acct["id"]}


def payment_intent_created(command: OutboxCommand) -> None:
    p, r = command.payload, command.result
    db.session.execute(insert(StripePayment).values(
        deal_id=p["deal_id"], milestone_id=p["milestone_id"], payment_intent_id=r["id"], client_secret=r["client_secret"],
        amount=p["amount"], currency=p["currency"], status=r["status"], created_at=utcnow(), updated_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["milestone_id"]))


def transfer_created(command: OutboxCommand) -> None:
    """The vendor's net left the platform's Stripe balance: the reserved payable is paid."""
    p = command.payload
    ledger.post_hold(f"m{p['milestone_id']}.payout", f"m{p['milestone_id']}.payout_hold", code="payout",
                     deal_id=p["deal_id"], milestone_id=p["milestone_id"], meta={"stripe_transfer": command.result["id"]})


def refund_created(command: OutboxCommand) -> None:
    """The buyer's part went back to its card: the reserved refund payable is paid."""
    p = command.payload
    ledger.post_hold(f"m{p['milestone_id']}.refund_payout", f"m{p['milestone_id']}.refund_payout_hold",
                     code="refund_payout", deal_id=p["deal_id"], milestone_id=p["milestone_id"],
                     meta={"stripe_refund": command.result["id"]})


def account_created(command: OutboxCommand) -> None:
    account = db.session.get(StripeAccount, command.payload["vendor_id"], with_for_update=True)
    if account is not None and account.account_id is None:
        account.account_id = command.result["id"]
        account.updated_at = utcnow()


def stripe_commands(deal_id: int | None = None) -> list[OutboxCommand]:
    """The deal's Stripe outbox commands (for admins and tests), oldest first."""
    stmt = select(OutboxCommand).where(OutboxCommand.kind.like("stripe.%"))
    if deal_id is not None:
        stmt = stmt.where(OutboxCommand.payload["deal_id"].as_integer() == deal_id)
    return list(db.session.execute(stmt.order_by(OutboxCommand.id)).scalars())



# --- reconciliation -------------------------------------------------------------------------------


def reconcile_stripe() -> tuple[dict, list]:
    """Our Stripe money vs Stripe's records: every succeeded payment, transfer and refund is re-fetched
    and compared with the ledger; commands that gave up are reported too.

    Returns (summary per currency, mismatches) as :mod:`.reconciliation` expects.
    """
    from .models import LedgerTransfer
    from .reconciliation import Mismatch

    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return {"configured": False}, []
    client = stripe_client()
    summary: dict[str, dict[str, int]] = {}
    out: list[Mismatch] = []

    def tally(currency: str, what: str, amount: int) -> None:
        row = summary.setdefault(currency, {"payments": 0, "transfers": 0, "refunds": 0})
        row[what] += amount

    def compare(kind: str, subject: str, currency: str, remote: int | None, ledger_id: str) -> None:
        booked = db.session.get(LedgerTransfer, ledger_id)
        actual = booked.amount if booked is not None else None
        if remote != actual:
            out.append(Mismatch("stripe", kind, subject, f"Stripe has {remote}, the ledger {actual} ({ledger_id})",
                                currency, remote, actual))

    payments = db.session.execute(select(StripePayment).where(StripePayment.status == PaymentIntentStatus.SUCCEEDED)
                                  .order_by(StripePayment.id)).scalars()
    for p in payments:
        pi = client.v1.payment_intents.retrieve(p.payment_intent_id).to_dict()
        remote = from_stripe_amount(pi["amount"], pi["currency"]) if pi["status"] == "succeeded" else None
        tally(p.currency, "payments", remote or 0)
        compare("payment", p.payment_intent_id, p.currency, remote, f"m{p.milestone_id}.fund")
    retrieve = {"stripe.transfer": (client.v1.transfers.retrieve, "transfers", "payout"),
                "stripe.refund": (client.v1.refunds.retrieve, "refunds", "refund_payout")}
    for command in stripe_commands():
        if command.kind not in retrieve:
            continue
        p = command.payload
        if command.status == "failed":
            out.append(Mismatch("stripe", "command_failed", command.key, command.last_error or "gave up",
                                p["currency"], p["amount"], None))
        if command.status != "done":
            continue
        fetch, what, suffix = retrieve[command.kind]
        obj = fetch(command.result["id"]).to_dict()
        remote = from_stripe_amount(obj["amount"] - obj.get("amount_reversed", 0), obj["currency"])
        if obj.get("status") in ("failed", "canceled"):
            remote = 0
        tally(p["currency"], what, remote)
        compare(what[:-1], obj["id"], p["currency"], remote, f"m{p['milestone_id']}.{suffix}")
    return summary, out
