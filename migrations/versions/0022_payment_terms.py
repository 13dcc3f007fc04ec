"""milestones due after delivery: net days, due date, reminder and overdue stamps

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("milestones", sa.Column("net_days", sa.BigInteger(), nullable=True))
    op.add_column("milestones", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("milestones", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("milestones", sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("milestones", "overdue_at")
    op.drop_column("milestones", "reminded_at")
    op.drop_column("milestones", "due_at")
    op.drop_column("milestones", "net_days")
