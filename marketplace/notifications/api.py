"""The notification feed endpoint."""

from ..accounts.auth import current_actor, login_required
from ..http.blueprint import Blueprint
from . import services
from .schemas import FeedQuerySchema, NotificationPageSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notifications")


@blp.route("/notifications")
@login_required()
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(params):
    """The caller's organisation feed, newest first, in the caller's language."""
    return services.feed(current_actor(), params)
