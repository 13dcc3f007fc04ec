"""Buyer pages: the quotes compared side by side, and the award (confirmed before it is made)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ....accounts.auth import current, current_actor
from ....contracts import services as contracts
from ....contracts.schemas import ContractAwardSchema
from ....errors import DomainError
from ....extensions import db
from ....rfq import services as rfqs
from ....rfq.schemas import AwardSchema
from ....rfq.services.award import preview_award
from ....rfq.services.comparison import comparison_gaps
from ...forms import AmountField, Form, attempt, load, page, show_error
from ...i18n import status_label
from ...session import page_login_required
from . import bp
from .common import BUYER, WRITERS

#: the comparison's gap codes as people read them
GAPS = {
    "line_not_quoted": _l("Line %(line_no)s is not quoted"),
    "short_quantity": _l("Line %(line_no)s: offers %(offered)s of %(wanted)s %(unit)s"),
    "carriage_excluded": _l("%(incoterm)s: main carriage to the delivery place is not included"),
    "validity_lapsed": _l("The quote's validity has lapsed"),
    "not_live": _l("Quote status: %(status)s"),
}
#: why a quote on E/F terms has no estimated freight, in words
ESTIMATE_MISSING = {
    "no_origin_province": _l("No estimate: the vendor's address names no province"),
    "no_destination_province": _l("No estimate: the RFQ names no delivery province"),
    "no_shipment": _l("No estimate: the vendor did not say how the goods are packed"),
    "no_rate": _l("No estimate: no carrier prices this lane"),
}
#: when a payment milestone falls due, in words
MILESTONE_DUE = {"before_shipment": _l("before shipment"), "on_delivery": _l("on delivery"),
                 "on_acceptance": _l("on acceptance")}


def _gap_texts(gaps: list[dict]) -> list[str]:
    out = []
    for gap in gaps:
        label = GAPS.get(gap["code"])
        values = dict(gap)
        if gap["code"] == "not_live":
            values["status"] = status_label(gap["status"], "quote")
        out.append(str(label) % values if label else gap["code"])
    return out


def _comparison_context(actor, rfq_id: int) -> dict:
    item = rfqs.buyer_rfq(actor, rfq_id)
    table = rfqs.compare_quotes(actor, rfq_id)
    gaps = {qid: _gap_texts(g) for qid, g in comparison_gaps(actor, rfq_id).items()}
    best = {b["rfq_line_id"]: b["quote_id"] for b in table["best_quote_per_line"]}
    # the estimate rows show when some quote leaves the carriage to the buyer
    estimating = any(r["estimated_freight"] or r["estimated_freight_missing"] for r in table["quotes"])
    return {"rfq": item, "table": table, "gaps": gaps, "best": best, "milestone_due": MILESTONE_DUE,
            "can_award": current().role in WRITERS and item.is_awardable(), "estimating": estimating,
            "estimate_missing": ESTIMATE_MISSING}


@bp.get("/rfqs/<int:rfq_id>/compare")
@page_login_required(BUYER)
def compare(rfq_id: int):
    """Quotes side by side: unit prices per line, landed cost, freight, lead time, terms, flagged gaps; award form."""
    return render_template("buyer/compare.html", form=Form(), **_comparison_context(current_actor(), rfq_id))


def _award_choice() -> tuple[dict | None, dict]:
    """The award body from the comparison form: whole quotes (``whole``) or one quote per line (``line-<id>``)."""
    whole = request.form.get("whole", "")
    if whole.isdigit():
        return {"quote_ids": [int(whole)]}, {}
    lines = []
    for key, value in request.form.items():
        if key.startswith("line-") and key[5:].isdigit() and value.isdigit():
            lines.append({"rfq_line_id": int(key[5:]), "quote_id": int(value)})
    lines.sort(key=lambda l: l["rfq_line_id"])
    return ({"lines": lines} if lines else None), {}


@bp.post("/rfqs/<int:rfq_id>/award")
@page_login_required(BUYER, roles=WRITERS)
def award(rfq_id: int):
    """First the confirmation (what will become deals, nothing changes), then the award itself."""
    actor = current_actor()
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    data, aliases = _award_choice()
    if data is None:
        form.page_errors.append(_("Choose a quote for at least one line, or award a whole quote."))
        return page("buyer/compare.html", form, **_comparison_context(actor, rfq_id))
    if request.form.get("confirm") != "1":
        try:
            deals = preview_award(actor, rfq_id, load(AwardSchema(), data))
        except (DomainError, ValidationError) as exc:
            db.session.rollback()
            show_error(form, exc)
            return page("buyer/compare.html", form, **_comparison_context(actor, rfq_id))
        return render_template("buyer/award_confirm.html", rfq=rfqs.buyer_rfq(actor, rfq_id), deals=deals,
                               choice=data, form=form, milestone_due=MILESTONE_DUE,
                               contract_form=ContractAwardForm(formdata=None))
    result = attempt(form, lambda: rfqs.award_rfq(actor, rfq_id, load(AwardSchema(), data)), aliases)
    if result is None:
        return page("buyer/compare.html", form, **_comparison_context(actor, rfq_id))
    flash(_("Awarded: %(count)s deal(s) created.", count=len(result.deals)), "success")
    return redirect(url_for("web_buyer.rfq", rfq_id=rfq_id) + "#deals")


class ContractAwardForm(Form):
    """Award as a framework contract: its end date and, optionally, its title and maximum value."""

    title = StringField(_l("Contract title"), validators=[Optional(), Length(min=3, max=200)])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Choose the last day of the contract."))])
    max_value = AmountField(_l("Maximum value"), validators=[Optional()])


@bp.post("/rfqs/<int:rfq_id>/award-contract")
@page_login_required(BUYER, roles=WRITERS)
def award_contract(rfq_id: int):
    """Award the chosen quotes or lines as framework contracts (no deal now; the vendors sign, then call-offs)."""
    actor = current_actor()
    form = ContractAwardForm()
    data, aliases = _award_choice()
    if data is None:
        abort(400)
    if form.validate_on_submit():
        body = {**data, "ends_on": form.ends_on.data.isoformat()}
        if (form.title.data or "").strip():
            body["title"] = form.title.data.strip()
        if form.max_value.data:
            body["max_value"] = form.max_value.data
        made = attempt(form, lambda: contracts.award_as_contracts(actor, rfq_id, load(ContractAwardSchema(), body)),
                       aliases)
        if made:
            flash(_("Awarded as %(count)s framework contract(s); the vendor signs to make it active.",
                    count=len(made)), "success")
            if len(made) == 1:
                return redirect(url_for("web_contracts.contract", contract_id=made[0].id))
            return redirect(url_for("web_contracts.contracts"))
    try:
        deals = preview_award(actor, rfq_id, load(AwardSchema(), data))
    except (DomainError, ValidationError) as exc:
        db.session.rollback()
        show_error(form, exc)
        return page("buyer/compare.html", form, **_comparison_context(actor, rfq_id))
    return page("buyer/award_confirm.html", form, rfq=rfqs.buyer_rfq(actor, rfq_id), deals=deals, choice=data,
                milestone_due=MILESTONE_DUE, contract_form=form)
