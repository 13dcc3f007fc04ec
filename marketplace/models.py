"""Imports every table so that Alembic and the tests see the whole schema."""

from .accounts.models import ApiToken, Membership, Organization, User  # noqa: F401
from .deals.models import Deal, DealLine, Milestone  # noqa: F401
from .disputes.models import Dispute, DisputeMessage  # noqa: F401
from .escrow.commission import CategoryCommission  # noqa: F401
from .escrow.models import LedgerAccount, LedgerTransfer  # noqa: F401
from .escrow.bank_models import BankStatementImport, BankStatementLine, Payout, PayoutBatch  # noqa: F401
from .escrow.bank_models import ReconciliationMismatch, ReconciliationReport  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .escrow.stripe_gateway import StripeAccount, StripePayment  # noqa: F401
from .escrow.webhooks import WebhookEvent  # noqa: F401
from .jobs import OutboxCommand  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .rfq.models import Invitation, Quote, QuoteLine, QuoteVersion, Rfq, RfqLine  # noqa: F401
from .shipping.models import Shipment, TrackingEvent  # noqa: F401
from .statemachine import Deadline, Event  # noqa: F401
from .vendors.models import PriceTier, Product, VendorProfile  # noqa: F401
from .vendors.models import (Category, PriceList, PriceListItem, ProductImport, ProductImportError,  # noqa: F401
                             VendorDocument)

# the transition tables register themselves with the sweeper on import
from .deals import states as _deal_states  # noqa: F401,E402
from .disputes import states as _dispute_states  # noqa: F401,E402
from .rfq import states as _rfq_states  # noqa: F401,E402
from .vendors import states as _vendor_states  # noqa: F401,E402
