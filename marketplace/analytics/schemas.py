"""Analytics schemas: the period and currency in; the buyer's and the vendor's reports out (see
:mod:`marketplace.analytics.services` for how each figure is computed)."""

from marshmallow import Schema, fields, validate

from ..http.fields import MoneyField
from ..money import CURRENCY_EXPONENTS
from ..rfq.scorecard import FIGURES as SCORECARD_FIGURES

# --- input --------------------------------------------------------------------------------------


class AnalyticsQuerySchema(Schema):
    """The period (both days inclusive, in the platform's time zone) and, optionally, one currency."""

    start = fields.Date(data_key="from", metadata={
        "description": "first day (inclusive); default: the first day of the month 11 months before `to`"})
    end = fields.Date(data_key="to", metadata={"description": "last day (inclusive); default: today"})
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCY_EXPONENTS)),
                             metadata={"description": "only this currency's money figures (counts are unaffected)"})


# --- output -------------------------------------------------------------------------------------

MONTH = fields.String(metadata={"description": "calendar month in the platform's time zone, YYYY-MM",
                                "example": "2026-11"})
HOURS = {"allow_none": True, "metadata": {"description": "hours, one decimal; null when there is nothing to measure"}}
RATE = {"allow_none": True, "metadata": {"description": "a fraction 0..1 (4 decimals); null when the base is 0"}}


class SpendFiguresSchema(Schema):
    currency = fields.String()
    deals = fields.Integer(metadata={"description": "deals made (awarded or ordered) whose money reached escrow"})
    spend = MoneyField(metadata={"description": "their totals (goods + freight)"})
    refunded = MoneyField(metadata={"description": "the part of them refunded to the buyer (disputes)"})
    lines_with_target = fields.Integer(metadata={"description": "deal lines whose RFQ line states a target price"})
    target_value = MoneyField(metadata={"description": "target unit price x awarded quantity over those lines"})
    awarded_value = MoneyField(metadata={"description": "awarded unit price x awarded quantity over those lines"})
    savings = MoneyField(metadata={"description": "target_value - awarded_value (negative: paid above target)"})


class SpendMonthSchema(SpendFiguresSchema):
    month = MONTH


class VendorSpendSchema(Schema):
    currency = fields.String()
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    deals = fields.Integer()
    spend = MoneyField()


class CategorySpendSchema(Schema):
    currency = fields.String()
    category_id = fields.Integer(allow_none=True, metadata={"description": "null: RFQ lines without a category"})
    category_name = fields.String(allow_none=True)
    category_name_vi = fields.String(allow_none=True)
    deals = fields.Integer()
    goods = MoneyField(metadata={"description": "deal line amounts (freight has no category)"})


class BuyerCurrencySchema(Schema):
    """Every money figure of one currency."""

    currency = fields.String()
    totals = fields.Nested(SpendFiguresSchema)
    by_month = fields.List(fields.Nested(SpendMonthSchema), metadata={"description": "every month of the period"})
    by_vendor = fields.List(fields.Nested(VendorSpendSchema), metadata={"description": "largest spend first"})
    by_category = fields.List(fields.Nested(CategorySpendSchema), metadata={"description": "largest first"})


class CycleFiguresSchema(Schema):
    rfqs = fields.Integer(metadata={"description": "RFQs first awarded in the month"})
    median_hours = fields.Float(**HOURS)
    p90_hours = fields.Float(**HOURS)


class CycleMonthSchema(CycleFiguresSchema):
    month = MONTH


class CycleTimeSchema(Schema):
    """Publication to first award of the buyer's RFQs, by the month of the award."""

    totals = fields.Nested(CycleFiguresSchema)
    by_month = fields.List(fields.Nested(CycleMonthSchema))


class PeriodSchema(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    currency = fields.String(allow_none=True, metadata={"description": "the currency asked for, or null (all)"})
    months = fields.List(MONTH)


class ContractUseSchema(Schema):
    contract_id = fields.Integer()
    title = fields.String()
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    currency = fields.String()
    status = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    call_offs = fields.Integer(metadata={"description": "live call-offs (cancelled or refunded deals excluded)"})
    committed_value = MoneyField(allow_none=True)
    max_value = MoneyField()
    ordered_value = MoneyField(metadata={"description": "goods of the live call-offs, over the whole contract"})
    remaining_value = MoneyField()
    percent_of_committed = fields.Float(allow_none=True)
    percent_of_max = fields.Float()


class ContractUtilisationSchema(Schema):
    """The buyer's signed framework contracts that ran during the period, with their utilisation."""

    available = fields.Boolean(metadata={"description": "true"})
    contracts = fields.List(fields.Nested(ContractUseSchema))


class BuyerAnalyticsSchema(PeriodSchema):
    """A buyer's spend, savings against target prices and RFQ cycle time over the period."""

    currencies = fields.List(fields.Nested(BuyerCurrencySchema),
                             metadata={"description": "one section per currency with spend; never summed across"})
    cycle_time = fields.Nested(CycleTimeSchema)
    contract_utilisation = fields.Nested(ContractUtilisationSchema)


class SalesFiguresSchema(Schema):
    currency = fields.String()
    deals = fields.Integer(metadata={"description": "deals made in the month whose money reached escrow"})
    sales = MoneyField(metadata={"description": "their totals (goods + freight)"})
    released = MoneyField(metadata={"description": "released to the vendor in the month (gross, ledger)"})
    commission = MoneyField(metadata={"description": "the platform's commission on those releases"})
    net_released = MoneyField(metadata={"description": "released - commission"})


class SalesMonthSchema(SalesFiguresSchema):
    month = MONTH


class VendorCurrencySchema(Schema):
    currency = fields.String()
    totals = fields.Nested(SalesFiguresSchema)
    by_month = fields.List(fields.Nested(SalesMonthSchema))


class WinFiguresSchema(Schema):
    quoted = fields.Integer(metadata={"description": "quotes first submitted in the month"})
    awarded = fields.Integer(metadata={"description": "of them, awarded (whole or partly)"})
    win_rate = fields.Float(**RATE)


class WinMonthSchema(WinFiguresSchema):
    month = MONTH


class WinRateSchema(Schema):
    totals = fields.Nested(WinFiguresSchema)
    by_month = fields.List(fields.Nested(WinMonthSchema))


class ResponseFiguresSchema(Schema):
    invited = fields.Integer(metadata={"description": "invitations the vendor could see from that month"})
    responded = fields.Integer(metadata={"description": "of them, answered with a quote"})
    response_rate = fields.Float(**RATE)
    median_hours = fields.Float(**HOURS)


class ResponseMonthSchema(ResponseFiguresSchema):
    month = MONTH


class ResponseTimeSchema(Schema):
    """Invitation (or publication, if later) to the first quote."""

    totals = fields.Nested(ResponseFiguresSchema)
    by_month = fields.List(fields.Nested(ResponseMonthSchema))


class FigureSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "null when count is 0"})
    count = fields.Integer(metadata={"description": "the cases behind the figure"})


ScorecardMonthSchema = Schema.from_dict({"month": MONTH, **{name: fields.Nested(FigureSchema)
                                                           for name in SCORECARD_FIGURES}},
                                        name="ScorecardMonthSchema")


class ScorecardHistorySchema(Schema):
    """The vendor scorecard (see the scorecard endpoints for each figure) per UTC month."""

    available = fields.Boolean()
    reason = fields.String(allow_none=True)
    figures = fields.List(fields.String(), metadata={"description": "the figure names, in display order"})
    by_month = fields.List(fields.Nested(ScorecardMonthSchema))


class VendorAnalyticsSchema(PeriodSchema):
    """A vendor's sales, releases, win rate and quote response time over the period."""

    currencies = fields.List(fields.Nested(VendorCurrencySchema))
    win_rate = fields.Nested(WinRateSchema)
    response_time = fields.Nested(ResponseTimeSchema)
    scorecard = fields.Nested(ScorecardHistorySchema)
