"""inbound carrier webhooks (GHN)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "carrier_webhook_events",
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("raw_body", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_webhook_events")),
        sa.UniqueConstraint("carrier", "dedupe_key", name=op.f("uq_carrier_webhook_events_carrier_dedupe_key")),
    )
    op.create_index(op.f("ix_carrier_webhook_events_status"), "carrier_webhook_events", ["status"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_carrier_webhook_events_status"), table_name="carrier_webhook_events")
    op.drop_table("carrier_webhook_events")
