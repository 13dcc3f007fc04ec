"""Deal reviews: once a deal is over, its buyer rates it once (quality, on time, communication, 1-5, and a
comment) and the vendor may answer once. The table, and the services that write and read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from ..actors import Actor, ActorRole
from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..disputes.models import DECIDED, Dispute
from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..extensions import db
from ..http.pagination import paginate
from ..notifications.models import NotificationKind
from ..notifications.services import notify_org
from ..vendors.models import VendorProfile
from .models import Deal, DealStatus
from .services.deals import notice_data

#: the rated dimensions, each 1 (poor) to 5 (excellent)
DIMENSIONS = ("quality", "on_time", "communication")
RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX = 4000
#: a deal in one of these statuses is over and may be reviewed (a deal whose dispute is decided may too)
REVIEWABLE = (DealStatus.RELEASED, DealStatus.CLOSED, DealStatus.RESOLVED)


def _rating(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} BETWEEN {RATING_MIN} AND {RATING_MAX}", name=name)


class Review(OrgScoped, IdMixin, TimestampMixin, db.Model):
    """The buyer's rating of one finished deal, and the vendor's one reply; public on the vendor's profile."""

    __tablename__ = "reviews"
    __org_columns__ = ("buyer_id", "vendor_id")
    __noun__ = "review"
    __table_args__ = (_rating("quality"), _rating("on_time"), _rating("communication"),
                      Index("ix_reviews_vendor_created", "vendor_id", "created_at"))

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), unique=True)  #: one per deal
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the deal's buyer
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id"))  #: the deal's vendor
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  #: the buyer's member who rated
    quality: Mapped[int] = mapped_column(SmallInteger)  #: 1-5: the goods as described, their condition
    on_time: Mapped[int] = mapped_column(SmallInteger)  #: 1-5: shipped and delivered when agreed
    communication: Mapped[int] = mapped_column(SmallInteger)  #: 1-5: answers, updates, problems handled
    comment: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str | None] = mapped_column(Text)  #: the vendor's one answer
    replied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[datetime | None]

    @property
    def average(self) -> float:
        """The mean of the three ratings."""
        return round((self.quality + self.on_time + self.communication) / 3, 2)

    def can_reply(self) -> bool:
        return self.reply is None


def _notice(deal: Deal, review: Review) -> dict:
    return notice_data(deal, review_id=review.id, quality=review.quality, on_time=review.on_time,
                       communication=review.communication)


def decided_dispute(deal: Deal) -> Dispute | None:
    """The deal's decided dispute, if any (a decision ends the deal as far as a review is concerned)."""
    return db.session.execute(select(Dispute).where(Dispute.deal_id == deal.id, Dispute.status.in_(DECIDED))
                              .order_by(Dispute.id.desc()).limit(1)).scalar_one_or_none()


def is_reviewable(deal: Deal) -> bool:
    """Whether the deal is over: released, closed, resolved, or its dispute decided."""
    return deal.status in REVIEWABLE or (deal.status == DealStatus.DISPUTED and decided_dispute(deal) is not None)


def review_of(deal_id: int) -> Review | None:
    """The review of a deal, if written (callers have already checked the deal is visible)."""
    return db.session.execute(select(Review).where(Review.deal_id == deal_id)).scalar_one_or_none()


def _buyers_deal(actor: Actor, deal_id: int) -> Deal:
    deal = Deal.get_visible(actor, deal_id, lock=True)
    if actor.role != ActorRole.ADMIN and actor.org_id != deal.buyer_id:
        raise NotFoundError("no such deal")
    return deal


def _validate(data: dict) -> dict:
    fields = {}
    for name in DIMENSIONS:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not RATING_MIN <= value <= RATING_MAX:
            fields[name] = [f"a whole number from {RATING_MIN} to {RATING_MAX}"]
    comment = (data.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        fields["comment"] = [f"at most {COMMENT_MAX} characters"]
    if fields:
        raise InvalidInputError("the review is not valid", fields=fields)
    return {**{name: data[name] for name in DIMENSIONS}, "comment": comment}


def review_deal(actor: Actor, deal_id: int, data: dict) -> Review:
    """The deal's buyer rates it once it is over; the vendor is told.

    :raises NotFoundError: not the caller's deal (the vendor's side too: only the buyer reviews).
    :raises InvalidInputError: a rating outside 1-5, a comment too long.
    :raises ConflictError: the deal is not over yet (``not_reviewable``), or already reviewed (``already_reviewed``).
    """
    deal = _buyers_deal(actor, deal_id)
    values = _validate(data)
    if not is_reviewable(deal):
        raise ConflictError("the deal can be reviewed once it is over", code="not_reviewable",
                            details={"state": deal.status})
    # the deal row is locked, and the unique deal_id settles a race with another connection anyway
    created = db.session.execute(
        insert(Review).values(deal_id=deal.id, buyer_id=deal.buyer_id, vendor_id=deal.vendor_id,
                              author_id=actor.user_id, created_at=utcnow(), updated_at=utcnow(), **values)
        .on_conflict_do_nothing(index_elements=["deal_id"]).returning(Review.id)
    ).scalar_one_or_none()
    if created is None:
        raise ConflictError("this deal has already been reviewed", code="already_reviewed")
    review = db.session.get(Review, created)
    notify_org(deal.vendor_id, NotificationKind.DEAL_REVIEWED, _notice(deal, review), key=f"deal-{deal.id}-reviewed")
    return review


def reply_to_review(actor: Actor, deal_id: int, data: dict) -> Review:
    """The deal's vendor answers its review once; the buyer is told.

    :raises NotFoundError: not the caller's deal, or no review yet.
    :raises InvalidInputError: an empty or too long reply.
    :raises ConflictError: already answered (``already_replied``).
    """
    deal = Deal.get_visible(actor, deal_id)
    if actor.role != ActorRole.ADMIN and actor.org_id != deal.vendor_id:
        raise NotFoundError("no such deal")
    text = (data.get("reply") or "").strip()
    if not text or len(text) > COMMENT_MAX:
        raise InvalidInputError.at(("reply",), f"between 1 and {COMMENT_MAX} characters")
    review = db.session.execute(select(Review).where(Review.deal_id == deal.id).with_for_update()
                                .execution_options(populate_existing=True)).scalar_one_or_none()
    if review is None:
        raise NotFoundError("this deal has no review yet")
    if not review.can_reply():
        raise ConflictError("the review has already been answered", code="already_replied")
    review.reply, review.replied_by, review.replied_at = text, actor.user_id, utcnow()
    db.session.flush()
    notify_org(deal.buyer_id, NotificationKind.DEAL_REVIEW_REPLIED, _notice(deal, review),
               key=f"deal-{deal.id}-review-replied")
    return review


def vendor_reviews(vendor_id: int, params: dict) -> dict:
    """A vendor's reviews, newest first (public), with the average of each dimension over all of them.

    :raises NotFoundError: no such vendor.
    """
    if db.session.get(VendorProfile, vendor_id) is None:
        raise NotFoundError("no such vendor")
    page = paginate(select(Review).where(Review.vendor_id == vendor_id), params, Review.id, order="newest",
                    descending=True)
    row = db.session.execute(
        select(func.count(), *(func.avg(getattr(Review, name)) for name in DIMENSIONS)).where(Review.vendor_id == vendor_id)
    ).one()
    page["summary"] = {"count": row[0], **{name: round(float(v), 2) if v is not None else None
                                           for name, v in zip(DIMENSIONS, row[1:])}}
    return page
