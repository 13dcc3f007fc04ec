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


class EmailTopicsUpdateSchema(Schema):
    """E-mail on (true) or off (false) per topic; topics left out keep their choice."""

    deals = fields.Boolean(metadata={"description": "deals and money: approval, payment, shipping, release, refunds"})
    rfqs = fields.Boolean(metadata={"description": "RFQs and quotes: invitations, quotes, awards, RFQ approvals"})
    disputes = fields.Boolean(metadata={"description": "disputes: offers, messages, decisions"})
    account = fields.Boolean(metadata={"description": "the account and the vendor's verification; platform alerts"})


class NotificationPreferencesUpdateSchema(Schema):
    """The caller's e-mail choices in its organisation (the in-app feed always has everything)."""

    email = fields.Nested(EmailTopicsUpdateSchema, required=True)


class EmailTopicsSchema(Schema):
    deals = fields.Boolean()
    rfqs = fields.Boolean()
    disputes = fields.Boolean()
    account = fields.Boolean()


class NotificationPreferencesSchema(Schema):
    email = fields.Nested(EmailTopicsSchema, metadata={"description": "per topic: whether the caller gets e-mails"})
    always_emailed = fields.List(fields.String(), metadata={
        "description": "kinds that ask for an action: e-mailed even when their topic is off"})
