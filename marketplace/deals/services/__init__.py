"""Deal verbs. ``deals`` orchestrates ``escrow``, ``shipping`` and ``disputes``: every verb locks the
deal row (``SELECT ... FOR UPDATE``) before touching its money, then applies its transition.

One module per subject: :mod:`.deals` (create, read, approve, cancel), :mod:`.payments` (gateways,
payments, release, refund), :mod:`.delivery` (ship, confirm delivery, accept), :mod:`.acceptance`
(accept part of a delivered deal: release that share, dispute the rest), :mod:`.disputes`
(open, withdraw, decide and settle a dispute around the case ``disputes`` keeps).
"""

from .acceptance import (  # noqa: F401
                         accept_deal_partly,
                         partial_acceptance_of,
                         preview_partial_acceptance,
)
from .deals import (  # noqa: F401
                         APPROVER_ROLES,
                         DEFAULT_PAYMENT_TERMS,
                         approve_deal,
                         cancel_deal,
                         cancellable_from,
                         create_deal,
                         create_deal_from_order,
                         deals_for,
                         get_deal,
                         list_deals,
                         on_cancelled,
                         warn_unshipped,
)
from .delivery import (  # noqa: F401
                         accept_deal,
                         confirm_delivery,
                         deal_shipping_plan,
                         on_shipment_delivered,
                         ship_deal,
                         shipping_plan,
)
from .dispute_outcomes import (  # noqa: F401
                         accept_offer,
                         answer_evidence_request,
                         confirm_return_receipt,
                         escalate_dispute,
                         make_offer,
                         reject_offer,
                         reject_returned_goods,
                         request_evidence,
                         ship_return,
                         withdraw_offer,
)
from .disputes import (  # noqa: F401
                         decide_dispute,
                         open_dispute,
                         redrive_dispute_settlements,
                         settle_dispute,
                         withdraw_dispute,
)
from .payments import (  # noqa: F401
                         PAYER_ROLES,
                         confirm_bank_transfer,
                         deal_ledger,
                         deal_payments,
                         enqueue_releases,
                         lock_owner,
                         pay_deal,
                         payment_instructions,
                         queue_release,
                         record_payment,
                         redrive_settlements,
                         refund_deal,
                         release_deal,
                         release_deals,
                         start_payment,
)
