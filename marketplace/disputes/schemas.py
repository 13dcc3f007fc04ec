"""Dispute schemas: input (open, message, decision) and output (case, decision, message) kept apart."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.events import EventSchema
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from .models import (
    DisputeOutcome,
    DisputeParty,
    DisputeReason,
    DisputeStatus,
    EvidenceKind,
    EvidenceRequestStatus,
    OfferStatus,
    RecordType,
    RequestedOutcome,
)
from .states import EVIDENCE, NEGOTIATION, RESPONSE, RETURN_INSPECTION, RETURN_SHIP

#: what ``deadline_kind`` may say (a timer of ``disputes.states``)
DEADLINE_KINDS = [RESPONSE, NEGOTIATION, EVIDENCE, RETURN_SHIP, RETURN_INSPECTION]


class DisputeLineCreateSchema(Schema):
    """One line of the deal in dispute and how many of its units."""

    deal_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62),
                              metadata={"description": "1 to the line's quantity"})


class DisputeCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in DisputeReason]),
                           metadata={"description": "a vendor files only with ``other``"})
    description = fields.String(required=True, validate=validate.Length(min=5, max=10000))
    lines = fields.List(fields.Nested(DisputeLineCreateSchema), validate=validate.Length(max=500),
                        metadata={"description": "the lines and quantities in dispute; omitted: the whole deal"})
    #: what the filer claims, in the deal's currency: 1 to what is held (default: the scoped lines' value)
    claimed_amount = MoneyField()
    requested_outcome = fields.String(validate=validate.OneOf([o.value for o in RequestedOutcome]),
                                      metadata={"description": "a buyer: refund, partial_refund, return_and_refund or "
                                                               "replacement; a vendor: release"})

    @validates_schema
    def _unique_lines(self, data, **kwargs):
        ids = [line["deal_line_id"] for line in data.get("lines") or ()]
        if len(ids) != len(set(ids)):
            raise ValidationError("each line at most once", "lines")


class DisputeMessageCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class AllocationLineCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["release_to_vendor", "refund_to_buyer"]))
    amount = MoneyField(required=True)


class DecisionCreateSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in DisputeOutcome]))
    #: the vendor's share of the held money, in the deal's currency (a split only)
    vendor_amount = MoneyField()  # like every MoneyField, refuses JSON numbers
    #: the buyer's refund of a split (instead of the vendor's amount: the vendor gets the rest)
    buyer_amount = MoneyField()
    #: the decision as allocation lines (release to the vendor, refund to the buyer), summing to the held money
    allocations = fields.List(fields.Nested(AllocationLineCreateSchema), validate=validate.Length(min=1, max=2))
    rationale = fields.String(validate=validate.Length(max=5000), metadata={
        "description": "why: shown to both parties; required (an older client's ``note`` stands in for it)"})
    #: the buyer ships the goods back first; the refund settles on their receipt (needs a refund to the buyer)
    return_required = fields.Boolean(load_default=False)
    note = fields.String(validate=validate.Length(max=5000))

    @validates_schema
    def _split(self, data, **kwargs):
        if data.get("outcome") == DisputeOutcome.SPLIT and not (
                data.get("vendor_amount") or data.get("buyer_amount") or data.get("allocations")):
            raise ValidationError("a split needs the vendor's amount", "vendor_amount")

    @validates_schema
    def _rationale(self, data, **kwargs):
        if not (data.get("rationale") or data.get("note") or "").strip():
            raise ValidationError("a decision needs its rationale: both parties read it", "rationale")


class DisputeMessageQuerySchema(PageQuerySchema):
    """Paging of a dispute's conversation (oldest first)."""


class DisputeMessageSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_org_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


DisputeMessagePageSchema = page_schema(DisputeMessageSchema, "DisputeMessagePage")
DisputeEventPageSchema = page_schema(EventSchema, "DisputeEventPage")


class AllocationSchema(Schema):
    party = fields.String(metadata={"enum": [p.value for p in DisputeParty],
                                    "description": "vendor: released to the vendor; buyer: refunded to the buyer"})
    amount = MoneyField()


class DecisionSchema(Schema):
    outcome = fields.String(metadata={"enum": [o.value for o in DisputeOutcome]})
    held = MoneyField(metadata={"description": "what was held in escrow when the decision was made"})
    allocations = fields.List(fields.Nested(AllocationSchema))
    note = fields.String()
    rationale = fields.String(metadata={"description": "why, as both parties read it"})
    by = fields.String(metadata={"enum": ["admin", "parties"],
                                 "description": "an admin, or the parties' accepted offer"})
    return_required = fields.Boolean()
    offer_id = fields.Integer(allow_none=True, metadata={"description": "the accepted offer (by the parties)"})
    fallback = fields.String(allow_none=True, metadata={
        "enum": ["return_not_shipped", None],
        "description": "the goods were not shipped back in time: everything was released to the vendor"})


class DisputeScopeLineSchema(Schema):
    deal_line_id = fields.Integer()
    description = fields.String()
    quantity = fields.Integer()
    unit = fields.String()
    unit_price = MoneyField(currency=lambda obj: obj["currency"])
    amount = MoneyField(currency=lambda obj: obj["currency"], metadata={"description": "the claimed quantity's value"})


class DisputeSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    buyer_id = fields.Integer()
    vendor_id = fields.Integer()
    currency = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in DisputeStatus]})
    reason = fields.String(metadata={"enum": [r.value for r in DisputeReason]})
    description = fields.String()
    opened_by_party = fields.String(metadata={"enum": [p.value for p in DisputeParty]})
    requested_outcome = fields.String(allow_none=True, metadata={"enum": [o.value for o in RequestedOutcome]})
    claimed_amount = MoneyField()
    scope = fields.List(fields.Nested(DisputeScopeLineSchema), attribute="scope_lines")
    assignee_id = fields.Integer(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    decision = fields.Nested(DecisionSchema, attribute="decision_summary", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    # negotiation (0014): the current state's deadline and what fires then
    deadline_at = fields.DateTime(allow_none=True)
    deadline_kind = fields.String(allow_none=True, metadata={"enum": DEADLINE_KINDS + [None]})
    escalated_at = fields.DateTime(allow_none=True)
    return_shipment_id = fields.Integer(allow_none=True)
    return_received_at = fields.DateTime(allow_none=True)


# --- evidence ---------------------------------------------------------------------------------------


class EvidenceUploadSchema(Schema):
    """A piece of evidence: multipart form with ``file`` and an optional ``description``."""

    file = Upload(required=True, metadata={"description": "PDF, PNG or JPEG (judged by its bytes)"})
    description = fields.String(validate=validate.Length(max=2000))


class EvidenceSchema(Schema):
    id = fields.Integer()
    dispute_id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in EvidenceKind]})
    record_type = fields.String(allow_none=True, metadata={"enum": [t.value for t in RecordType]})
    party = fields.String(metadata={"enum": ["buyer", "vendor", "platform"]})
    added_by = fields.Integer(allow_none=True)
    added_by_org_id = fields.Integer(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    description = fields.String()
    created_at = fields.DateTime()


EvidencePageSchema = page_schema(EvidenceSchema, "DisputeEvidencePage")


class BundleQuerySchema(Schema):
    lang = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]),
                         metadata={"description": "the language of summary.pdf"})


# --- the desk and metrics ---------------------------------------------------------------------------


class DeskQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in DisputeStatus]),
                           metadata={"description": "omitted: every live case"})
    assignee = fields.String(validate=validate.Regexp(r"^(me|none|[1-9][0-9]{0,17})$"),
                             metadata={"description": "``me``, ``none`` or a user id"})
    overdue = fields.Boolean(metadata={"description": "true: the current deadline has passed"})


class DeskRowSchema(Schema):
    id = fields.Integer()
    deal_id = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in DisputeStatus]})
    reason = fields.String(metadata={"enum": [r.value for r in DisputeReason]})
    opened_by_party = fields.String(metadata={"enum": [p.value for p in DisputeParty]})
    buyer_id = fields.Integer()
    buyer_name = fields.String(allow_none=True)
    vendor_id = fields.Integer()
    vendor_name = fields.String(allow_none=True)
    currency = fields.String()
    claimed_amount = MoneyField()
    created_at = fields.DateTime()
    age_days = fields.Integer(metadata={"description": "whole days since the case was opened"})
    deadline_at = fields.DateTime(allow_none=True, metadata={"description": "the current step's deadline"})
    overdue = fields.Boolean()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)


DeskPageSchema = page_schema(DeskRowSchema, "DisputeDeskPage")


class AssignmentCreateSchema(Schema):
    assignee_id = fields.Integer(required=True, allow_none=True, strict=True,
                                 validate=validate.Range(min=1, max=2**62),
                                 metadata={"description": "a platform staff member; null: nobody"})


class MetricsQuerySchema(Schema):
    window_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3650))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class VendorMetricsSchema(Schema):
    vendor_id = fields.Integer()
    name = fields.String()
    deals_shipped = fields.Integer(metadata={"description": "its deals past shipment in the window"})
    disputes = fields.Integer(metadata={"description": "disputes its buyers opened against it"})
    decided_against = fields.Integer(metadata={"description": "of those, decided with money back to the buyer"})
    dispute_rate = fields.String(metadata={"description": "disputes / deals_shipped, a percentage (\"12.50\")"})
    decided_against_rate = fields.String(metadata={"description": "decided_against / deals_shipped, a percentage"})


class BuyerMetricsSchema(Schema):
    buyer_id = fields.Integer()
    name = fields.String()
    deals = fields.Integer()
    claims = fields.Integer(metadata={"description": "disputes the buyer opened"})
    claim_rate = fields.String(metadata={"description": "claims / deals, a percentage (\"12.50\")"})


class DisputeMetricsSchema(Schema):
    window_days = fields.Integer()
    since = fields.DateTime()
    vendors = fields.List(fields.Nested(VendorMetricsSchema))
    buyers = fields.List(fields.Nested(BuyerMetricsSchema))


# === negotiation schemas ===


class OfferCreateSchema(Schema):
    #: what the vendor gets of the held money (the buyer gets the rest back)
    vendor_amount = MoneyField()
    #: what the buyer gets back (the vendor gets the rest); give either amount, or both summing to the held money
    buyer_amount = MoneyField()
    return_required = fields.Boolean(load_default=False, metadata={
        "description": "the buyer ships the goods back first; the refund settles on their receipt"})
    note = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _amount(self, data, **kwargs):
        if data.get("vendor_amount") is None and data.get("buyer_amount") is None:
            raise ValidationError("the buyer's refund or the vendor's amount is needed", "buyer_amount")


class OfferAnswerSchema(Schema):
    """Accepting or withdrawing an offer needs no more than an optional note."""

    note = fields.String(load_default="", validate=validate.Length(max=2000))


class OfferRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OfferSchema(Schema):
    id = fields.Integer()
    dispute_id = fields.Integer()
    party = fields.String(metadata={"enum": [p.value for p in DisputeParty]})
    status = fields.String(metadata={"enum": [s.value for s in OfferStatus]})
    currency = fields.String()
    held = MoneyField(metadata={"description": "what was held in escrow when the offer was made"})
    vendor_amount = MoneyField()
    buyer_amount = MoneyField()
    return_required = fields.Boolean()
    note = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "why it was rejected"})
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


OfferPageSchema = page_schema(OfferSchema, "DisputeOfferPage")


class EscalationCreateSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class EvidenceRequestCreateSchema(Schema):
    party = fields.String(required=True, validate=validate.OneOf([p.value for p in DisputeParty]))
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    due_business_days = fields.Integer(validate=validate.Range(min=1, max=30), metadata={
        "description": "business days to answer (default DISPUTE_EVIDENCE_BUSINESS_DAYS)"})


class EvidenceAnswerCreateSchema(Schema):
    answer = fields.String(load_default="", validate=validate.Length(max=10000))
    evidence_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
                               load_default=list, validate=validate.Length(max=50))


class EvidenceRequestSchema(Schema):
    id = fields.Integer()
    dispute_id = fields.Integer()
    party = fields.String(metadata={"enum": [p.value for p in DisputeParty]})
    message = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in EvidenceRequestStatus]})
    due_at = fields.DateTime()
    answer = fields.String(allow_none=True)
    evidence_ids = fields.List(fields.Integer())
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


EvidenceRequestPageSchema = page_schema(EvidenceRequestSchema, "DisputeEvidenceRequestPage")


class ReturnShipmentCreateSchema(Schema):
    carrier = fields.String(load_default="manual", validate=validate.Length(min=1, max=32))
    tracking_number = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{4,64}$"))
    note = fields.String(validate=validate.Length(max=2000))


class ReturnReceiptCreateSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReturnRejectionCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
