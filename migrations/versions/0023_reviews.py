"""deal reviews and vendor replies

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reviews",
        sa.Column("deal_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.Column("on_time", sa.SmallInteger(), nullable=False),
        sa.Column("communication", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_by", sa.BigInteger(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("quality BETWEEN 1 AND 5", name=op.f("ck_reviews_quality")),
        sa.CheckConstraint("on_time BETWEEN 1 AND 5", name=op.f("ck_reviews_on_time")),
        sa.CheckConstraint("communication BETWEEN 1 AND 5", name=op.f("ck_reviews_communication")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_reviews_deal_id_deals"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["buyer_id"], ["organizations.id"], name=op.f("fk_reviews_buyer_id_organizations")),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], name=op.f("fk_reviews_vendor_id_vendor_profiles")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_reviews_author_id_users")),
        sa.ForeignKeyConstraint(["replied_by"], ["users.id"], name=op.f("fk_reviews_replied_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("deal_id", name=op.f("uq_reviews_deal_id")),
    )
    op.create_index(op.f("ix_reviews_buyer_id"), "reviews", ["buyer_id"], unique=False)
    op.create_index("ix_reviews_vendor_created", "reviews", ["vendor_id", "created_at"], unique=False)


def downgrade():
    op.drop_index("ix_reviews_vendor_created", table_name="reviews")
    op.drop_index(op.f("ix_reviews_buyer_id"), table_name="reviews")
    op.drop_table("reviews")
