"""The interface's blueprints, one per role area."""

from . import account, admin, buyer, deals, demo, public, vendor

#: every page blueprint, registered by ``web.site.init_web``
BLUEPRINTS = (public.bp, account.bp, vendor.bp, buyer.bp, deals.bp, admin.bp, demo.bp)
