"""What ``orders`` declares to the registry."""

from ..deals.models import DealStatus
from ..deals.services.deals import DEAL_CANCELLED
from ..registry import Registration
from . import models, services
from .models import OrderStatus
from .states import order_machine

registration = Registration(
    name="orders",
    models=(models,),
    machines=(order_machine,),
    # rejected, cancelled or lapsed (by anyone or the confirmation deadline): the reserved stock goes back
    on_enter={("order", OrderStatus.REJECTED): services.on_closed,
              ("order", OrderStatus.CANCELLED): services.on_closed,
              # the goods of an order's deal left: its reservations become shipped stock
              ("deal", DealStatus.SHIPPED): services.on_deal_shipped,
              # refunded before shipping: the order's stock goes back, as on a cancel
              ("deal", DealStatus.REFUNDED): services.on_deal_cancelled},
    listeners={DEAL_CANCELLED: services.on_deal_cancelled},
    sweep_steps=(services.warn_unconfirmed,),
)
