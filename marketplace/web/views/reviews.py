"""Pages: a vendor's public profile (its scorecard with the cases behind each figure, per month, and its recent
reviews), and the review block of a finished deal (the buyer rates it, the vendor replies once)."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ...accounts.auth import current_actor
from ...actors import ActorRole
from ...deals import reviews
from ...deals.models import Deal
from ...rfq.scorecard import (
    DEFAULT_DAYS,
    monthly_scorecard,
    scorecards,
    vendor_scorecard,
)
from ...vendors import services as vendors
from ..forms import Form, attempt
from ..i18n import locale_code
from ..session import page_login_required
from .deals import render_deal

bp = Blueprint("web_reviews", __name__)

#: the figures of a scorecard as the pages name them, and how each value reads
FIGURES = (
    ("response_rate", _l("Answers invitations"), "percent", _l("invitations: %(n)s")),
    ("median_response_hours", _l("Median time to the first quote"), "hours", _l("quotes: %(n)s")),
    ("win_rate", _l("Quotes won"), "percent", _l("decided quotes: %(n)s")),
    ("on_time_rate", _l("Ships by the ship-by date"), "percent", _l("deals: %(n)s")),
    ("delivery_rate", _l("Delivered without a dispute"), "percent", _l("deals: %(n)s")),
    ("dispute_rate", _l("Deals disputed by the buyer"), "percent", _l("deals: %(n)s")),
    ("rating_quality", _l("Quality"), "rating", _l("reviews: %(n)s")),
    ("rating_on_time", _l("On time"), "rating", _l("reviews: %(n)s")),
    ("rating_communication", _l("Communication"), "rating", _l("reviews: %(n)s")),
)
RATINGS = [(str(n), str(n)) for n in range(reviews.RATING_MAX, reviews.RATING_MIN - 1, -1)]
_PICK = _l("Choose a rating from 1 to 5.")
_LONG = _l("This text is too long or too short.")


class ReviewForm(Form):
    quality = RadioField(_l("Quality of the goods"), choices=RATINGS, validators=[InputRequired(message=_PICK)])
    on_time = RadioField(_l("On time"), choices=RATINGS, validators=[InputRequired(message=_PICK)])
    communication = RadioField(_l("Communication"), choices=RATINGS, validators=[InputRequired(message=_PICK)])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=reviews.COMMENT_MAX, message=_LONG)])


class ReplyForm(Form):
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(message=_l("Please fill in this field.")),
                                                       Length(max=reviews.COMMENT_MAX, message=_LONG)])


# --- reading figures ----------------------------------------------------------------------------


@bp.app_template_global("figure_text")
def figure_text(figure: dict, kind: str) -> str:
    """A scorecard figure's value as the page's language writes it (— without cases)."""
    if figure["value"] is None:
        return "—"
    locale = locale_code()
    if kind == "percent":
        return format_percent(figure["value"], locale=locale)
    if kind == "hours":
        return _("%(hours)s h", hours=format_decimal(figure["value"], format="#,##0.#", locale=locale))
    return _("%(rating)s / 5", rating=format_decimal(figure["value"], format="0.0", locale=locale))


@bp.app_template_global("scorecard_figures")
def scorecard_figures() -> tuple:
    """(name, label, kind, count label) of every figure, in page order."""
    return FIGURES


@bp.app_template_global("vendor_scorecards")
def vendor_scorecards(vendor_ids) -> dict[int, dict]:
    """The scorecards of several vendors at once (the comparison page's row)."""
    return scorecards(list(vendor_ids))


@bp.app_template_global("review_panel")
def review_panel(deal: Deal) -> dict | None:
    """What the deal page's review block shows the viewer: the review, and the form the viewer may fill in."""
    actor = current_actor()
    review = reviews.review_of(deal.id)
    buyer = actor.role == ActorRole.BUYER and actor.org_id == deal.buyer_id
    vendor = actor.role == ActorRole.VENDOR and actor.org_id == deal.vendor_id
    can_review = buyer and review is None and reviews.is_reviewable(deal)
    can_reply = vendor and review is not None and review.can_reply()
    if review is None and not can_review:
        return None
    return {"review": review, "can_review": can_review, "can_reply": can_reply,
            "form": g.get("review_form") or ReviewForm(formdata=None),
            "reply_form": g.get("reply_form") or ReplyForm(formdata=None)}


# --- pages --------------------------------------------------------------------------------------


@bp.get("/vendors/<int:vendor_id>")
@page_login_required()
def vendor_profile(vendor_id: int):
    """A vendor's public profile: who it is, its scorecard over the last year with the cases behind each figure,
    the same figures month by month, and its recent reviews with its replies."""
    vendor = vendors.get_vendor(vendor_id)
    months = monthly_scorecard(vendor_id, months=12)
    return render_template("vendors/profile.html", vendor=vendor, card=vendor_scorecard(vendor_id),
                           days=DEFAULT_DAYS, months=months, reviews=reviews.vendor_reviews(vendor_id, {"limit": 10}),
                           month_name=lambda d: format_date(d, "MMM y"))


@bp.post("/deals/<int:deal_id>/review")
@page_login_required()
def review_deal(deal_id: int):
    """The buyer rates the finished deal; refused input stays on the deal page with its messages (422)."""
    form = ReviewForm()
    if form.validate_on_submit():
        data = {name: int(getattr(form, name).data) for name in reviews.DIMENSIONS}
        data["comment"] = form.comment.data or ""
        if attempt(form, lambda: reviews.review_deal(current_actor(), deal_id, data)) is not None:
            flash(_("Thank you: your review is published on the vendor's profile."), "success")
            return redirect(url_for("web_deals.deal", deal_id=deal_id) + "#review")
    g.review_form = form
    return render_deal(deal_id, review_form=form)


@bp.post("/deals/<int:deal_id>/review/reply")
@page_login_required()
def reply(deal_id: int):
    """The vendor answers the review once."""
    form = ReplyForm()
    if form.validate_on_submit() and attempt(
            form, lambda: reviews.reply_to_review(current_actor(), deal_id, {"reply": form.reply.data})) is not None:
        flash(_("Your reply is published with the review."), "success")
        return redirect(url_for("web_deals.deal", deal_id=deal_id) + "#review")
    g.reply_form = form
    return render_deal(deal_id, reply_form=form)
