"""trust rules: a vendor's verified payout account and its changes awaiting re-verification

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("vendor_profiles", sa.Column("verified_payout_account", postgresql.JSONB(astext_type=sa.Text()),
                                               nullable=True))
    op.add_column("vendor_profiles", sa.Column("pending_changes", postgresql.JSONB(astext_type=sa.Text()),
                                               nullable=True))
    # vendors verified before this rule keep the account they have: it was in place under their verification
    op.execute("UPDATE vendor_profiles SET verified_payout_account = payout_account WHERE status = 'verified'")


def downgrade():
    op.drop_column("vendor_profiles", "pending_changes")
    op.drop_column("vendor_profiles", "verified_payout_account")
