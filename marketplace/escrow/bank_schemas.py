"""Schemas of the bank-transfer admin endpoints: statements, payouts, reconciliation (input apart from output)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from flask_smorest.fields import Upload

from ..money import CURRENCY_EXPONENTS, format_amount
from .bank_models import LineState


def _money(attr: str):
    return fields.Function(lambda obj: format_amount(getattr(obj, attr), obj.currency) if getattr(obj, attr) is not None
                           else None)


# --- input --------------------------------------------------------------------------------------


class StatementFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "the statement CSV (see the endpoint's description)"})


class StatementQuerySchema(Schema):
    bank_account = fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "the platform bank account the statement is for "
                                                          "(default: BANK_ACCOUNT_NUMBER)"})


class LineQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf([s.value for s in LineState]))
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


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


class PageQuerySchema(Schema):
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# --- output -------------------------------------------------------------------------------------


class StatementLineSchema(Schema):
    id = fields.Integer()
    bank_account = fields.String()
    bank_transaction_id = fields.String()
    booked_on = fields.Date()
    amount = _money("amount")
    currency = fields.String()
    description = fields.String()
    reference = fields.String(allow_none=True)
    state = fields.String()
    reason = fields.String(allow_none=True)
    milestone_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    applied_amount = _money("applied_amount")
    excess_amount = _money("excess_amount")
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
    kind = fields.String()
    amount = _money("amount")
    currency = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    bank_reference = fields.Function(lambda p: p.batch.bank_reference)


class PayoutBatchSchema(Schema):
    id = fields.Integer()
    gateway = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    payouts = fields.List(fields.Nested(PayoutSchema))


class MismatchSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    kind = fields.String()
    subject = fields.String()
    currency = fields.String(allow_none=True)
    expected = fields.Function(lambda m: format_amount(m.expected, m.currency) if m.expected is not None and m.currency
                               else m.expected)
    actual = fields.Function(lambda m: format_amount(m.actual, m.currency) if m.actual is not None and m.currency
                             else m.actual)
    message = fields.String()


class ReconciliationReportSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    mismatch_count = fields.Integer()
    summary = fields.Dict()
    mismatches = fields.List(fields.Nested(MismatchSchema))
