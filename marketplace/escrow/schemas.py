"""Escrow schemas."""

from marshmallow import Schema, fields, validate

from ..money import CURRENCY_EXPONENTS


class BankTransferConfirmSchema(Schema):
    reference = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9]{4,32}$"))
    amount = fields.String(required=True, validate=validate.Length(max=30))
    currency = fields.String(required=True, validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))


class TransferSchema(Schema):
    id = fields.String()
    kind = fields.String()
    code = fields.String()
    amount = fields.String()
    currency = fields.String()
    debit = fields.String()
    credit = fields.String()
    pending_id = fields.String()
    milestone_id = fields.Integer()
    created_at = fields.DateTime()
