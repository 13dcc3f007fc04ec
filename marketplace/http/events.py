"""The output schema of one timeline event (a row of ``events``), shared by every ``.../events`` endpoint."""

from __future__ import annotations

from marshmallow import Schema, fields


class EventSchema(Schema):
    """One transition (or notable fact) on a subject, with who did it and when."""

    name = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    actor_role = fields.String()
    actor_user_id = fields.Integer(allow_none=True)
    payload = fields.Dict()
    at = fields.DateTime()
