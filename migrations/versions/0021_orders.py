"""catalog orders and stock reservations; deals without an RFQ

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cart_items",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_cart_items_quantity_positive")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_cart_items_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_cart_items_product_id_products"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_cart_items_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_items")),
        sa.UniqueConstraint("org_id", "user_id", "product_id", name=op.f("uq_cart_items_org_id_user_id_product_id")),
    )
    op.create_index(op.f("ix_cart_items_user_id"), "cart_items", ["user_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("placed_by", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("freight", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("delivery_region", sa.String(length=8), nullable=True),
        sa.Column("delivery_address", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total = subtotal + freight", name=op.f("ck_orders_total")),
        sa.ForeignKeyConstraint(["buyer_id"], ["organizations.id"], name=op.f("fk_orders_buyer_id_organizations")),
        sa.ForeignKeyConstraint(["placed_by"], ["users.id"], name=op.f("fk_orders_placed_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor_profiles.id"], name=op.f("fk_orders_vendor_id_vendor_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_buyer_id"), "orders", ["buyer_id"], unique=False)
    op.create_index(op.f("ix_orders_vendor_id"), "orders", ["vendor_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("price_source", sa.String(length=16), nullable=False),
        sa.Column("price_list_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["price_list_id"], ["price_lists.id"],
                                name=op.f("fk_order_lines_price_list_id_price_lists"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"], unique=False)
    op.create_table(
        "stock_reservations",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_stock_reservations_quantity_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_stock_reservations_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_reservations_product_id_products"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservations")),
    )
    op.create_index(op.f("ix_stock_reservations_order_id"), "stock_reservations", ["order_id"], unique=False)
    op.create_index("ix_stock_reservations_held", "stock_reservations", ["product_id"], unique=False,
                    postgresql_where=sa.text("status = 'held'"))

    # deals made without an RFQ: from a catalog order (or, later, a contract's call-off)
    op.alter_column("deals", "rfq_id", existing_type=sa.BigInteger(), nullable=True)
    op.alter_column("deals", "quote_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column("deals", sa.Column("order_id", sa.BigInteger(), nullable=True))
    op.add_column("deals", sa.Column("source", sa.String(length=16), server_default="rfq", nullable=False))
    op.create_index(op.f("ix_deals_order_id"), "deals", ["order_id"], unique=False)
    op.create_foreign_key(op.f("fk_deals_order_id_orders"), "deals", "orders", ["order_id"], ["id"])
    op.alter_column("deal_lines", "rfq_line_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column("deal_lines", sa.Column("product_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f("fk_deal_lines_product_id_products"), "deal_lines", "products", ["product_id"], ["id"])


def downgrade():
    op.drop_constraint(op.f("fk_deal_lines_product_id_products"), "deal_lines", type_="foreignkey")
    op.drop_column("deal_lines", "product_id")
    op.alter_column("deal_lines", "rfq_line_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_constraint(op.f("fk_deals_order_id_orders"), "deals", type_="foreignkey")
    op.drop_index(op.f("ix_deals_order_id"), table_name="deals")
    op.drop_column("deals", "source")
    op.drop_column("deals", "order_id")
    op.alter_column("deals", "quote_id", existing_type=sa.BigInteger(), nullable=False)
    op.alter_column("deals", "rfq_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index("ix_stock_reservations_held", table_name="stock_reservations")
    op.drop_index(op.f("ix_stock_reservations_order_id"), table_name="stock_reservations")
    op.drop_table("stock_reservations")
    op.drop_index(op.f("ix_order_lines_order_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_index(op.f("ix_orders_vendor_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_buyer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_cart_items_user_id"), table_name="cart_items")
    op.drop_table("cart_items")
