"""The interface's blueprints, one per role area."""

from . import (
    account,
    admin,
    admin_shipments,  # noqa: F401  (its routes join the web_admin blueprint)
    analytics,
    buyer,
    contracts,
    deal_documents,
    deals,
    demo,
    dispute_negotiation,
    disputes,
    orders,
    public,
    reviews,
    shipments,
    shipping_documents,
    vendor,
    webhooks,
)

#: every page blueprint, registered by ``web.site.init_web``
BLUEPRINTS = (public.bp, account.bp, vendor.bp, buyer.bp, deals.bp, disputes.bp, dispute_negotiation.bp, admin.bp,
              demo.bp, webhooks.bp, shipping_documents.bp, shipments.bp,
              analytics.bp, deal_documents.bp, orders.bp, reviews.bp, contracts.bp)
