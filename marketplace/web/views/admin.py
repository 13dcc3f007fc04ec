"""Pages: the platform's back office. Verification queue (documents shown in the page), bank transfers
(confirm one, import a statement and see how its lines matched), the dispute desk (decide with the
exact allocation shown before it is confirmed) and money (held, payables, payouts, reconciliation,
trial balance, and a chart of money held and released over time).

Platform staff read every page; only platform admins decide (the same services and roles as the API).
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache

from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField
from markupsafe import Markup
from marshmallow import ValidationError
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...accounts.auth import current, current_actor
from ...accounts.models import MemberRole, OrgKind
from ...actors import ActorRole
from ...database import utcnow
from ...deals import services as deals
from ...deals.bank_desk import awaiting_bank_transfers
from ...deals.services import dispute_case
from ...disputes import services as cases
from ...disputes.models import DisputeOutcome, DisputeStatus
from ...disputes.schemas import DecisionCreateSchema, DeskQuerySchema
from ...errors import DomainError, NotFoundError
from ...escrow import dashboard, ledger, reconciliation
from ...escrow.gateways.bank import payouts, statements
from ...escrow.gateways.bank.models import LineState, UnmatchedReason
from ...extensions import db
from ...statemachine import events_for
from ...vendors import services as vendors
from ...vendors.schemas import VerificationDecisionSchema
from ...vendors.states import verification_machine
from ..charts import Series, line_chart
from ..forms import AmountField, Form, attempt, load, page, show_error, translate
from ..i18n import iso, locale_code, status_label, when, when_formatter
from ..i18n import money as format_money
from ..session import page_login_required
from .disputes import EvidenceForm, case_context

bp = Blueprint("web_admin", __name__, url_prefix="/admin")

PLATFORM = OrgKind.PLATFORM
ADMINS = (MemberRole.ADMIN,)
#: the window of the dispute metrics the desk shows
METRICS_DAYS = 90

#: people-facing words for the values the admin pages show (kept apart from other areas' words for the
#: same values: "pending" is a vendor waiting for review here, a milestone not yet payable elsewhere)
LABELS = {
    "pending": _l("Waiting for review"), "unverified": _l("Not verified"), "verified": _l("Verified"),
    "rejected": _l("Rejected"), "suspended": _l("Suspended"),
    "verify": _l("Verify"), "reject": _l("Reject"), "suspend": _l("Suspend"), "reinstate": _l("Reinstate"),
    "business_registration": _l("Business registration"), "tax_certificate": _l("Tax certificate"),
    "certification": _l("Certification"), "other": _l("Other"),
    "matched": _l("Matched to its payment"), "partial": _l("Partly paid"), "excess": _l("Overpaid"), "duplicate": _l("Duplicate"),
    "unmatched": _l("Unmatched"), "assigned": _l("Assigned"),
    "no_reference": _l("No payment reference"), "bad_check_digits": _l("Reference with wrong check digits"),
    "ambiguous_reference": _l("Ambiguous reference"), "unknown_reference": _l("Unknown reference"),
    "currency_mismatch": _l("Wrong currency"), "wrong_gateway": _l("Paid through another method"),
    "deal_not_payable": _l("Deal takes no more money"), "milestone_not_payable": _l("Milestone already paid"),
    "open": _l("Open"), "negotiating": _l("Negotiating"), "escalated": _l("Escalated"),
    "under_review": _l("Under review"), "decided": _l("Decided"), "settling": _l("Settling"),
    "resolved": _l("Resolved"), "withdrawn": _l("Withdrawn"),
    "release": _l("Release to the vendor"), "refund": _l("Refund the buyer"), "split": _l("Split"),
    "not_received": _l("Not received"), "not_as_described": _l("Not as described"), "damaged": _l("Damaged"),
    "quantity_short": _l("Quantity short"), "late": _l("Late delivery"), "wrong_item": _l("Wrong goods"),
    "partial_refund": _l("Partial refund"), "return_and_refund": _l("Return and refund"),
    "replacement": _l("Replacement"), "platform": _l("Platform"),
    "clean": _l("Clean"), "mismatches": _l("Mismatches"),
    "created": _l("Created"), "paid": _l("Paid"),
    "awaiting_payment": _l("Awaiting payment"), "funded": _l("Funded"), "vendor": _l("Vendor"), "buyer": _l("Buyer"),
    "shipped": _l("Shipped"), "delivered": _l("Delivered"), "disputed": _l("Disputed"), "refunded": _l("Refunded"),
    "released": _l("Released"), "accepted": _l("Accepted"), "cancelled": _l("Cancelled"),
}


def label(value: str | None) -> str:
    """A value (an action, a statement line's state or reason, a party) as the admin pages word it; statuses are
    worded for their kind by the ``status`` filter."""
    found = LABELS.get(str(value)) if value else None
    if found is not None:
        return str(found)
    return str(value).replace("_", " ") if value else "—"


@bp.context_processor
def _words() -> dict:
    return {"label": label}

#: what happened on a dispute, by event name
DISPUTE_EVENTS = {
    "create": _l("opened the dispute"), "respond": _l("answered the buyer"), "escalate": _l("escalated it to the platform"),
    "review": _l("took it under review"), "decide": _l("decided the dispute"), "settle": _l("started moving the money"),
    "resolve": _l("resolved the dispute"), "withdraw": _l("withdrew the dispute"),
    "assign": _l("assigned the case"), "evidence_added": _l("added evidence"),
}
#: who did it, by actor role
ACTORS = {ActorRole.BUYER: _l("Buyer"), ActorRole.VENDOR: _l("Vendor"), ActorRole.ADMIN: _l("Platform"),
          ActorRole.SYSTEM: _l("System")}
#: the admin's next step on a dispute, by whether it may still be decided
DESK_STEP = {True: _l("Decide the dispute: release, refund or split the money held."),
             False: _l("Nothing to do: the decision is made and the money is being moved.")}
OUTCOMES = [(DisputeOutcome.RELEASE.value, _l("Release to the vendor")),
            (DisputeOutcome.REFUND.value, _l("Refund the buyer")), (DisputeOutcome.SPLIT.value, _l("Split"))]


def _is_admin() -> bool:
    return current().role == MemberRole.ADMIN


# --- verification ---------------------------------------------------------------------------------


class VerificationForm(Form):
    decision = HiddenField()
    reason = TextAreaField(_l("Reason (required to reject or suspend)"), validators=[Optional(), Length(max=2000)])


def _queue_page(failed: int | None = None, failed_form: VerificationForm | None = None):
    actor = current_actor()
    status = request.args.get("status") or "pending"
    queue = vendors.verification_queue({"limit": 50, "status": status, "cursor": request.args.get("cursor")})
    ids = [v.id for v in queue["items"]]
    twins = vendors.tax_code_twins(ids)
    documents_of = vendors.vendor_documents(ids, actor, limit=50)
    metrics = dispute_case.vendors_dispute_metrics(ids, window_days=METRICS_DAYS)
    rows = []
    for vendor in queue["items"]:
        documents = documents_of[vendor.id]
        actions = verification_machine.allowed(vendor.status, ActorRole.ADMIN) if _is_admin() else []
        form = failed_form if vendor.id == failed else VerificationForm(formdata=None)
        rows.append({"vendor": vendor, "documents": documents, "actions": actions, "form": form,
                     "tax_code_twins": twins.get(vendor.id, []),
                     "disputes": metrics[vendor.id]})
    return page("admin/verifications.html", failed_form, rows=rows, status=status, metrics_days=METRICS_DAYS,
                statuses=["pending", "rejected", "unverified", "suspended", "verified"],
                next_cursor=queue["next_cursor"])


@bp.get("/verifications")
@page_login_required(PLATFORM)
def verifications():
    """Vendors waiting for a decision, oldest submission first, each with its profile and documents."""
    return _queue_page()


@bp.get("/verifications/<int:vendor_id>/documents/<int:document_id>")
@page_login_required(PLATFORM)
def document(vendor_id: int, document_id: int):
    """A vendor's document served inline with its sniffed type, so the page can show it (PDF or image)."""
    found = vendors.download_vendor_document(vendor_id, document_id, current_actor())
    response = send_file(found.body, mimetype=found.mimetype, as_attachment=False, download_name=found.download_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/verifications/<int:vendor_id>")
@page_login_required(PLATFORM, roles=ADMINS)
def decide_verification(vendor_id: int):
    """Verify, reject (with a reason), suspend (with a reason) or reinstate a vendor."""
    form = VerificationForm()
    decision = request.form.get("decision", "")
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        body = {"decision": decision, **({"reason": reason} if reason else {})}

        def act():
            data = load(VerificationDecisionSchema(), body)
            return vendors.decide_verification(vendor_id, current_actor(), data["decision"], data.get("reason"))

        vendor = attempt(form, act, aliases={"decision": "reason"})
        if vendor is not None:
            flash(_("%(name)s: %(status)s.", name=vendor.organization.name,
                    status=label(vendor.status)), "success")
            return redirect(url_for("web_admin.verifications"))
    return _queue_page(failed=vendor_id, failed_form=form)


# --- bank transfers -------------------------------------------------------------------------------


class ConfirmTransferForm(Form):
    reference = HiddenField(validators=[DataRequired()])
    amount = HiddenField(validators=[DataRequired()])
    currency = HiddenField(validators=[DataRequired()])


class StatementForm(Form):
    file = FileField(_l("Bank statement (CSV)"), validators=[DataRequired(message=_l("Choose a statement file."))])


def _payments_page(statement_form: StatementForm | None = None, confirm_form: ConfirmTransferForm | None = None,
                   result: dict | None = None):
    unmatched = statements.list_lines({"limit": 50, "state": LineState.UNMATCHED})["items"]
    form = statement_form or StatementForm(formdata=None)
    response = page("admin/payments.html", form, awaiting=awaiting_bank_transfers(current_actor()),
                    confirm_form=confirm_form, result=result, unmatched=unmatched, can_decide=_is_admin(),
                    summary=_summary(result))
    if confirm_form is not None and confirm_form.has_errors:
        return response[0], 422
    return response


def _summary(result: dict | None) -> list[tuple[str, int]]:
    """How many lines of an import ended in each state (and how many were ambiguous), for the result box."""
    if not result:
        return []
    counts: dict[str, int] = {}
    for line in result["lines"]:
        counts[line.state] = counts.get(line.state, 0) + 1
        if line.reason == UnmatchedReason.AMBIGUOUS_REFERENCE:
            counts[line.reason] = counts.get(line.reason, 0) + 1
    return sorted(counts.items())


@bp.get("/payments")
@page_login_required(PLATFORM)
def payments():
    """Bank transfers awaiting confirmation, the statement import and the lines nobody could match."""
    return _payments_page()


@bp.post("/payments/confirm")
@page_login_required(PLATFORM, roles=ADMINS)
def confirm_transfer():
    """Confirm one bank transfer by its payment reference: the milestone's money is held in escrow."""
    form = ConfirmTransferForm()
    if form.validate_on_submit():
        deal = attempt(form, lambda: deals.confirm_bank_transfer(current_actor(), form.reference.data,
                                                                 int(form.amount.data), form.currency.data))
        if deal is not None:
            flash(_("Transfer %(reference)s confirmed: deal #%(id)s is %(status)s.", reference=form.reference.data,
                    id=deal.id, status=label(deal.status)), "success")
            return redirect(url_for("web_admin.payments"))
    elif not form.page_errors:
        form.page_errors.append(_("This transfer could not be confirmed. Reload the page and try again."))
    return _payments_page(confirm_form=form)


@bp.post("/payments/statements")
@page_login_required(PLATFORM, roles=ADMINS)
def import_statement():
    """Import a bank statement: each new line is matched to a milestone by its reference, or parked."""
    form = StatementForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = statements.import_statement(current_actor(), upload.read(), upload.filename)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            _statement_error(form, exc)
        else:
            return _payments_page(result=result)
    return _payments_page(statement_form=form)


def _statement_error(form: StatementForm, exc: DomainError) -> None:
    """A refused statement on the form: the refusal in the reader's language, and which rows and columns
    were wrong (the parser's details name columns, which read the same in every language)."""
    text = translate(exc.message)
    if text == exc.message and locale_code() != "en":
        text = _("The file is not a bank statement the platform can read.")
    form.file.errors = [*form.file.errors, text]
    rows = (exc.fields or {}).get("rows") or {}
    if isinstance(rows, dict) and rows:
        shown = "; ".join(f"{number}: {', '.join(columns)}" for number, columns in sorted(
            rows.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else 0))
        form.file.errors.append(_("Rows with errors (row: columns): %(rows)s", rows=shown))


# --- the dispute desk -----------------------------------------------------------------------------


class DecisionForm(Form):
    outcome = RadioField(_l("Decision"), choices=OUTCOMES, validators=[DataRequired()])
    vendor_amount = AmountField(_l("The vendor's share of the held money (a split only)"), validators=[Optional()])
    # the rationale both parties read with the decision (negotiation: required on the page)
    note = TextAreaField(_l("Rationale, shown to both parties"), validators=[
        DataRequired(message=_l("Explain the decision: both parties read it.")), Length(max=5000)])
    return_required = BooleanField(_l("The buyer returns the goods first (the refund is paid on their receipt)"))


class ConfirmDecisionForm(Form):
    outcome = HiddenField(validators=[DataRequired()])
    vendor_amount = HiddenField()
    note = HiddenField()
    return_required = HiddenField()


class DeskFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    assignee = SelectField(_l("Assignee"), validators=[Optional()],
                           choices=[("", _l("Anyone")), ("me", _l("Me")), ("none", _l("Nobody"))])
    overdue = SelectField(_l("Deadline"), validators=[Optional()],
                          choices=[("", _l("Any")), ("true", _l("Overdue")), ("false", _l("Not overdue"))])


class AssignForm(Form):
    assignee = HiddenField(validators=[DataRequired()])


def desk_rows(rows: list[dict]) -> list[dict]:
    """The desk's rows with their cells worded: each translation looked up once per page and each label, age and
    amount once per distinct value, rather than 300 template gettext calls and 200 filter calls for 50 cases,
    which cost more than the page's queries (issue 13). The words are the template's (a translation is markup
    there, its values escaped: so here)."""
    show_when = when_formatter()
    dispute_no, deal_no = Markup(_("Dispute #%(id)s")), Markup(_("Deal #%(id)s"))
    age = cache(lambda days: Markup(ngettext("%(num)d day", "%(num)d days", days)))
    amount = cache(format_money)
    reason, status = cache(lambda v: status_label(v, "dispute_reason")), cache(lambda v: status_label(v, "dispute"))
    out = []
    for row in rows:
        d, due = row["dispute"], row["deadline_at"]
        out.append({**row, "title": dispute_no % {"id": d.id}, "deal_title": deal_no % {"id": d.deal_id},
                    "age": age(row["age_days"]), "created_iso": iso(d.created_at), "created_when": show_when(d.created_at),
                    "claimed": amount(row["claimed_amount"], row["currency"]), "reason_label": reason(d.reason),
                    "status_label": status(d.status), "deadline_iso": iso(due), "deadline_when": show_when(due)})
    return out


@bp.get("/disputes")
@page_login_required(PLATFORM)
def disputes():
    """The dispute desk: cases oldest first with age, deadline countdown, claim and assignee; filters; the
    symmetric dispute metrics of vendors and buyers."""
    filters = DeskFilterForm(request.args)
    filters.status.choices = [("", _("Every live case"))] + [(s.value, label(s.value)) for s in DisputeStatus]
    raw = {k: request.args.get(k) for k in ("status", "assignee", "overdue", "cursor") if request.args.get(k)}
    try:
        desk = cases.desk(current_actor(), load(DeskQuerySchema(), {"limit": 50, **raw}))
    except (ValidationError, DomainError):
        desk = {"items": [], "next_cursor": None}
        filters.page_errors.append(_("The filter is not valid; start a new search."))
    metrics, metrics_at = desk_metrics()
    return page("admin/disputes.html", rows=desk_rows(desk["items"]), next_cursor=desk["next_cursor"], filters=filters,
                metrics=metrics, metrics_days=METRICS_DAYS, metrics_at=metrics_at,
                metrics_ttl=current_app.config["DISPUTE_METRICS_CACHE_SECONDS"], assign_form=AssignForm(formdata=None))


#: database URL -> (monotonic time, UTC time, the desk's metrics) computed then, per process
_desk_metrics: dict[str, tuple[float, datetime, dict]] = {}


def desk_metrics() -> tuple[dict, datetime]:
    """The desk's dispute metrics and when they were computed: kept per process for
    ``DISPUTE_METRICS_CACHE_SECONDS`` (the page says how old they are), since each view otherwise aggregates the
    window's deals twice (26 ms of SQL at 100,000 deals; benchmarks/pages/REPORT.md). 0: computed on every view."""
    ttl = current_app.config["DISPUTE_METRICS_CACHE_SECONDS"]
    key, now = str(db.engine.url), time.monotonic()
    kept = _desk_metrics.get(key)
    if kept is None or ttl <= 0 or now - kept[0] >= ttl:
        kept = _desk_metrics[key] = (now, utcnow(),
                                     dispute_case.dispute_metrics({"window_days": METRICS_DAYS, "limit": 10}))
    return kept[2], kept[1]


@bp.post("/disputes/<int:dispute_id>/assign")
@page_login_required(PLATFORM)
def assign_dispute(dispute_id: int):
    """Take a case (``me``) or give it back to nobody (``none``)."""
    form = AssignForm()
    if form.validate_on_submit() and form.assignee.data in ("me", "none"):
        assignee = current_actor().user_id if form.assignee.data == "me" else None
        if attempt(form, lambda: cases.assign_dispute(current_actor(), dispute_id, assignee)) is not None:
            flash(_("Dispute #%(id)s is assigned to you.", id=dispute_id) if assignee else
                  _("Dispute #%(id)s is assigned to nobody.", id=dispute_id), "success")
    for message in form.page_errors:
        flash(message, "error")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/disputes")
                    else url_for("web_admin.disputes"))


def _dispute_context(dispute_id: int) -> dict:
    actor = current_actor()
    dispute = cases.get_dispute(actor, dispute_id)
    deal = deals.get_deal(actor, dispute.deal_id)
    messages = cases.list_messages(actor, dispute.id, {"limit": 100})["items"]
    events = events_for("dispute", dispute.id)
    people = cases.user_names({m.author_id for m in messages} | {e.actor_user_id for e in events})
    names = cases.organization_names({dispute.buyer_id, dispute.vendor_id})
    timeline = [{"at": e.at, "actor": _actor_text(e.actor_role, people.get(e.actor_user_id)),
                 "text": DISPUTE_EVENTS.get(e.name, e.name)} for e in events]
    held = cases.allocation_preview(deal, DisputeOutcome.REFUND)["held"]
    decidable = cases.decidable(dispute)
    case = case_context(dispute.id)
    people = {**people, **case["people"]}
    names = {**names, **case["names"]}
    return {**case, "dispute": dispute, "deal": deal, "messages": messages, "people": people, "names": names,
            "events": timeline, "held": held, "can_decide": decidable and _is_admin(),
            "next_step": DESK_STEP[decidable], "ledger": ledger.deal_summary(deal.id, deal.currency),
            "deadline": cases.deadline_of(dispute), "assign_form": AssignForm(formdata=None),
            "evidence_form": EvidenceForm(formdata=None),
            "vendor_metrics": dispute_case.vendor_dispute_metrics(dispute.vendor_id, window_days=METRICS_DAYS),
            "metrics_days": METRICS_DAYS}


def _actor_text(role: str, name: str | None) -> str:
    label = str(ACTORS.get(role, role))
    return f"{label} · {name}" if name else label


@bp.get("/disputes/<int:dispute_id>")
@page_login_required(PLATFORM)
def dispute(dispute_id: int):
    """One dispute: deal, parties, money held, messages, timeline and (for admins) the decision form."""
    return page("admin/dispute.html", DecisionForm(formdata=None), **_dispute_context(dispute_id))


@bp.post("/disputes/<int:dispute_id>/preview")
@page_login_required(PLATFORM, roles=ADMINS)
def preview_decision(dispute_id: int):
    """The confirmation step: exactly what the decision would move, before it is made."""
    context = _dispute_context(dispute_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            allocation = cases.allocation_preview(context["deal"], form.outcome.data, form.vendor_amount.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            confirm = ConfirmDecisionForm(formdata=None, outcome=form.outcome.data,
                                          vendor_amount=allocation["vendor_amount"], note=form.note.data or "",
                                          return_required="1" if form.return_required.data else "")
            return page("admin/decision_confirm.html", confirm, allocation=allocation, **context)
    return page("admin/dispute.html", form, **context)


@bp.post("/disputes/<int:dispute_id>/decision")
@page_login_required(PLATFORM, roles=ADMINS)
def decide(dispute_id: int):
    """Record the confirmed decision (the same service as the API); settlement runs in the background."""
    context = _dispute_context(dispute_id)
    form = ConfirmDecisionForm()
    if form.validate_on_submit():
        data = {"outcome": form.outcome.data}
        if form.outcome.data == DisputeOutcome.SPLIT:
            data["vendor_amount"] = form.vendor_amount.data
        if form.note.data:
            data["note"] = data["rationale"] = form.note.data
        if form.return_required.data == "1":
            data["return_required"] = True
        done = attempt(form, lambda: deals.decide_dispute(current_actor(), dispute_id, load(DecisionCreateSchema(), data)))
        if done is not None:
            flash(_("The decision is recorded; the money is being moved."), "success")
            return redirect(url_for("web_admin.dispute", dispute_id=dispute_id))
    shown = DecisionForm(formdata=None)
    shown.page_errors = form.page_errors or [_("The decision could not be recorded. Check it and try again.")]
    return page("admin/dispute.html", shown, **context)[0], 422


# --- money ----------------------------------------------------------------------------------------


def _chart(currency: str) -> dict:
    points = dashboard.money_over_time(currency, days=30)
    labels = [when(p["day"], "short") for p in points]
    svg = line_chart(_("Money held and released over time (%(currency)s)", currency=currency), labels, [
        Series(_("Held in escrow"), [p["held"] for p in points], "#1f6feb"),
        Series(_("Released to vendors"), [p["released"] for p in points], "#2da44e", kind="bars"),
    ], lambda v: format_money(v, currency))
    return {"currency": currency, "svg": svg, "points": points}


@bp.get("/money")
@page_login_required(PLATFORM)
def money():
    """Held, payables, payouts and batches, reconciliation, the trial balance and the chart."""
    try:
        report = reconciliation.latest_report()
    except NotFoundError:
        report = None
    return page("admin/money.html",
                held=ledger.held_report()["held"], trial=ledger.trial_balance_report()["currencies"],
                payables=ledger.list_payables({"limit": 50})["items"],
                batches=payouts.list_batches({"limit": 50})["items"],
                payout_rows=payouts.list_payouts(current_actor(), {"limit": 50})["items"],
                report=report, charts=[_chart(c) for c in dashboard.ledger_currencies()], can_decide=_is_admin())


@bp.post("/money/reconciliation")
@page_login_required(PLATFORM, roles=ADMINS)
def reconcile():
    """Reconcile the ledger with the bank statements (and other sources) now."""
    form = Form()
    if form.validate_on_submit() and attempt(form, reconciliation.run_reconciliation) is not None:
        flash(_("Reconciliation finished."), "success")
    return redirect(url_for("web_admin.money"))

