"""Analytics endpoints: a buyer's spend and savings, a vendor's sales and quoting, as JSON or CSV."""

from ..accounts.auth import current_actor, login_required
from ..accounts.models import OrgKind
from ..http.blueprint import Blueprint
from ..http.downloads import send_download
from . import services
from .schemas import AnalyticsQuerySchema, BuyerAnalyticsSchema, VendorAnalyticsSchema

blp = Blueprint("analytics", __name__, url_prefix="/api/v1", description="Analytics")

BUYER_CSV = ("UTF-8 CSV with a BOM, columns: " + ",".join(services.BUYER_COLUMNS) + ". One row per month "
             "(section month), the period's total (total), each vendor (vendor) and category (category) per currency, "
             "then the RFQ cycle time per month (cycle_time) and over the period (cycle_time_total). Amounts are "
             "decimal strings in the row's currency.")
VENDOR_CSV = ("UTF-8 CSV with a BOM, columns: " + ",".join(services.VENDOR_COLUMNS) + ". Sales per month (month) "
              "and over the period (total) per currency, then quotes (quotes, quotes_total) and response time "
              "(response, response_total). Amounts are decimal strings in the row's currency.")


@blp.route("/analytics/buyer")
@login_required(OrgKind.BUYER)
@blp.arguments(AnalyticsQuerySchema, location="query")
@blp.response(200, BuyerAnalyticsSchema)
def buyer(args):
    """The calling buyer's spend by month, vendor and category, savings against target prices and RFQ
    cycle time over the period (default: the last 12 months), one section per currency."""
    return services.buyer_report(current_actor(), args.get("start"), args.get("end"), args.get("currency"))


@blp.route("/analytics/buyer.csv")
@login_required(OrgKind.BUYER)
@blp.arguments(AnalyticsQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description=BUYER_CSV)
def buyer_csv(args):
    """The buyer's analytics as CSV."""
    return send_download(services.buyer_csv(current_actor(), args.get("start"), args.get("end"), args.get("currency")))


@blp.route("/analytics/vendor")
@login_required(OrgKind.VENDOR)
@blp.arguments(AnalyticsQuerySchema, location="query")
@blp.response(200, VendorAnalyticsSchema)
def vendor(args):
    """The calling vendor's sales, released money and commission by month (per currency), win rate and
    quote response time over the period (default: the last 12 months)."""
    return services.vendor_report(current_actor(), args.get("start"), args.get("end"), args.get("currency"))


@blp.route("/analytics/vendor.csv")
@login_required(OrgKind.VENDOR)
@blp.arguments(AnalyticsQuerySchema, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description=VENDOR_CSV)
def vendor_csv(args):
    """The vendor's analytics as CSV."""
    return send_download(services.vendor_csv(current_actor(), args.get("start"), args.get("end"), args.get("currency")))
