"""The notification feed endpoints: the feed, the unread count, marking read."""

from ..accounts.auth import current_actor, login_required
from ..extensions import db
from ..http.blueprint import Blueprint
from . import services
from .schemas import (
    FeedQuerySchema,
    MarkedReadSchema,
    NotificationPageSchema,
    NotificationSchema,
    UnreadSchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notifications")


@blp.route("/notifications")
@login_required()
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(params):
    """The caller's organisation feed, newest first, in the caller's language."""
    return services.feed(current_actor(), params)


@blp.route("/notifications/unread")
@login_required()
@blp.response(200, UnreadSchema)
def unread_count():
    """How many notifications of the caller's organisation are unread."""
    return {"unread": services.unread_count(current_actor())}


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required()
@blp.response(200, NotificationSchema)
def mark_read(notification_id):
    """Mark one notification read (idempotent)."""
    item = services.mark_read(current_actor(), notification_id)
    db.session.commit()
    return item


@blp.route("/notifications/read", methods=["POST"])
@login_required()
@blp.response(200, MarkedReadSchema)
def mark_all_read():
    """Mark every notification of the caller's organisation read."""
    marked = services.mark_all_read(current_actor())
    db.session.commit()
    return {"marked": marked}
