"""Deal verbs. ``deals`` orchestrates ``escrow``, ``shipping`` and ``disputes``: every verb locks the
deal row (``SELECT ... FOR UPDATE``) before touching its money, then applies its transition.

One module per subject: :mod:`.deals` (create, read, approve, cancel), :mod:`.payments` (gateways,
payments, release, refund), :mod:`.delivery` (ship, confirm delivery, accept).
"""

from .deals import (  # noqa: F401
                       APPROVER_ROLES,
                       approve_deal,
                       cancel_deal,
                       create_deal,
                       deals_for,
                       get_deal,
)
from .delivery import accept_deal, confirm_delivery, deal_shipments, ship_deal  # noqa: F401
from .payments import (  # noqa: F401
                       PAYER_ROLES,
                       confirm_bank_transfer,
                       payment_instructions,
                       queue_release,
                       record_payment,
                       redrive_settlements,
                       refund_deal,
                       release_deal,
                       start_payment,
)
