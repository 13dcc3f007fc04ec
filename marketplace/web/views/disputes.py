"""Pages: a dispute as its buyer or vendor sees it (the case, the lines in dispute and the claim, evidence
with uploads, messages, the timeline and the next step with its countdown), the form that opens a case
from a deal (either party), evidence files and the evidence bundle. The negotiation's part of the page
(offers, evidence requests, the return) is its own partial, ``disputes/_negotiation.html``."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...accounts.auth import current_actor
from ...actors import ActorRole
from ...deals import services as deals
from ...deals.services import overview
from ...disputes import bundle as bundles
from ...disputes import evidence as evidences
from ...disputes import services as cases
from ...disputes.models import (
    VENDOR_REASONS,
    DisputeParty,
    DisputeReason,
    DisputeStatus,
    EvidenceKind,
    RecordType,
    RequestedOutcome,
)
from ...disputes.schemas import DisputeCreateSchema, DisputeMessageCreateSchema
from ...disputes.services import BUYER_OUTCOMES
from ...http.downloads import send_download
from ...statemachine import events_for
from ..forms import AmountField, Form, attempt, load, page
from ..i18n import locale_code, register_labels
from ..session import page_login_required

bp = Blueprint("web_disputes", __name__, url_prefix="/disputes")

register_labels("dispute_reason", {
    DisputeReason.QUANTITY_SHORT: _l("Quantity short"), DisputeReason.LATE: _l("Late delivery"),
    DisputeReason.WRONG_ITEM: _l("Wrong goods"),
})
register_labels("requested_outcome", {
    RequestedOutcome.REFUND: _l("Full refund"), RequestedOutcome.PARTIAL_REFUND: _l("Partial refund"),
    RequestedOutcome.RETURN_AND_REFUND: _l("Return and refund"), RequestedOutcome.REPLACEMENT: _l("Replacement"),
    RequestedOutcome.RELEASE: _l("Released to the vendor"),
})
register_labels("record_type", {
    RecordType.TERMS: _l("Deal terms and lines"), RecordType.PAYMENTS: _l("Payments and escrow"),
    RecordType.SHIPMENTS: _l("Shipments and tracking"), RecordType.DELIVERY: _l("Proof of delivery"),
})
register_labels("dispute", {DisputeStatus.RESOLVED: _l("Resolved")})

#: the reasons a form offers, in order
REASONS = [(DisputeReason.NOT_RECEIVED, _l("Goods not received")),
           (DisputeReason.NOT_AS_DESCRIBED, _l("Not as described")), (DisputeReason.DAMAGED, _l("Damaged goods")), (DisputeReason.QUANTITY_SHORT, _l("Quantity short")),
           (DisputeReason.LATE, _l("Late delivery")), (DisputeReason.WRONG_ITEM, _l("Wrong goods")),
           (DisputeReason.OTHER, _l("Other reason"))]
#: who did it, by party or platform
PARTIES = {DisputeParty.BUYER: _l("Buyer"), DisputeParty.VENDOR: _l("Vendor"), "platform": _l("Platform")}
#: what happened on a case, by event name (the negotiation's events are worded by their own module's labels)
EVENTS = {
    "create": _l("opened the dispute"), "respond": _l("answered the dispute"),
    "escalate": _l("asked the platform to step in"), "review": _l("took the case under review"),
    "decide": _l("decided the dispute"), "settle": _l("started moving the money"), "resolve": _l("closed the case"),
    "withdraw": _l("withdrew the dispute"), "assign": _l("assigned the case"), "evidence_added": _l("added evidence"),
}
ROLES = {ActorRole.BUYER: _l("Buyer"), ActorRole.VENDOR: _l("Vendor"), ActorRole.ADMIN: _l("Platform"),
         ActorRole.SYSTEM: _l("Platform (automatic)")}
#: the viewer's next step, by case status and whether the viewer is the one who must answer
STEPS = {
    "answer": _l("Answer the dispute: reply in the conversation, add your evidence or make an offer."),
    "wait_answer": _l("Nothing to do now: waiting for the other party's answer. Add evidence if you have more."),
    "negotiate": _l("Talk with the other party, add evidence, and agree on a solution if you can."),
    "review": _l("The platform is reviewing the case: add any evidence it asks for."),
    "settling": _l("Nothing to do: the decision is made and the money is being moved."),
    "closed": _l("Nothing more to do: the case is closed."),
}
#: what happens when the current deadline lapses, by status
LAPSES = {
    DisputeStatus.OPEN: _l("the platform steps in and reviews the case."),
    DisputeStatus.NEGOTIATING: _l("the platform steps in and reviews the case."),
}


class EvidenceForm(Form):
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[DataRequired(message=_l("Choose a file."))])
    description = StringField(_l("What it shows"), validators=[Optional(), Length(max=2000)])


class MessageForm(Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write a message.")), Length(max=10000)])


class OpenDisputeForm(Form):
    reason = SelectField(_l("Reason"), validators=[DataRequired(message=_l("Choose a reason."))])
    description = TextAreaField(_l("What is wrong"), validators=[
        DataRequired(message=_l("Describe the problem.")), Length(min=5, max=10000)])
    requested_outcome = SelectField(_l("What you ask for"), validators=[Optional()])
    claimed_amount = AmountField(_l("Claimed amount"), validators=[Optional()])


# --- the party page --------------------------------------------------------------------------------


def _step(dispute, party) -> tuple[str, str | None]:
    """The viewer's next step (worded) and what happens if its deadline lapses."""
    status = dispute.status
    if status == DisputeStatus.OPEN:
        key = "answer" if party is not None and party != dispute.opened_by_party else "wait_answer"
    elif status == DisputeStatus.NEGOTIATING:
        key = "negotiate"
    elif status in (DisputeStatus.ESCALATED, DisputeStatus.UNDER_REVIEW):
        key = "review"
    elif status in (DisputeStatus.DECIDED, DisputeStatus.SETTLING):
        key = "settling"
    elif status in (DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN):
        key = "closed"
    else:  # a status of the negotiation (evidence requested, a return under way): its partial says more
        key = "negotiate"
    lapse = LAPSES.get(status)
    return str(STEPS[key]), str(lapse) if lapse else None


def _timeline(dispute) -> list[dict]:
    events = events_for("dispute", dispute.id)
    people = cases.user_names({e.actor_user_id for e in events})
    rows = []
    for e in events:
        who = str(ROLES.get(e.actor_role, e.actor_role))
        if people.get(e.actor_user_id):
            who = f"{who} · {people[e.actor_user_id]}"
        rows.append({"at": e.at, "actor": who, "text": str(EVENTS.get(e.name, e.name.replace("_", " ")))})
    return rows


def case_context(dispute_id: int) -> dict:
    """What a dispute page shows, read as the viewer may (the admin page uses it too)."""
    actor = current_actor()
    dispute = cases.get_dispute(actor, dispute_id)
    deal = deals.get_deal(actor, dispute.deal_id)
    messages = cases.list_messages(actor, dispute.id, {"limit": 100})["items"]
    pieces = evidences.case_evidence(dispute.id)
    party = dispute.party_of(actor.org_id)
    what, lapse = _step(dispute, party)
    names = cases.organization_names({dispute.buyer_id, dispute.vendor_id} | {p.added_by_org_id for p in pieces})
    people = cases.user_names({m.author_id for m in messages} | {p.added_by for p in pieces}
                              | {dispute.assignee_id})
    return {"dispute": dispute, "deal": deal, "messages": messages, "evidence": pieces, "party": party,
            "parties": PARTIES, "names": names, "people": people, "case_events": _timeline(dispute),
            "step_text": what, "step_deadline": cases.deadline_of(dispute), "step_lapse": lapse,
            "can_add": dispute.is_live() and not dispute.is_decided(), "EvidenceKind": EvidenceKind}


def render_case(dispute_id: int, evidence_form: EvidenceForm | None = None, message_form: MessageForm | None = None):
    context = case_context(dispute_id)
    failed = next((f for f in (evidence_form, message_form) if f is not None and f.has_errors), None)
    return page("disputes/dispute.html", failed, evidence_form=evidence_form or EvidenceForm(formdata=None),
                message_form=message_form or MessageForm(formdata=None), **context)


@bp.get("/<int:dispute_id>", endpoint="dispute")
@page_login_required()
def dispute_page(dispute_id: int):
    """The case as its buyer or vendor sees it (platform staff: the desk's page)."""
    if current_actor().role == ActorRole.ADMIN:
        return redirect(url_for("web_admin.dispute", dispute_id=dispute_id))
    return render_case(dispute_id)


def _back(dispute_id: int, anchor: str = ""):
    endpoint = "web_admin.dispute" if current_actor().role == ActorRole.ADMIN else "web_disputes.dispute"
    return redirect(url_for(endpoint, dispute_id=dispute_id) + anchor)


@bp.post("/<int:dispute_id>/evidence")
@page_login_required()
def upload_evidence(dispute_id: int):
    """A party (or an admin) adds a file to the case: judged by its bytes, kept by its SHA-256, never changed."""
    form = EvidenceForm()
    cases.get_dispute(current_actor(), dispute_id)  # another organisation's case: the 404 page
    if form.validate_on_submit():
        upload = form.file.data
        if attempt(form, lambda: evidences.add_evidence(current_actor(), dispute_id, upload.filename, upload.stream,
                                                        (form.description.data or "").strip())) is not None:
            flash(_("The evidence is added; both parties and the platform can see it."), "success")
            return _back(dispute_id, "#evidence")
    if current_actor().role == ActorRole.ADMIN:
        flash(" ".join(form.page_errors or [e for errs in form.errors.values() for e in errs]), "error")
        return _back(dispute_id, "#evidence")
    return render_case(dispute_id, evidence_form=form)


@bp.get("/<int:dispute_id>/evidence/<int:evidence_id>")
@page_login_required()
def evidence_file(dispute_id: int, evidence_id: int):
    """A piece of evidence: files shown inline with their sniffed type, records downloaded as JSON."""
    found = evidences.download_evidence(current_actor(), dispute_id, evidence_id)
    if not hasattr(found.body, "open"):  # a record: its JSON as a download
        return send_download(found)
    response = send_file(found.body, mimetype=found.mimetype, as_attachment=False, download_name=found.download_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:dispute_id>/bundle")
@page_login_required()
def evidence_bundle(dispute_id: int):
    """The evidence bundle (ZIP: summary.pdf in the page's language, files, records, manifest.sha256)."""
    body = bundles.evidence_bundle(current_actor(), dispute_id, locale_code())
    return send_file(io.BytesIO(body), mimetype="application/zip", as_attachment=True,
                     download_name=bundles.bundle_name(dispute_id))


@bp.post("/<int:dispute_id>/messages")
@page_login_required()
def message(dispute_id: int):
    """A party writes in the case's conversation."""
    form = MessageForm()
    cases.get_dispute(current_actor(), dispute_id)
    if form.validate_on_submit():
        text = (form.body.data or "").strip()
        if not text:
            form.body.errors = [*form.body.errors, _("Write a message.")]
        elif attempt(form, lambda: cases.add_message(current_actor(), dispute_id,
                                                     load(DisputeMessageCreateSchema(), {"body": text})["body"])):
            flash(_("Your message is sent."), "success")
            return _back(dispute_id, "#messages")
    return render_case(dispute_id, message_form=form)


# --- opening a case from a deal --------------------------------------------------------------------


def _open_form(side: str, formdata=None) -> OpenDisputeForm:
    form = OpenDisputeForm(formdata=formdata) if formdata is not None else OpenDisputeForm()
    reasons = [(r, text) for r, text in REASONS if side == ActorRole.BUYER or r in VENDOR_REASONS]
    form.reason.choices = [("", _("Choose a reason"))] + [(r.value, str(text)) for r, text in reasons]
    outcomes = BUYER_OUTCOMES if side == ActorRole.BUYER else (RequestedOutcome.RELEASE,)
    labels = {RequestedOutcome.REFUND: _l("Full refund"), RequestedOutcome.PARTIAL_REFUND: _l("Partial refund"),
              RequestedOutcome.RETURN_AND_REFUND: _l("Return and refund"),
              RequestedOutcome.REPLACEMENT: _l("Replacement"),
              RequestedOutcome.RELEASE: _l("Release of the held money to me")}
    form.requested_outcome.choices = [("", _("Let the reason decide"))] if side == ActorRole.BUYER else []
    form.requested_outcome.choices += [(o.value, str(labels[o])) for o in outcomes]
    return form


def _open_page(deal_id: int, form: OpenDisputeForm, quantities: dict[int, str] | None = None,
               line_errors: dict[int, str] | None = None):
    actor = current_actor()
    deal = deals.get_deal(actor, deal_id)
    held = sum(m.amount for m in deal.held_milestones())
    response = page("disputes/open.html", form, deal=deal, held=held, quantities=quantities or {},
                    line_errors=line_errors or {}, side=overview.side_of(actor, deal),
                    filing_deadline=cases.filing_deadline(deal))
    if line_errors and response[1] == 200:
        return response[0], 422
    return response


@bp.route("/open/<int:deal_id>", methods=["GET", "POST"])
@page_login_required()
def open_dispute(deal_id: int):
    """Either party opens a case on a shipped or delivered deal: reason, the lines and quantities in dispute
    (none: the whole deal), the claimed amount and what it asks for."""
    actor = current_actor()
    deal = deals.get_deal(actor, deal_id)
    side = overview.side_of(actor, deal)
    if side == ActorRole.ADMIN:
        abort(404)
    form = _open_form(side, request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate_on_submit():
        return _open_page(deal_id, form)
    quantities, lines, errors = {}, [], {}
    for line in deal.lines:
        raw = (request.form.get(f"qty-{line.id}") or "").strip()
        quantities[line.id] = raw
        if not raw:
            continue
        if not raw.isdigit() or not 0 <= int(raw) <= line.quantity:
            errors[line.id] = _("Enter a whole number from 0 to %(n)s.", n=line.quantity)
        elif int(raw):
            lines.append({"deal_line_id": line.id, "quantity": int(raw)})
    if errors:
        return _open_page(deal_id, form, quantities, errors)
    data = {"reason": form.reason.data, "description": form.description.data.strip()}
    if lines:
        data["lines"] = lines
    if form.claimed_amount.data:
        data["claimed_amount"] = form.claimed_amount.data
    if form.requested_outcome.data:
        data["requested_outcome"] = form.requested_outcome.data
    dispute = attempt(form, lambda: deals.open_dispute(current_actor(), deal_id, load(DisputeCreateSchema(), data)))
    if dispute is None:
        return _open_page(deal_id, form, quantities)
    flash(_("The dispute is open; the money stays in escrow until it is resolved."), "success")
    return redirect(url_for("web_disputes.dispute", dispute_id=dispute.id))
