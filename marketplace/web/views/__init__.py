"""The interface's blueprints, one per role area."""

from . import (
    account,
    admin,
    buyer,
    deals,
    demo,
    dispute_negotiation,
    disputes,
    public,
    shipping_documents,
    vendor,
    webhooks,
)

#: every page blueprint, registered by ``web.site.init_web``
BLUEPRINTS = (public.bp, account.bp, vendor.bp, buyer.bp, deals.bp, disputes.bp, dispute_negotiation.bp, admin.bp,
              demo.bp, webhooks.bp, shipping_documents.bp)
