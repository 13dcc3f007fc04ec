"""RFQ, invitation, quote, comparison and award endpoints: load, call one service, commit once, return."""

from flask.views import MethodView

from ..accounts.auth import current_actor, login_required
from ..accounts.models import SELLERS, MemberRole, OrgKind
from ..extensions import db
from ..http.blueprint import Blueprint
from ..http.pagination import PageQuerySchema
from . import services
from .schemas import (
    AwardResultSchema,
    AwardSchema,
    ComparisonSchema,
    FreightRatesRequestSchema,
    FreightRatesSchema,
    InvitationPageSchema,
    InvitationSchema,
    InviteSchema,
    QuoteCreateSchema,
    QuoteEventPageSchema,
    QuotePageSchema,
    QuoteQuerySchema,
    QuoteRejectSchema,
    QuoteSchema,
    QuoteVersionPageSchema,
    RevisionRequestSchema,
    RfqCreateSchema,
    RfqEventPageSchema,
    RfqPageSchema,
    RfqQuerySchema,
    RfqSchema,
    ScorecardQuerySchema,
    ScorecardSchema,
)
from .services.quotes import quote_events as read_quote_events
from .services.rfqs import rfq_events as read_rfq_events

blp = Blueprint("rfq", __name__, url_prefix="/api/v1", description="RFQs, matching, quotes and award")

BUYER, VENDOR, PLATFORM = OrgKind.BUYER, OrgKind.VENDOR, OrgKind.PLATFORM
#: buyer members who draft, publish, cancel and award RFQs and answer quotes
BUYER_WRITERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.REQUESTER, MemberRole.APPROVER)
#: vendor members who quote


@blp.route("/rfqs")
class Rfqs(MethodView):
    @login_required()
    @blp.arguments(RfqQuerySchema, location="query")
    @blp.response(200, RfqPageSchema)
    def get(self, params):
        """Buyers: their RFQs. Vendors: RFQs they are invited to and open RFQs (the board)."""
        return services.list_rfqs(current_actor(), params)

    @login_required(BUYER, roles=BUYER_WRITERS)
    @blp.arguments(RfqCreateSchema)
    @blp.response(201, RfqSchema)
    def post(self, data):
        """Draft an RFQ with its lines (prices in the RFQ's currency, by default the organisation's)."""
        rfq = services.create_rfq(current_actor(), data)
        db.session.commit()
        return rfq


@blp.route("/rfqs/<int:rfq_id>")
@login_required()
@blp.response(200, RfqSchema)
def get_rfq(rfq_id):
    """One RFQ, if the caller may see it."""
    return services.visible_rfq(current_actor(), rfq_id)


@blp.route("/rfqs/<int:rfq_id>/publish", methods=["POST"])
@login_required(BUYER, roles=BUYER_WRITERS)
@blp.response(200, RfqSchema)
def publish(rfq_id):
    """Publish the RFQ: it opens to quotes and matching invites vendors in the background."""
    rfq = services.publish_rfq(current_actor(), rfq_id)
    db.session.commit()
    return rfq


@blp.route("/rfqs/<int:rfq_id>/cancel", methods=["POST"])
@login_required(BUYER, roles=BUYER_WRITERS)
@blp.response(200, RfqSchema)
def cancel(rfq_id):
    """Cancel a draft, open or closed RFQ."""
    rfq = services.cancel_rfq(current_actor(), rfq_id)
    db.session.commit()
    return rfq


@blp.route("/rfqs/<int:rfq_id>/matches")
class Matches(MethodView):
    @login_required(BUYER, PLATFORM)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, InvitationPageSchema)
    def get(self, params, rfq_id):
        """Invited vendors, matched ones by rank, with the rationale of each match."""
        return services.invitations_page(current_actor(), rfq_id, params)

    @login_required(BUYER)  # the RFQ's buyer invites; admins only read the matches
    @blp.arguments(InviteSchema)
    @blp.response(201, InvitationSchema)
    def post(self, data, rfq_id):
        """Invite a verified vendor by hand."""
        invitation = services.invite_vendor(current_actor(), rfq_id, data["vendor_id"])
        db.session.commit()
        return invitation


@blp.route("/rfqs/<int:rfq_id>/quotes")
class RfqQuotes(MethodView):
    @login_required()
    @blp.arguments(QuoteQuerySchema, location="query")
    @blp.response(200, QuotePageSchema)
    def get(self, params, rfq_id):
        """Quotes on the RFQ (a vendor sees only its own)."""
        return services.list_quotes(current_actor(), rfq_id, params)

    @login_required(VENDOR, roles=SELLERS)
    @blp.arguments(QuoteCreateSchema)
    @blp.response(201, QuoteSchema)
    def post(self, data, rfq_id):
        """Quote on an RFQ (vendor sales members; prices in the RFQ's currency)."""
        quote = services.submit_quote(current_actor(), rfq_id, data)
        db.session.commit()
        return quote


@blp.route("/rfqs/<int:rfq_id>/quotes/freight-rates", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.arguments(FreightRatesRequestSchema)
@blp.response(200, FreightRatesSchema)
def freight_rates(data, rfq_id):
    """The enabled carriers' prices, cheapest first, for the vendor's parcels and pallets from its warehouse address
    to the RFQ's delivery province (409 ``no_origin_province`` / ``no_destination_province`` when one end has no
    province code); attach one to a quote with ``freight_rate``."""
    return services.lane_rates(current_actor(), rfq_id, data)


@blp.route("/quotes/<int:quote_id>")
@login_required()
@blp.response(200, QuoteSchema)
def get_quote(quote_id):
    """One quote (its vendor, or the RFQ's buyer)."""
    return services.visible_quote(current_actor(), quote_id)


@blp.route("/quotes/<int:quote_id>/revise", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.arguments(QuoteCreateSchema)
@blp.response(200, QuoteSchema)
def revise(data, quote_id):
    """Replace the quote with a new version."""
    quote = services.revise_quote(current_actor(), quote_id, data)
    db.session.commit()
    return quote


@blp.route("/quotes/<int:quote_id>/withdraw", methods=["POST"])
@login_required(VENDOR, roles=SELLERS)
@blp.response(200, QuoteSchema)
def withdraw(quote_id):
    """Withdraw the quote."""
    quote = services.withdraw_quote(current_actor(), quote_id)
    db.session.commit()
    return quote


@blp.route("/quotes/<int:quote_id>/request-revision", methods=["POST"])
@login_required(BUYER, roles=BUYER_WRITERS)
@blp.arguments(RevisionRequestSchema)
@blp.response(200, QuoteSchema)
def request_revision(data, quote_id):
    """Ask the vendor for a revised offer (counter-offer)."""
    quote = services.request_revision(current_actor(), quote_id, data["message"])
    db.session.commit()
    return quote


@blp.route("/quotes/<int:quote_id>/reject", methods=["POST"])
@login_required(BUYER, roles=BUYER_WRITERS)
@blp.arguments(QuoteRejectSchema)
@blp.response(200, QuoteSchema)
def reject(data, quote_id):
    """Turn a quote down (the vendor is told)."""
    quote = services.reject_quote(current_actor(), quote_id, data.get("reason"))
    db.session.commit()
    return quote


@blp.route("/quotes/<int:quote_id>/versions")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, QuoteVersionPageSchema)
def quote_versions(params, quote_id):
    """Every revision of the quote, each with a line-level diff against the previous one."""
    return services.versions_page(current_actor(), quote_id, params)


@blp.route("/quotes/<int:quote_id>/events")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, QuoteEventPageSchema)
def quote_events(params, quote_id):
    """The quote's timeline, oldest first, with actor and time (its vendor, the RFQ's buyer, admins)."""
    return read_quote_events(current_actor(), quote_id, params)


@blp.route("/rfqs/<int:rfq_id>/events")
@login_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, RfqEventPageSchema)
def rfq_events(params, rfq_id):
    """The RFQ's own timeline (not its quotes'), oldest first, for whoever may read the RFQ; vendors get the
    events without their payloads."""
    return read_rfq_events(current_actor(), rfq_id, params)


@blp.route("/rfqs/<int:rfq_id>/comparison")
@login_required(BUYER)
@blp.response(200, ComparisonSchema)
def comparison(rfq_id):
    """Quotes side by side at landed cost in the RFQ's currency, with coverage and missing fields flagged."""
    return services.compare_quotes(current_actor(), rfq_id)


@blp.route("/rfqs/<int:rfq_id>/award", methods=["POST"])
@login_required(BUYER, roles=BUYER_WRITERS)
@blp.arguments(AwardSchema)
@blp.response(201, AwardResultSchema)
def award(data, rfq_id):
    """Award whole quotes or single lines; one deal per winning vendor."""
    result = services.award_rfq(current_actor(), rfq_id, data)
    db.session.commit()
    return result


@blp.route("/vendors/<int:vendor_id>/scorecard")
@blp.arguments(ScorecardQuerySchema, location="query")
@blp.response(200, ScorecardSchema)
def vendor_scorecard(params, vendor_id):
    """A vendor's scorecard from real history over the last ``days`` (default 365) and per month for the last 12:
    response rate and time, win rate, on-time shipping, clean deliveries, dispute rate and ratings, each with the
    number of cases behind it (public, as on the vendor's profile)."""
    return services.scorecard_of(vendor_id, params["days"])
