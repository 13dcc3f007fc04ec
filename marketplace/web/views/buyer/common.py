"""What the buyer's pages share: who may write, the status labels of this area, the category choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ....accounts.models import MemberRole, OrgKind
from ....rfq.models import QuoteStatus, RfqStatus, RfqVisibility
from ....vendors import services as vendors
from ...i18n import locale_code, register_labels
from . import bp

BUYER = OrgKind.BUYER
#: buyer members who draft, publish, cancel and award RFQs (as the API's BUYER_WRITERS)
WRITERS = (MemberRole.OWNER, MemberRole.ADMIN, MemberRole.REQUESTER, MemberRole.APPROVER)

#: the labels of the RFQ's, quotes' and invitations' values on the buyer's pages (also registered for ``|status``)
LABELS = {
    RfqStatus.DRAFT: _l("Draft"), RfqStatus.OPEN: _l("Open"), RfqStatus.CLOSED: _l("Closed"),
    RfqStatus.AWARDED: _l("Awarded"), RfqStatus.CANCELLED: _l("Cancelled"), RfqStatus.EXPIRED: _l("Expired"),
    QuoteStatus.SUBMITTED: _l("Submitted"), QuoteStatus.REVISED: _l("Revised"), QuoteStatus.ACCEPTED: _l("Accepted"),
    QuoteStatus.REJECTED: _l("Rejected"), QuoteStatus.WITHDRAWN: _l("Withdrawn"),
    QuoteStatus.EXPIRED: _l("Expired"), RfqVisibility.INVITE_ONLY: _l("Invited vendors only"), "awaiting_approval": _l("Awaiting approval"),
    "match": _l("Matched"), "manual": _l("Invited by hand"),
}
register_labels(LABELS)


@bp.context_processor
def _labels() -> dict:
    # this area's own words win over another area's label for the same value (e.g. "open")
    return {"buyer_labels": LABELS}


def category_choices(first_label) -> list[tuple[str, str]]:
    """The top categories for a select, named in the page's language."""
    roots = vendors.list_categories({"limit": 100})["items"]
    vi = locale_code() == "vi"
    return [("", first_label)] + [(str(c.id), (c.name_vi or c.name_en) if vi else c.name_en) for c in roots]
