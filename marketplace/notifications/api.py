"""The notification endpoints: the feed, the unread count, marking read, the caller's e-mail preferences."""

from ..accounts.auth import current_actor, login_required
from ..extensions import db
from ..http.blueprint import Blueprint
from . import preferences, services
from .schemas import (
    FeedQuerySchema,
    MarkedReadSchema,
    NotificationPageSchema,
    NotificationPreferencesSchema,
    NotificationPreferencesUpdateSchema,
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


@blp.route("/account/notification-preferences")
@login_required()
@blp.response(200, NotificationPreferencesSchema)
def get_notification_preferences():
    """The caller's e-mail choice per topic in its organisation, and the kinds always e-mailed."""
    return preferences.get_preferences(current_actor())


@blp.route("/account/notification-preferences", methods=["PUT"])
@login_required()
@blp.arguments(NotificationPreferencesUpdateSchema)
@blp.response(200, NotificationPreferencesSchema)
def put_notification_preferences(data):
    """Turn e-mail on or off per topic (topics left out keep their choice); the feed always has everything."""
    result = preferences.set_preferences(current_actor(), data["email"])
    db.session.commit()
    return result
