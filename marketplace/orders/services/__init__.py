"""Order verbs: :mod:`.cart` (the member's cart, priced now), :mod:`.orders` (place, approve, confirm into a
deal, reject, cancel, reorder) and :mod:`.stock` (reservations held against a product's stock)."""

from .cart import (  # noqa: F401
    add_to_cart,
    cart_view,
    empty_cart,
    remove_from_cart,
    set_cart_quantity,
)
from .orders import (  # noqa: F401
    approve_order,
    cancel_order,
    confirm_deadline,
    confirm_order,
    deal_id_of,
    deal_of,
    get_order,
    list_orders,
    on_closed,
    on_deal_cancelled,
    on_deal_shipped,
    place_orders,
    reject_order,
    reorder_deal,
    reorder_order,
    warn_unconfirmed,
)
from .terms import order_terms, set_order_terms, vendor_order_terms  # noqa: F401
