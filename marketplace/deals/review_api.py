"""Review endpoints: the buyer rates a finished deal, the vendor replies once, anyone reads a vendor's reviews."""

from marshmallow import Schema, fields, validate

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema, page_schema
from . import reviews
from .reviews import COMMENT_MAX, RATING_MAX, RATING_MIN

blp = Blueprint("deal_reviews", __name__, url_prefix="/api/v1",
                description="Reviews: the buyer rates a finished deal, the vendor replies")
TAGS = ["reviews"]


def _rating(description: str):
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=RATING_MIN, max=RATING_MAX),
                          metadata={"description": f"{description}, {RATING_MIN} (poor) to {RATING_MAX} (excellent)"})


class ReviewCreateSchema(Schema):
    quality = _rating("the goods: as described, their condition")
    on_time = _rating("shipped and delivered when agreed")
    communication = _rating("answers, updates, problems handled")
    comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX))


class ReviewReplyCreateSchema(Schema):
    reply = fields.String(required=True, validate=validate.Length(min=1, max=COMMENT_MAX))


class ReviewSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    vendor_id = fields.Integer()
    quality = fields.Integer()
    on_time = fields.Integer()
    communication = fields.Integer()
    average = fields.Float()
    comment = fields.String()
    reply = fields.String(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class RatingSummarySchema(Schema):
    count = fields.Integer(metadata={"description": "reviews behind the averages"})
    quality = fields.Float(allow_none=True)
    on_time = fields.Float(allow_none=True)
    communication = fields.Float(allow_none=True)


class VendorReviewPageSchema(page_schema(ReviewSchema, "VendorReviewItems")):
    summary = fields.Nested(RatingSummarySchema, required=True)


@blp.route("/deals/<int:deal_id>/review", methods=["POST"], tags=TAGS)
@login_required(OrgKind.BUYER)
@blp.arguments(ReviewCreateSchema)
@blp.response(201, ReviewSchema)
def review_deal(data, deal_id):
    """The deal's buyer rates it once it is over (released, closed, resolved, or its dispute decided):
    quality, on time and communication from 1 to 5, and a comment; the vendor is told.

    409 ``not_reviewable`` before then, 409 ``already_reviewed`` for a second review; another organisation's
    deal is a 404."""
    review = reviews.review_deal(current_actor(), deal_id, data)
    db.session.commit()
    return review


@blp.route("/deals/<int:deal_id>/review/reply", methods=["POST"], tags=TAGS)
@login_required(OrgKind.VENDOR)
@blp.arguments(ReviewReplyCreateSchema)
@blp.response(200, ReviewSchema)
def reply(data, deal_id):
    """The deal's vendor answers the review once (409 ``already_replied`` after that); the buyer is told."""
    review = reviews.reply_to_review(current_actor(), deal_id, data)
    db.session.commit()
    return review


@blp.route("/vendors/<int:vendor_id>/reviews", tags=TAGS)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, VendorReviewPageSchema)
def vendor_reviews(params, vendor_id):
    """A vendor's reviews, newest first, with each rating's average over all of them (public)."""
    return reviews.vendor_reviews(vendor_id, params)
