"""quotes: a carrier rate attached to a quote's freight

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("quotes", sa.Column("shipment", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("quotes", sa.Column("freight_rate", postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    op.drop_column("quotes", "freight_rate")
    op.drop_column("quotes", "shipment")
