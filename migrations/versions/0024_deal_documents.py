"""VAT e-invoices attached to deals

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
