"""RFQ verbs, one module per subject: :mod:`.rfqs` (draft, publish, cancel, visibility, listing),
:mod:`.invitations` (matching and manual invites), :mod:`.quotes` (submit, revise, versions, withdraw,
reject, request a revision), :mod:`.freight` (carrier rates on quotes, the buyer's freight estimate),
:mod:`.comparison` (quotes side by side) and :mod:`.award` (deals)."""

from .award import Award, award_rfq  # noqa: F401
from .comparison import SELLER_PAYS_CARRIAGE, compare_quotes  # noqa: F401
from .freight import estimate_freight, lane_rates  # noqa: F401
from .invitations import (  # noqa: F401
                     board_page,
                     invitation_for,
                     invitations_page,
                     invite_vendor,
                     invite_vendors,
                     known_buyers,
                     match_and_invite,
                     rfq_next_step,
                     vendor_invitations,
)
from .quotes import (  # noqa: F401
                     list_quotes,
                     may_quote,
                     own_quote_on,
                     own_quotes_on,
                     quote_actions,
                     quote_next_step,
                     quotes_for,
                     reject_quote,
                     request_revision,
                     revise_quote,
                     submit_quote,
                     vendor_quotes,
                     version_diffs,
                     versions_page,
                     visible_quote,
                     withdraw_quote,
)
from .rfqs import (  # noqa: F401
                     buyer_rfq,
                     cancel_rfq,
                     create_rfq,
                     list_rfqs,
                     publish_rfq,
                     rfqs_for,
                     vendor_rfq,
                     visible_rfq,
                     visible_rfqs,
)
from .scorecards import scorecard_of  # noqa: F401
