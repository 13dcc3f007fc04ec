"""live disputes index: the dispute desk's live cases, oldest first, without the finished ones

The desk lists the live cases (every status but resolved and withdrawn) by ``(created_at, id)``. Without an
index it read and sorted the whole ``disputes`` table on every view, and finished cases pile up for ever
(benchmarks/pages/REPORT.md). This partial index has the desk's order and the predicate of
``uq_disputes_live_deal``, so the desk reads its page of live cases in order and stops.

Revision ID: 0031
Revises: 0030
"""
from alembic import op
from sqlalchemy import text

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

#: the live-case predicate (``marketplace.disputes.models``), as ``uq_disputes_live_deal`` has it
LIVE = "status NOT IN ('resolved', 'withdrawn')"


def upgrade():
    op.create_index("ix_disputes_live_created", "disputes", ["created_at", "id"], postgresql_where=text(LIVE))


def downgrade():
    op.drop_index("ix_disputes_live_created", table_name="disputes", postgresql_where=text(LIVE))
