"""rfq line award foreign key: ``rfq_lines.awarded_quote_line_id -> quote_lines.id``

0001 declared it with ``use_alter`` inside ``create_table``, which Alembic skips, so it was never
created. Any row already pointing at a missing quote line is cleared first (the award stays on the
quote; only the dangling link is dropped).

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME = "fk_rfq_lines_awarded_quote_line_id_quote_lines"


def upgrade():
    op.execute(
        "UPDATE rfq_lines SET awarded_quote_line_id = NULL WHERE awarded_quote_line_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM quote_lines WHERE quote_lines.id = rfq_lines.awarded_quote_line_id)"
    )
    op.create_foreign_key(op.f(NAME), "rfq_lines", "quote_lines", ["awarded_quote_line_id"], ["id"])


def downgrade():
    op.drop_constraint(op.f(NAME), "rfq_lines", type_="foreignkey")
