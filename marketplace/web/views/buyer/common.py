"""What the buyer's pages share: who may write, the status labels of this area, the category choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ....accounts.models import MemberRole, OrgKind
from ....rfq.models import InvitationSource, QuoteStatus, RfqStatus
from ....vendors import services as vendors
from ...i18n import locale_code, register_labels

BUYER = OrgKind.BUYER
#: buyer members who draft, publish, cancel and award RFQs (as the API's BUYER_WRITERS)
WRITERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.REQUESTER, MemberRole.APPROVER)

# an RFQ's and a quote's statuses (``|status("rfq")``, ``|status("quote")``) for buyers and vendors alike; an RFQ
# waiting for the buyer's approver shows as ``awaiting_approval``
register_labels("rfq", {
    RfqStatus.DRAFT: _l("Draft"), RfqStatus.OPEN: _l("Open"), RfqStatus.CLOSED: _l("Closed"),
    RfqStatus.AWARDED: _l("Awarded"), RfqStatus.CANCELLED: _l("Cancelled"), RfqStatus.EXPIRED: _l("Expired"),
    "awaiting_approval": _l("Awaiting approval"),
})
register_labels("quote", {
    QuoteStatus.SUBMITTED: _l("Submitted"), QuoteStatus.REVISED: _l("Revised"), QuoteStatus.ACCEPTED: _l("Accepted"),
    QuoteStatus.REJECTED: _l("Not selected"), QuoteStatus.WITHDRAWN: _l("Withdrawn"), QuoteStatus.EXPIRED: _l("Expired"),
})
register_labels("invitation_source", {InvitationSource.MATCH: _l("Matched"), InvitationSource.MANUAL: _l("Invited by hand")})


def category_choices(first_label) -> list[tuple[str, str]]:
    """The top categories for a select, named in the page's language."""
    roots = vendors.list_categories({"limit": 100})["items"]
    vi = locale_code() == "vi"
    return [("", first_label)] + [(str(c.id), (c.name_vi or c.name_en) if vi else c.name_en) for c in roots]
