"""Schemas of the bank-transfer admin endpoints: statements and payouts (input apart from output)."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ....http.fields import MoneyField
from ....http.pagination import PageQuerySchema
from ....money import CURRENCY_EXPONENTS
from .models import (
    LineState,
    PayoutBatchStatus,
    PayoutKind,
    PayoutStatus,
    UnmatchedReason,
)

# --- input --------------------------------------------------------------------------------------


class StatementFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "the statement CSV (see the endpoint's description)"})


class StatementQuerySchema(Schema):
    bank_account = fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "the platform bank account the statement is for "
                                                          "(default: BANK_ACCOUNT_NUMBER)"})


class LineQuerySchema(PageQuerySchema):
    state = fields.String(validate=validate.OneOf([s.value for s in LineState]))


class LineAssignSchema(Schema):
    milestone_id = fields.Integer(validate=validate.Range(min=1))
    reference = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9]{4,32}$"))

    @validates_schema
    def one_target(self, data, **kwargs):
        if ("milestone_id" in data) == ("reference" in data):
            raise ValidationError("give either milestone_id or reference", "_schema")


class PayoutBatchCreateSchema(Schema):
    org_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), validate=validate.Length(min=1, max=1000),
                          metadata={"description": "only these vendors / buyers (default: everyone owed money)"})
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    include_refunds = fields.Boolean(load_default=True,
                                     metadata={"description": "also pay buyers' refund payables"})


class MarkPaidSchema(Schema):
    bank_reference = fields.String(required=True, validate=validate.Length(min=1, max=128))


# --- output -------------------------------------------------------------------------------------


class StatementLineSchema(Schema):
    id = fields.Integer()
    bank_account = fields.String()
    bank_transaction_id = fields.String()
    booked_on = fields.Date()
    amount = MoneyField()
    currency = fields.String()
    description = fields.String()
    reference = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf([s.value for s in LineState]))
    reason = fields.String(allow_none=True, validate=validate.OneOf([r.value for r in UnmatchedReason]))
    milestone_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    applied_amount = MoneyField()
    excess_amount = MoneyField()
    transfer_ids = fields.List(fields.String())
    assigned_at = fields.DateTime(allow_none=True)


class StatementImportSchema(Schema):
    id = fields.Integer()
    bank_account = fields.String()
    filename = fields.String(allow_none=True)
    sha256 = fields.String()
    lines_total = fields.Integer()
    lines_new = fields.Integer()
    created_at = fields.DateTime()


class StatementImportResultSchema(Schema):
    statement = fields.Nested(StatementImportSchema)
    lines = fields.List(fields.Nested(StatementLineSchema))


class PayoutSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    org_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf([s.value for s in PayoutKind]))
    amount = MoneyField()
    currency = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in PayoutStatus]))
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    bank_reference = fields.String(allow_none=True)


class PayoutBatchSchema(Schema):
    id = fields.Integer()
    gateway = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in PayoutBatchStatus]))
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    payouts = fields.List(fields.Nested(PayoutSchema))
