"""catalog: vendor documents, richer profiles, categories, negotiated price lists, bulk imports

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("vendor_profiles", sa.Column("addresses", postgresql.JSONB(), server_default="[]", nullable=False))
    op.add_column("vendor_profiles", sa.Column("category_ids", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False))
    op.add_column("vendor_profiles", sa.Column("payout_account", postgresql.JSONB(), nullable=True))
    op.add_column("vendor_profiles", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_vendor_profiles_category_ids", "vendor_profiles", ["category_ids"], postgresql_using="gin")
    op.create_index("ix_vendor_profiles_regions", "vendor_profiles", ["regions"], postgresql_using="gin")

    op.create_table(
        "vendor_documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], name=op.f("fk_vendor_documents_vendor_id_vendor_profiles"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_documents")),
    )
    op.create_index(op.f("ix_vendor_documents_vendor_id"), "vendor_documents", ["vendor_id"])
    op.create_index(op.f("ix_vendor_documents_sha256"), "vendor_documents", ["sha256"])

    op.create_table(
        "categories",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=True),
        sa.Column("hs_code", sa.String(10), nullable=True),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_index(op.f("ix_categories_parent_id"), "categories", ["parent_id"])
    op.create_index("ix_categories_path", "categories", ["path"], postgresql_ops={"path": "text_pattern_ops"})

    op.create_foreign_key(op.f("fk_products_category_id_categories"), "products", "categories", ["category_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index(op.f("ix_products_category_id"), "products", ["category_id"])
    op.create_index("ix_products_created_id", "products", ["created_at", "id"])
    op.add_column("products", sa.Column("last_import_id", sa.BigInteger(), nullable=True))
    op.add_column("products", sa.Column("last_import_row", sa.BigInteger(), nullable=True))

    op.create_table(
        "price_lists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_org_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name=op.f("ck_price_lists_period")),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], name=op.f("fk_price_lists_vendor_id_vendor_profiles"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["buyer_org_id"], ["organizations.id"], name=op.f("fk_price_lists_buyer_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
    )
    op.create_index("ix_price_lists_pair", "price_lists", ["vendor_id", "buyer_org_id"])
    op.create_index(op.f("ix_price_lists_buyer_org_id"), "price_lists", ["buyer_org_id"])
    op.create_table(
        "price_list_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("price_list_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("min_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_price_list_items_price")),
        sa.CheckConstraint("min_qty >= 1", name=op.f("ck_price_list_items_min_qty")),
        sa.ForeignKeyConstraint(["price_list_id"], ["price_lists.id"], name=op.f("fk_price_list_items_price_list_id_price_lists"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_price_list_items_product_id_products"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_list_items")),
        sa.UniqueConstraint("price_list_id", "product_id", "min_qty", name=op.f("uq_price_list_items_price_list_id_product_id_min_qty")),
    )
    op.create_index(op.f("ix_price_list_items_product_id"), "price_list_items", ["product_id"])

    op.create_table(
        "product_imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.BigInteger(), nullable=True),
        sa.Column("rows_done", sa.BigInteger(), nullable=False),
        sa.Column("created_count", sa.BigInteger(), nullable=False),
        sa.Column("updated_count", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], name=op.f("fk_product_imports_vendor_id_vendor_profiles"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_imports")),
    )
    op.create_index(op.f("ix_product_imports_vendor_id"), "product_imports", ["vendor_id"])
    op.create_table(
        "product_import_errors",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["product_imports.id"], name=op.f("fk_product_import_errors_import_id_product_imports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_import_errors")),
    )
    op.create_index("ix_product_import_errors_import", "product_import_errors", ["import_id", "row_number"])


def downgrade():
    op.drop_table("product_import_errors")
    op.drop_table("product_imports")
    op.drop_table("price_list_items")
    op.drop_table("price_lists")
    op.drop_column("products", "last_import_row")
    op.drop_column("products", "last_import_id")
    op.drop_index("ix_products_created_id", table_name="products")
    op.drop_index(op.f("ix_products_category_id"), table_name="products")
    op.drop_constraint(op.f("fk_products_category_id_categories"), "products", type_="foreignkey")
    op.drop_table("categories")
    op.drop_table("vendor_documents")
    op.drop_index("ix_vendor_profiles_regions", table_name="vendor_profiles")
    op.drop_index("ix_vendor_profiles_category_ids", table_name="vendor_profiles")
    for column in ("submitted_at", "payout_account", "category_ids", "addresses"):
        op.drop_column("vendor_profiles", column)
