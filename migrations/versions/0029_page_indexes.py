"""page indexes: a deal's lines by deal, and the dispute metrics' window of deals

``deal_lines.deal_id`` had no index: every deal page (and every list loading deals' lines) read the whole
table for its lines (12 ms at 100,000 deals, growing with them). ``ix_deals_window`` covers the dispute desk's
metrics, which count the deals of the last 90 days per vendor and per buyer: an index-only scan of the window
instead of the whole ``deals`` table (77 -> 23 ms at 100,000 deals; benchmarks/pages/REPORT.md).

Revision ID: 0029
Revises: 0028
"""
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_deal_lines_deal_id", "deal_lines", ["deal_id"])
    op.create_index("ix_deals_window", "deals", ["created_at", "vendor_id", "buyer_id", "status"])


def downgrade():
    op.drop_index("ix_deals_window", table_name="deals")
    op.drop_index("ix_deal_lines_deal_id", table_name="deal_lines")
