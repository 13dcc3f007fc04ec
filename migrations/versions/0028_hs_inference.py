"""HS codes inferred for listings without one: the classifier's stored models and its inferences

``hs_models`` records each training run (what it learnt from, its held-out accuracy, the temperature
that calibrates its confidence); ``hs_model_classes`` and ``hs_model_terms`` hold the multinomial naive
Bayes weights, read word by word when a vendor asks for a suggestion; ``product_hs_inferences`` holds the
inferred subheading of each listing without a six-digit code, apart from the vendor's own ``hs_code``.

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hs_models",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("products", sa.BigInteger(), nullable=False),
        sa.Column("classes", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.BigInteger(), nullable=False),
        sa.Column("held_out", sa.BigInteger(), nullable=False),
        sa.Column("accuracy_6", sa.Float(), nullable=True),
        sa.Column("accuracy_4", sa.Float(), nullable=True),
        sa.Column("accuracy_2", sa.Float(), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_models")),
    )
    op.create_table(
        "hs_model_classes",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("hs_code", sa.String(length=6), nullable=False),
        sa.Column("log_prior", sa.Float(), nullable=False),
        sa.Column("log_miss", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["hs_models.id"], name=op.f("fk_hs_model_classes_model_id_hs_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", "hs_code", name=op.f("pk_hs_model_classes")),
    )
    op.create_table(
        "hs_model_terms",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("hs_code", sa.String(length=6), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["hs_models.id"], name=op.f("fk_hs_model_terms_model_id_hs_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", "term", "hs_code", name=op.f("pk_hs_model_terms")),
    )
    op.create_table(
        "product_hs_inferences",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("hs_code", sa.String(length=6), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("inferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["hs_models.id"],
                                name=op.f("fk_product_hs_inferences_model_id_hs_models"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_product_hs_inferences_product_id_products"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_hs_inferences")),
    )
    op.create_index(op.f("ix_product_hs_inferences_model_id"), "product_hs_inferences", ["model_id"])
    op.create_index("ix_product_hs_inferences_chapter", "product_hs_inferences", [sa.text("substr(hs_code, 1, 2)")])


def downgrade():
    op.drop_table("product_hs_inferences")
    op.drop_table("hs_model_terms")
    op.drop_table("hs_model_classes")
    op.drop_table("hs_models")
