"""VAT e-invoices attached to deals; the buyer organisation's tax code

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organizations", sa.Column("tax_code", sa.String(length=32), nullable=True))
    op.create_table(
        "deal_e_invoices",
        sa.Column("deal_id", sa.BigInteger(), nullable=False),
        sa.Column("xml_sha256", sa.String(length=64), nullable=False),
        sa.Column("xml_filename", sa.String(length=255), nullable=False),
        sa.Column("xml_size", sa.BigInteger(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_filename", sa.String(length=255), nullable=True),
        sa.Column("pdf_size", sa.BigInteger(), nullable=True),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("mismatches", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE",
                                name=op.f("fk_deal_e_invoices_deal_id_deals")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_deal_e_invoices_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_e_invoices")),
    )
    op.create_index(op.f("ix_deal_e_invoices_deal_id"), "deal_e_invoices", ["deal_id"])


def downgrade():
    op.drop_index(op.f("ix_deal_e_invoices_deal_id"), table_name="deal_e_invoices")
    op.drop_table("deal_e_invoices")
    op.drop_column("organizations", "tax_code")
