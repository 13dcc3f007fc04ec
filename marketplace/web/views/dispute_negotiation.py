"""Pages: the negotiation part of a dispute (``disputes/_negotiation.html``, on the party page and the admin
page): settlement offers with accept, reject and withdraw, making an offer with the exact split previewed,
escalation, the platform's evidence requests and their answers, the return of goods, and the current
deadline with its consequence in words. Every action calls the same service as the API."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...accounts.auth import current_actor
from ...accounts.models import MemberRole, OrgKind
from ...actors import ActorRole
from ...deals import services as deals
from ...deals.services import dispute_outcomes as outcomes
from ...disputes import evidence as evidences
from ...disputes import services as cases
from ...disputes.models import (
    DisputeParty,
    DisputeStatus,
    EvidenceRequestStatus,
    OfferStatus,
)
from ...disputes.schemas import (
    EvidenceAnswerCreateSchema,
    EvidenceRequestCreateSchema,
    OfferCreateSchema,
    ReturnShipmentCreateSchema,
)
from ...disputes.states import (
    EVIDENCE,
    NEGOTIATION,
    RESPONSE,
    RETURN_INSPECTION,
    RETURN_SHIP,
)
from ...errors import DomainError
from ...extensions import db
from ...shipping.carriers import MANUAL
from ..forms import AmountField, Form, attempt, load, page, show_error
from ..i18n import register_labels
from ..session import page_login_required
from . import admin as admin_views
from . import disputes as case_views
from .disputes import EvidenceForm, MessageForm, case_context

bp = Blueprint("web_negotiation", __name__, url_prefix="/disputes")

register_labels("dispute", {
    DisputeStatus.EVIDENCE_REQUESTED: _l("Evidence requested"),
    DisputeStatus.AWAITING_RETURN: _l("Awaiting the return"),
    DisputeStatus.RETURN_IN_TRANSIT: _l("Return in transit"),
    DisputeStatus.RETURN_INSPECTION: _l("Returned goods under inspection"),
})
register_labels("offer", {
    OfferStatus.OPEN: _l("Open"), OfferStatus.ACCEPTED: _l("Accepted"), OfferStatus.REJECTED: _l("Rejected"),
    OfferStatus.WITHDRAWN: _l("Withdrawn"), OfferStatus.SUPERSEDED: _l("Superseded"), OfferStatus.CLOSED: _l("Closed"),
})
register_labels("evidence_request", {
    EvidenceRequestStatus.OPEN: _l("Open"), EvidenceRequestStatus.ANSWERED: _l("Answered"),
    EvidenceRequestStatus.LAPSED: _l("Lapsed"), EvidenceRequestStatus.CANCELLED: _l("Cancelled"),
})

#: the current deadline: what it waits for, and what happens when it passes
DEADLINES = {
    RESPONSE: (_l("The other party's answer to the dispute"),
               _l("the case goes to the platform by itself, and the missing answer is recorded.")),
    NEGOTIATION: (_l("An agreement between the parties"), _l("the case goes to the platform by itself.")),
    EVIDENCE: (_l("The evidence the platform asked for"),
               _l("the missing answer is recorded and the platform reviews the case with what it has.")),
    RETURN_SHIP: (_l("The buyer ships the goods back"),
                  _l("the return lapses and the held money is released to the vendor.")),
    RETURN_INSPECTION: (_l("The vendor inspects the returned goods"),
                        _l("the return counts as accepted and the refund is paid to the buyer.")),
}
PARTY_NAMES = {DisputeParty.BUYER: _l("Buyer"), DisputeParty.VENDOR: _l("Vendor")}
#: what happened on a case, by the negotiation's event names: added to the timelines of the case page and the desk
NEGOTIATION_EVENTS = {
    "offer_made": _l("made a settlement offer"), "offer_rejected": _l("rejected an offer"),
    "offer_withdrawn": _l("withdrew an offer"), "agree": _l("accepted an offer: the parties' decision"),
    "agree_return": _l("accepted an offer with a return of the goods"),
    "respondent_silent": _l("recorded that the other party did not answer in time"),
    "request_evidence": _l("asked for evidence"), "evidence_answered": _l("answered the evidence request"),
    "evidence_lapsed": _l("the evidence request lapsed; the case is back in review"),
    "evidence_request_lapsed": _l("recorded an evidence request left unanswered"),
    "decide_return": _l("decided the dispute with a return of the goods"),
    "ship_return": _l("shipped the goods back"), "return_delivered": _l("the returned goods were delivered"),
    "accept_return": _l("accepted the returned goods"), "reject_return": _l("rejected the returned goods"),
    "return_lapsed": _l("the return was not shipped in time"),
    "return_fallback": _l("released the held money to the vendor (no return)"),
}
case_views.EVENTS.update(NEGOTIATION_EVENTS)
admin_views.DISPUTE_EVENTS.update(NEGOTIATION_EVENTS)


class OfferForm(Form):
    buyer_amount = AmountField(_l("Refund to the buyer"), validators=[DataRequired(message=_l("Enter the refund."))])
    return_required = BooleanField(_l("The buyer ships the goods back first (the refund is paid on their receipt)"))
    note = TextAreaField(_l("Why (both parties read it)"), validators=[Optional(), Length(max=5000)])


class RejectForm(Form):
    reason = TextAreaField(_l("Why you reject it"), validators=[DataRequired(message=_l("Give a reason.")),
                                                                Length(max=2000)])


class EvidenceRequestForm(Form):
    party = SelectField(_l("Ask"), choices=[(DisputeParty.BUYER.value, _l("the buyer")),
                                            (DisputeParty.VENDOR.value, _l("the vendor"))])
    message = TextAreaField(_l("What you need"), validators=[DataRequired(message=_l("Say what you need.")),
                                                             Length(max=5000)])
    due_business_days = IntegerField(_l("Business days to answer"), validators=[Optional(), NumberRange(1, 30)])


class AnswerForm(Form):
    answer = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=10000)])
    evidence_ids = SelectMultipleField(_l("Evidence you uploaded for it"), coerce=int, validate_choice=False)


class ReturnForm(Form):
    tracking_number = StringField(_l("Tracking number of the return"), validators=[Optional(), Length(max=64)])
    note = StringField(_l("Carrier and note"), validators=[Optional(), Length(max=2000)])


class ReturnRejectForm(Form):
    reason = TextAreaField(_l("What is wrong with the returned goods"),
                           validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)])


def _forms(ctx) -> dict:
    """The partial's forms: the ones a failed request put in the page's context, else empty ones."""
    made = {"offer_form": OfferForm, "reject_form": RejectForm, "request_form": EvidenceRequestForm,
            "answer_form": AnswerForm, "return_form": ReturnForm, "return_reject_form": ReturnRejectForm}
    return {name: ctx.get(name) or cls(formdata=None) for name, cls in made.items()}


@bp.app_template_global("negotiation")
@pass_context
def negotiation_view(ctx, dispute) -> dict:
    """Everything ``disputes/_negotiation.html`` shows for ``dispute`` to the current viewer."""
    actor = current_actor()
    state = outcomes.negotiation_state(actor, dispute)
    waits_for, lapse = DEADLINES.get(dispute.deadline_kind, (None, None))
    pieces = evidences.case_evidence(dispute.id)
    forms = _forms(ctx)
    forms["answer_form"].evidence_ids.choices = [(p.id, p.filename) for p in pieces
                                                 if p.added_by_org_id == actor.org_id]
    return {**state, **forms, "waits_for": waits_for, "lapse": lapse, "party_names": PARTY_NAMES,
            "is_admin": actor.role == ActorRole.ADMIN, "preview": ctx.get("offer_preview"),
            "evidence_names": {p.id: p.filename for p in pieces}}


def _back(dispute_id: int):
    endpoint = "web_admin.dispute" if current_actor().role == ActorRole.ADMIN else "web_disputes.dispute"
    return redirect(url_for(endpoint, dispute_id=dispute_id) + "#negotiation")


def _again(dispute_id: int, form: Form, **forms):
    """The party page again with ``form``'s errors beside its fields (422), nothing changed."""
    if current_actor().role == ActorRole.ADMIN:  # the desk's page is the admin view's: say it there
        flash(" ".join(form.page_errors or [e for errs in form.errors.values() for e in errs]), "error")
        return _back(dispute_id)
    return page("disputes/dispute.html", form, evidence_form=EvidenceForm(formdata=None),
                message_form=MessageForm(formdata=None), **case_context(dispute_id), **forms)


def _done(dispute_id: int, message: str):
    flash(message, "success")
    return _back(dispute_id)


@bp.post("/<int:dispute_id>/offers", endpoint="offer")
@page_login_required()
def make_offer(dispute_id: int):
    """A party offers a split (the buyer's refund; the vendor gets the rest), perhaps with a return; the
    "show the split" button previews exactly what each side would receive before anything is offered."""
    form = OfferForm()
    cases.get_dispute(current_actor(), dispute_id)  # another organisation's case: the 404 page
    if not form.validate_on_submit():
        return _again(dispute_id, form, offer_form=form)
    if request.form.get("action") == "preview":
        try:
            shown = outcomes.offer_preview(current_actor(), dispute_id, form.buyer_amount.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
            return _again(dispute_id, form, offer_form=form)
        return _again(dispute_id, form, offer_form=form, offer_preview=shown)
    data = {"buyer_amount": form.buyer_amount.data, "return_required": bool(form.return_required.data),
            "note": (form.note.data or "").strip()}
    if attempt(form, lambda: deals.make_offer(current_actor(), dispute_id, load(OfferCreateSchema(), data))) is None:
        return _again(dispute_id, form, offer_form=form)
    return _done(dispute_id, _("Your offer is sent; the other party can accept or reject it."))


@bp.get("/<int:dispute_id>/offers/preview", endpoint="offer_preview")
@page_login_required()
def preview_offer(dispute_id: int):
    """The split an offer would make, as a fragment (htmx updates it while the amount is typed)."""
    form = OfferForm(formdata=request.args, meta={"csrf": False})
    shown, error = None, None
    if form.buyer_amount.data:
        try:
            shown = outcomes.offer_preview(current_actor(), dispute_id, form.buyer_amount.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
            error = " ".join(form.buyer_amount.errors or form.page_errors)
    return render_template("disputes/_offer_preview.html", preview=shown, error=error)


@bp.post("/<int:dispute_id>/offers/<int:offer_id>/accept", endpoint="accept_offer")
@page_login_required()
def accept_offer(dispute_id: int, offer_id: int):
    """The other party accepts an offer: the parties' decision, final; the money moves in the background."""
    form = Form()
    if form.validate_on_submit() and attempt(form, lambda: deals.accept_offer(current_actor(), dispute_id,
                                                                               offer_id)) is not None:
        return _done(dispute_id, _("You accepted the offer; it is final and the money is being moved."))
    return _again(dispute_id, form)


@bp.post("/<int:dispute_id>/offers/<int:offer_id>/reject", endpoint="reject_offer")
@page_login_required()
def reject_offer(dispute_id: int, offer_id: int):
    """The other party rejects an offer with a reason."""
    form = RejectForm()
    if form.validate_on_submit() and attempt(form, lambda: deals.reject_offer(
            current_actor(), dispute_id, offer_id, form.reason.data.strip())) is not None:
        return _done(dispute_id, _("You rejected the offer; its proposer is told why."))
    return _again(dispute_id, form, reject_form=form)


@bp.post("/<int:dispute_id>/offers/<int:offer_id>/withdraw", endpoint="withdraw_offer")
@page_login_required()
def withdraw_offer(dispute_id: int, offer_id: int):
    """The proposer withdraws its offer."""
    form = Form()
    if form.validate_on_submit() and attempt(form, lambda: deals.withdraw_offer(current_actor(), dispute_id,
                                                                                 offer_id)) is not None:
        return _done(dispute_id, _("Your offer is withdrawn."))
    return _again(dispute_id, form)


@bp.post("/<int:dispute_id>/escalate", endpoint="escalate")
@page_login_required()
def escalate(dispute_id: int):
    """A party asks the platform to step in."""
    form = Form()
    if form.validate_on_submit() and attempt(form, lambda: deals.escalate_dispute(current_actor(),
                                                                                   dispute_id)) is not None:
        return _done(dispute_id, _("The platform is asked to step in; both parties are told."))
    return _again(dispute_id, form)


@bp.post("/<int:dispute_id>/evidence-requests", endpoint="request_evidence")
@page_login_required(OrgKind.PLATFORM, roles=(MemberRole.ADMIN,))
def request_evidence(dispute_id: int):
    """A platform admin asks a party for evidence by a business-day deadline."""
    form = EvidenceRequestForm()
    if form.validate_on_submit():
        data = {"party": form.party.data, "message": form.message.data.strip()}
        if form.due_business_days.data:
            data["due_business_days"] = form.due_business_days.data
        if attempt(form, lambda: deals.request_evidence(current_actor(), dispute_id,
                                                        load(EvidenceRequestCreateSchema(), data))) is not None:
            return _done(dispute_id, _("The evidence request is sent with its deadline."))
    return _again(dispute_id, form)


@bp.post("/<int:dispute_id>/evidence-requests/<int:request_id>/answer", endpoint="answer_request")
@page_login_required()
def answer_request(dispute_id: int, request_id: int):
    """The asked party answers an evidence request (a message and/or the evidence it uploaded)."""
    form = AnswerForm()
    form.evidence_ids.choices = []
    if form.validate_on_submit():
        data = {"answer": (form.answer.data or "").strip(), "evidence_ids": form.evidence_ids.data or []}
        if attempt(form, lambda: deals.answer_evidence_request(
                current_actor(), dispute_id, request_id, load(EvidenceAnswerCreateSchema(), data))) is not None:
            return _done(dispute_id, _("Your answer is sent to the platform."))
    return _again(dispute_id, form, answer_form=form)


@bp.post("/<int:dispute_id>/return-shipment", endpoint="ship_return")
@page_login_required(OrgKind.BUYER)
def ship_return(dispute_id: int):
    """The buyer ships the goods back and gives the tracking number."""
    form = ReturnForm()
    if form.validate_on_submit():
        data = {"carrier": MANUAL, **({"tracking_number": form.tracking_number.data.strip()}
                                      if form.tracking_number.data else {}),
                **({"note": form.note.data.strip()} if form.note.data else {})}
        if attempt(form, lambda: deals.ship_return(current_actor(), dispute_id,
                                                   load(ReturnShipmentCreateSchema(), data))) is not None:
            return _done(dispute_id, _("The return is on its way; the vendor confirms its receipt."))
    return _again(dispute_id, form, return_form=form)


@bp.post("/<int:dispute_id>/return/receipt", endpoint="return_receipt")
@page_login_required(OrgKind.VENDOR)
def return_receipt(dispute_id: int):
    """The vendor confirms the returned goods arrived: the refund is paid."""
    form = Form()
    if form.validate_on_submit() and attempt(form, lambda: deals.confirm_return_receipt(
            current_actor(), dispute_id)) is not None:
        return _done(dispute_id, _("You confirmed the return; the refund is being paid."))
    return _again(dispute_id, form)


@bp.post("/<int:dispute_id>/return/rejection", endpoint="return_rejection")
@page_login_required(OrgKind.VENDOR)
def return_rejection(dispute_id: int):
    """The vendor rejects the returned goods with a reason: the platform decides again."""
    form = ReturnRejectForm()
    if form.validate_on_submit() and attempt(form, lambda: deals.reject_returned_goods(
            current_actor(), dispute_id, form.reason.data.strip())) is not None:
        return _done(dispute_id, _("You rejected the returned goods; the platform decides again."))
    return _again(dispute_id, form, return_reject_form=form)
