"""vendors' default payment terms for catalog orders

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vendor_order_terms",
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_terms", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_vendor_order_terms_vendor_id_vendor_profiles")),
        sa.PrimaryKeyConstraint("vendor_id", name=op.f("pk_vendor_order_terms")),
    )


def downgrade():
    op.drop_table("vendor_order_terms")
