"""The notification feed endpoint."""

from ..http.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from ..accounts.auth import current, login_required
from . import services
from .messages import render

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notifications")


class FeedQuerySchema(Schema):
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    data = fields.Dict()
    text = fields.String()
    created_at = fields.DateTime()


@blp.route("/notifications")
@login_required()
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, NotificationSchema(many=True))
def list_notifications(params):
    """The caller's organisation feed, newest first, in the caller's language."""
    s = current()
    items = services.feed(s.organization.id, params.get("after"), params["limit"])
    return [{"id": n.id, "kind": n.kind, "data": n.data, "text": render(n.kind, n.data, s.user.locale),
             "created_at": n.created_at} for n in items]
