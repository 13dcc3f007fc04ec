"""Notification schemas: the feed's paging (in) and its items (out)."""

from marshmallow import Schema, fields

from ..http.pagination import PageQuerySchema, page_schema
from .models import NotificationKind


class FeedQuerySchema(PageQuerySchema):
    """Paging of the feed (newest first)."""


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in NotificationKind]})
    data = fields.Dict()
    text = fields.String(metadata={"description": "in the caller's language"})
    read_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPage")


class UnreadSchema(Schema):
    unread = fields.Integer(metadata={"description": "unread notifications of the caller's organisation"})


class MarkedReadSchema(Schema):
    marked = fields.Integer(metadata={"description": "how many notifications were unread and are read now"})
