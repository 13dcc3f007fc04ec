"""RFQ, invitation, quote, comparison and award schemas: input (``*InSchema``, ``*CreateSchema``) and output apart.

Money goes in as decimal strings (shape-checked by :class:`MoneyField`, converted in the services in the
RFQ's currency) and out as decimal strings in the currency of the resource.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..deals.schemas import DealSchema
from ..escrow.models import MilestoneDue
from ..escrow.schemas import MilestoneTermInSchema, payment_terms_error
from ..http.arguments import MAX_ID
from ..http.events import EventSchema
from ..http.fields import MoneyField
from ..http.pagination import PageQuerySchema, page_schema
from ..money import CURRENCY_EXPONENTS
from ..shipping.schemas import RateParcelSchema, RateQuoteSchema
from ..vendors.schemas import REGION
from .models import (
    BUYER_PAYS_CARRIAGE,
    INCOTERMS,
    InvitationSource,
    LineChange,
    QuoteStatus,
    RfqStatus,
    RfqVisibility,
)
from .scorecard import FIGURES as SCORECARD_FIGURES


def _values(enum) -> list[str]:
    return [member.value for member in enum]


# --- input ----------------------------------------------------------------------------------------


class RfqLineInSchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    hs_code = fields.String(validate=validate.Regexp(r"^\d{2,10}$"))
    category_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=16))
    target_unit_price = MoneyField()


class RfqCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)))
    delivery_region = fields.String(validate=REGION)
    delivery_address = fields.String(validate=validate.Length(max=2000))
    incoterm = fields.String(load_default="DAP", validate=validate.OneOf(INCOTERMS))
    named_place = fields.String(validate=validate.Length(max=200))
    needed_by = fields.Date()
    quote_deadline = fields.AwareDateTime()
    visibility = fields.String(load_default=RfqVisibility.INVITE_ONLY.value,
                               validate=validate.OneOf(_values(RfqVisibility)))
    lines = fields.List(fields.Nested(RfqLineInSchema), required=True, validate=validate.Length(min=1, max=200))


class RfqQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(_values(RfqStatus)))


class InviteSchema(Schema):
    vendor_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class QuoteLineInSchema(Schema):
    rfq_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    unit_price = MoneyField(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    lead_time_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=3650))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class QuoteShipmentInSchema(Schema):
    """The goods as the vendor packs them: parcels and/or pallets (what a carrier prices)."""

    parcels = fields.List(fields.Nested(RateParcelSchema), load_default=list, validate=validate.Length(max=100))
    pallets = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=100))

    @validates_schema
    def _something_to_ship(self, data, **kwargs):
        if not data.get("parcels") and not data.get("pallets"):
            raise ValidationError("name at least one parcel or pallet", field_name="parcels")


class FreightRatesRequestSchema(QuoteShipmentInSchema):
    """What a vendor ships on an RFQ; the lane runs from its warehouse address to the RFQ's delivery province."""


class FreightRateChoiceSchema(Schema):
    """The carrier rate a quote's freight is taken from: one of ``POST /rfqs/{id}/quotes/freight-rates``."""

    carrier = fields.String(required=True, validate=validate.Length(min=1, max=32))
    service = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = MoneyField(metadata={"description": "the price the vendor was shown; when it no longer holds the quote "
                                               "is refused (409 rate_changed) instead of taking another price"})


class QuoteCreateSchema(Schema):
    incoterm = fields.String(validate=validate.OneOf(INCOTERMS))
    freight = MoneyField(metadata={"description": "freight for the whole quote in the RFQ's currency, a decimal "
                                               "string; \"0\" when omitted; with ``freight_rate`` it is taken from "
                                               "the rate (leave it out)"})
    shipment = fields.Nested(QuoteShipmentInSchema, metadata={
        "description": "how the goods are packed; prices the attached rate, and the buyer's freight estimate when "
                       "the incoterm leaves the carriage to the buyer (E/F terms)"})
    freight_rate = fields.Nested(FreightRateChoiceSchema, metadata={
        "description": "attach a carrier rate (C and D incoterms only): the lane is priced again and ``freight`` "
                       "set to the rate's amount; needs ``shipment``"})
    lead_time_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=3650))
    valid_until = fields.AwareDateTime()
    payment_terms = fields.List(fields.Nested(MilestoneTermInSchema), validate=validate.Length(min=1, max=6))
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    lines = fields.List(fields.Nested(QuoteLineInSchema), required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _terms(self, data, **kwargs):
        terms = data.get("payment_terms")
        if terms is not None and (problem := payment_terms_error(terms)):
            raise ValidationError(problem, "payment_terms")
        ids = [line["rfq_line_id"] for line in data.get("lines", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("each RFQ line may be quoted once", "lines")
        if data.get("freight_rate") and not data.get("shipment"):
            raise ValidationError("give the shipment the rate prices", "shipment")


class QuoteQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(_values(QuoteStatus)))


class RevisionRequestSchema(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class QuoteRejectSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class AwardLineSchema(Schema):
    rfq_line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    quote_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class AwardSchema(Schema):
    quote_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
                            validate=validate.Length(min=1, max=50))
    lines = fields.List(fields.Nested(AwardLineSchema), validate=validate.Length(min=1, max=200))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("quote_ids")) == bool(data.get("lines")):
            raise ValidationError("give either quote_ids (whole quotes) or lines (per line)", "_schema")


# --- output ---------------------------------------------------------------------------------------


class RfqLineSchema(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    description = fields.String()
    hs_code = fields.String(allow_none=True)
    category_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()
    unit = fields.String()
    target_unit_price = MoneyField(currency=lambda line: line.rfq.currency, allow_none=True)


class RfqSchema(Schema):
    id = fields.Integer()
    buyer_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    currency = fields.String()
    delivery_region = fields.String(allow_none=True)
    incoterm = fields.String()
    named_place = fields.String(allow_none=True)
    needed_by = fields.Date(allow_none=True)
    quote_deadline = fields.DateTime(allow_none=True)
    visibility = fields.String(metadata={"enum": _values(RfqVisibility)})
    status = fields.String(metadata={"enum": _values(RfqStatus)})
    published_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(RfqLineSchema))


class InvitationSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    source = fields.String(metadata={"enum": _values(InvitationSource)})
    rank = fields.Integer(allow_none=True)
    score = fields.Float(allow_none=True)
    rationale = fields.Dict()
    created_at = fields.DateTime()


class MilestoneTermSchema(Schema):
    name = fields.String()
    percent = fields.Integer()
    due = fields.String(metadata={"enum": _values(MilestoneDue)})
    net_days = fields.Integer(allow_none=True)


class QuoteLineSchema(Schema):
    id = fields.Integer()
    rfq_line_id = fields.Integer()
    unit_price = MoneyField(currency=lambda line: line.quote.currency)
    quantity = fields.Integer()
    lead_time_days = fields.Integer(allow_none=True)
    notes = fields.String()


class QuoteShipmentSchema(Schema):
    parcels = fields.List(fields.Nested(RateParcelSchema))
    pallets = fields.Integer()


class FreightRateSchema(Schema):
    """The carrier rate a quote's freight was taken from, as it was priced."""

    carrier = fields.String()
    carrier_name = fields.String()
    service = fields.String()
    amount = MoneyField()
    currency = fields.String()
    transit_days = fields.Integer(metadata={"description": "business days after the ship day"})
    estimate = fields.Boolean(metadata={"description": "true: the carrier's guide price, not a binding quote"})
    origin = fields.String(metadata={"description": "ISO 3166-2 province the goods leave from"})
    destination = fields.String(metadata={"description": "ISO 3166-2 province of the RFQ's delivery"})
    priced_at = fields.String(metadata={"format": "date-time"})


class QuoteSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.organization.name")
    status = fields.String(metadata={"enum": _values(QuoteStatus)})
    revision = fields.Integer()
    currency = fields.String()
    incoterm = fields.String()
    freight = MoneyField()
    shipment = fields.Nested(QuoteShipmentSchema, allow_none=True)
    freight_rate = fields.Nested(FreightRateSchema, allow_none=True,
                                 metadata={"description": "the carrier rate ``freight`` comes from; null: typed"})
    subtotal = MoneyField(attribute="subtotal_amount")
    total = MoneyField(attribute="total_amount")
    lead_time_days = fields.Integer()
    valid_until = fields.DateTime()
    payment_terms = fields.List(fields.Nested(MilestoneTermSchema))
    notes = fields.String()
    revision_requested = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(QuoteLineSchema))


# quote versions: each revision's frozen terms and its diff against the previous one


class SnapshotLineSchema(Schema):
    rfq_line_id = fields.Integer()
    unit_price = MoneyField()
    quantity = fields.Integer()
    lead_time_days = fields.Integer(allow_none=True)


class QuoteSnapshotSchema(Schema):
    revision = fields.Integer()
    incoterm = fields.String()
    freight = MoneyField()
    freight_rate = fields.Nested(FreightRateSchema, allow_none=True)
    shipment = fields.Nested(QuoteShipmentSchema, allow_none=True)
    lead_time_days = fields.Integer()
    valid_until = fields.String(metadata={"format": "date-time"})
    payment_terms = fields.List(fields.Nested(MilestoneTermSchema))
    notes = fields.String()
    lines = fields.List(fields.Nested(SnapshotLineSchema))


class MoneyChangeSchema(Schema):
    from_ = MoneyField(data_key="from", attribute="from", allow_none=True)
    to = MoneyField(allow_none=True)


class IntegerChangeSchema(Schema):
    from_ = fields.Integer(data_key="from", attribute="from", allow_none=True)
    to = fields.Integer(allow_none=True)


class LineFieldChangesSchema(Schema):
    unit_price = fields.Nested(MoneyChangeSchema)
    quantity = fields.Nested(IntegerChangeSchema)
    lead_time_days = fields.Nested(IntegerChangeSchema)


class TermValueField(fields.Raw):
    """The old or new value of a changed quote term; money terms (``freight``) as a decimal string."""

    MONEY_TERMS = frozenset({"freight"})
    _money = MoneyField()

    def _serialize(self, value, attr, obj, **kwargs):
        if obj.get("field") in self.MONEY_TERMS:
            return self._money._serialize(value, attr, obj)
        return value


class QuoteChangeSchema(Schema):
    """A line change (``rfq_line_id``, ``change``, ``fields``) or a term change (``field``, ``from``, ``to``)."""

    rfq_line_id = fields.Integer()
    change = fields.String(metadata={"enum": _values(LineChange)})
    fields_ = fields.Nested(LineFieldChangesSchema, data_key="fields", attribute="fields")
    field = fields.String(metadata={"enum": ["incoterm", "freight", "lead_time_days", "payment_terms", "valid_until"]})
    from_ = TermValueField(data_key="from", attribute="from", allow_none=True)
    to = TermValueField(allow_none=True)


class QuoteVersionSchema(Schema):
    revision = fields.Integer()
    created_at = fields.DateTime()
    snapshot = fields.Nested(QuoteSnapshotSchema)
    changes = fields.List(fields.Nested(QuoteChangeSchema))


# comparison


class ComparisonLineSchema(Schema):
    rfq_line_id = fields.Integer()
    line_no = fields.Integer()
    unit_price = MoneyField(allow_none=True)
    quantity = fields.Integer(allow_none=True)


class EstimatedFreightSchema(Schema):
    """The carriage a quote on E/F terms leaves to the buyer, priced from the enabled carriers (an estimate)."""

    amount = MoneyField()
    currency = fields.String()
    carrier = fields.String()
    carrier_name = fields.String()
    service = fields.String()
    transit_days = fields.Integer()
    eta = fields.Date()
    origin = fields.String()
    destination = fields.String()
    estimate = fields.Boolean(metadata={"description": "always true: not a price anyone offered"})


class ComparisonRowSchema(Schema):
    quote_id = fields.Integer()
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    status = fields.String(metadata={"enum": _values(QuoteStatus)})
    revision = fields.Integer()
    incoterm = fields.String()
    goods = MoneyField()
    freight = MoneyField()
    landed_cost = MoneyField(metadata={"description": "goods + the quote's own freight"})
    freight_rate = fields.Nested(FreightRateSchema, allow_none=True,
                                 metadata={"description": "the carrier rate the vendor attached to its freight"})
    estimated_freight = fields.Nested(EstimatedFreightSchema, allow_none=True, metadata={
        "description": f"E/F terms ({', '.join(sorted(BUYER_PAYS_CARRIAGE))}): the enabled carriers' cheapest rate "
                       "for the vendor's lane and shipment, an estimate of the carriage the buyer pays"})
    estimated_freight_missing = fields.String(allow_none=True, metadata={
        "enum": ["no_origin_province", "no_destination_province", "no_shipment", "no_rate"],
        "description": "why an E/F quote has no estimated freight; null otherwise"})
    landed_total = MoneyField(metadata={"description": "goods + freight + estimated freight: every incoterm at the "
                                                       "delivery place"})
    landed_total_estimated = fields.Boolean(metadata={"description": "true: landed_total includes an estimate"})
    lead_time_days = fields.Integer()
    payment_terms = fields.List(fields.Nested(MilestoneTermSchema))
    valid_until = fields.DateTime()
    coverage = fields.String(metadata={"description": "quoted lines / RFQ lines, e.g. 2/3"})
    complete = fields.Boolean()
    flags = fields.List(fields.String())
    lines = fields.List(fields.Nested(ComparisonLineSchema))


class BestQuoteSchema(Schema):
    rfq_line_id = fields.Integer()
    quote_id = fields.Integer(allow_none=True)


class ComparisonSchema(Schema):
    rfq_id = fields.Integer()
    currency = fields.String()
    delivery_region = fields.String(allow_none=True)
    incoterm = fields.String()
    quotes = fields.List(fields.Nested(ComparisonRowSchema))
    cheapest_quote_id = fields.Integer(allow_none=True)
    best_quote_per_line = fields.List(fields.Nested(BestQuoteSchema))


class FreightRatesSchema(Schema):
    """The carriers' prices for a vendor's goods on an RFQ's lane, cheapest first."""

    rfq_id = fields.Integer()
    origin = fields.String(metadata={"description": "ISO 3166-2 province of the vendor's warehouse address"})
    destination = fields.String(metadata={"description": "ISO 3166-2 province of the RFQ's delivery"})
    currency = fields.String()
    shipment = fields.Nested(QuoteShipmentSchema)
    rates = fields.List(fields.Nested(RateQuoteSchema))


class AwardResultSchema(Schema):
    rfq_id = fields.Integer()
    deals = fields.List(fields.Nested(DealSchema), metadata={"description": "one deal per winning vendor"})


RfqPageSchema = page_schema(RfqSchema, "RfqPage")
QuotePageSchema = page_schema(QuoteSchema, "QuotePage")
InvitationPageSchema = page_schema(InvitationSchema, "InvitationPage")
QuoteVersionPageSchema = page_schema(QuoteVersionSchema, "QuoteVersionPage")
RfqEventPageSchema = page_schema(EventSchema, "RfqEventPage")
QuoteEventPageSchema = page_schema(EventSchema, "QuoteEventPage")


class ScorecardFigureSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "null when there is no case to measure"})
    count = fields.Integer(metadata={"description": "the cases behind the figure"})


_FIGURE_FIELDS = {name: fields.Nested(ScorecardFigureSchema) for name in SCORECARD_FIGURES}


class VendorScorecardMonthSchema(Schema.from_dict(_FIGURE_FIELDS, name="ScorecardMonthBase")):
    month = fields.Date()


class ScorecardSchema(Schema.from_dict(_FIGURE_FIELDS, name="ScorecardBase")):
    """A vendor's figures from real history (definitions in the scorecard's documentation), each with its count."""

    vendor_id = fields.Integer()
    days = fields.Integer()
    since = fields.DateTime()
    until = fields.DateTime()
    track_score = fields.Float(metadata={"description": "the matcher's track-record signal in [-1, 1]"})
    monthly = fields.List(fields.Nested(VendorScorecardMonthSchema), metadata={"description": "the last 12 months"})


class ScorecardQuerySchema(Schema):
    days = fields.Integer(load_default=365, validate=validate.Range(min=1, max=3650))
