"""Contract verbs: :mod:`.contracts` (propose, sign, decline, withdraw, amend, renew, terminate, the hooks and
the expiry reminders) and :mod:`.call_offs` (orders against a signed contract, and its utilisation)."""

from .call_offs import (  # noqa: F401
    deal_states,
    list_call_offs,
    ordered_value,
    place_call_off,
    price_call_off,
    refusal,
    utilisation,
)
from .contracts import (  # noqa: F401
    accept_version,
    award_as_contracts,
    contract_from_award,
    decline_version,
    get_contract,
    list_contracts,
    may_sign,
    needs_approver,
    on_ended,
    on_signed,
    on_version_accepted,
    on_version_closed,
    propose_amendment,
    propose_contract,
    remind_expiring,
    renew_contract,
    side_of,
    sign_deadline,
    terminate_contract,
    withdraw_version,
)
from .views import actions_for, call_off_views, contract_view, version_view  # noqa: F401
