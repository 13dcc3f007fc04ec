"""Payment gateways: the interface (:mod:`.base`), ``bank_transfer`` (:mod:`.bank`) and ``stripe`` (:mod:`.stripe`)."""

from .base import (  # noqa: F401
    Gateway,
    get_gateway,
    offered_gateways,
    payment_reference,
    reference_is_valid,
)
