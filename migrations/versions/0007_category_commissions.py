"""commission rates per category

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_commissions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("bps", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bps BETWEEN 0 AND 10000", name=op.f("ck_category_commissions_bps")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name=op.f("fk_category_commissions_category_id_categories"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_commissions")),
        sa.UniqueConstraint("category_id", name=op.f("uq_category_commissions_category_id")),
    )


def downgrade():
    op.drop_table("category_commissions")
