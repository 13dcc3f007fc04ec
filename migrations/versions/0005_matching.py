"""matching: partial indexes for the hard filters and the HS-chapter lookup

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # "has an active product with MOQ <= quantity" per vendor, and "what does this vendor sell in
    # these HS chapters", without visiting inactive rows
    op.create_index("ix_products_active_vendor_moq", "products", ["vendor_id", "moq"],
                    postgresql_where=sa.text("status = 'active'"))
    op.create_index("ix_products_active_hs_chapter", "products", [sa.text("substr(hs_code, 1, 2)")],
                    postgresql_where=sa.text("status = 'active'"))
    op.create_index("ix_invitations_vendor_created", "invitations", ["vendor_id", "created_at"])


def downgrade():
    op.drop_index("ix_invitations_vendor_created", table_name="invitations")
    op.drop_index("ix_products_active_hs_chapter", table_name="products")
    op.drop_index("ix_products_active_vendor_moq", table_name="products")
