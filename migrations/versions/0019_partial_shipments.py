"""shipments: booking reference, polling fallback, lines per shipment, proof of delivery

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("shipments", sa.Column("reference", sa.String(length=64), nullable=True))
    op.create_unique_constraint(op.f("uq_shipments_reference"), "shipments", ["reference"])
    op.add_column("shipments", sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("shipments", sa.Column("poll_failures", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index(op.f("ix_shipments_next_poll_at"), "shipments", ["next_poll_at"])
    op.create_table(
        "shipment_lines",
        sa.Column("shipment_id", sa.BigInteger(), nullable=False),
        sa.Column("deal_line_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("delivered_quantity", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipment_lines_quantity_positive")),
        sa.CheckConstraint("delivered_quantity IS NULL OR delivered_quantity BETWEEN 0 AND quantity",
                           name=op.f("ck_shipment_lines_delivered_within_shipped")),
        sa.ForeignKeyConstraint(["deal_line_id"], ["deal_lines.id"], name=op.f("fk_shipment_lines_deal_line_id_deal_lines")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], ondelete="CASCADE",
                                name=op.f("fk_shipment_lines_shipment_id_shipments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
        sa.UniqueConstraint("shipment_id", "deal_line_id", name=op.f("uq_shipment_lines_shipment_id_deal_line_id")),
    )
    op.create_index(op.f("ix_shipment_lines_shipment_id"), "shipment_lines", ["shipment_id"])
    op.create_index(op.f("ix_shipment_lines_deal_line_id"), "shipment_lines", ["deal_line_id"])
    # shipments booked before this revision carried the whole deal: give each forward one its deal's lines
    op.execute("""
        INSERT INTO shipment_lines (shipment_id, deal_line_id, quantity)
        SELECT s.id, l.id, l.quantity FROM shipments s JOIN deal_lines l ON l.deal_id = s.deal_id
        WHERE s.direction = 'forward' AND l.quantity > 0
          AND s.id = (SELECT min(f.id) FROM shipments f WHERE f.deal_id = s.deal_id AND f.direction = 'forward')
    """)
    op.create_table(
        "delivery_proofs",
        sa.Column("shipment_id", sa.BigInteger(), nullable=False),
        sa.Column("receiver_name", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("image_type", sa.String(length=64), nullable=False),
        sa.Column("image_bytes", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["users.id"],
                                name=op.f("fk_delivery_proofs_recorded_by_user_id_users")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], ondelete="CASCADE",
                                name=op.f("fk_delivery_proofs_shipment_id_shipments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_proofs")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_delivery_proofs_shipment_id")),
    )


def downgrade():
    op.drop_table("delivery_proofs")
    op.drop_index(op.f("ix_shipment_lines_deal_line_id"), table_name="shipment_lines")
    op.drop_index(op.f("ix_shipment_lines_shipment_id"), table_name="shipment_lines")
    op.drop_table("shipment_lines")
    op.drop_index(op.f("ix_shipments_next_poll_at"), table_name="shipments")
    op.drop_column("shipments", "poll_failures")
    op.drop_column("shipments", "next_poll_at")
    op.drop_constraint(op.f("uq_shipments_reference"), "shipments", type_="unique")
    op.drop_column("shipments", "reference")
