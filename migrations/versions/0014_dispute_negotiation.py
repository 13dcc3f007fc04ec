"""dispute offers, deadlines, evidence requests and return shipments

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # "evidence_requested", "return_in_transit", ... are longer than the old 16 characters
    op.alter_column("disputes", "status", type_=sa.String(length=24), existing_type=sa.String(length=16),
                    existing_nullable=False)
    op.add_column("disputes", sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("disputes", sa.Column("deadline_kind", sa.String(length=32), nullable=True))
    op.add_column("disputes", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("disputes", sa.Column("return_shipment_id", sa.BigInteger(), nullable=True))
    op.add_column("disputes", sa.Column("return_received_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(op.f("fk_disputes_return_shipment_id_shipments"), "disputes", "shipments",
                          ["return_shipment_id"], ["id"])
    op.add_column("shipments", sa.Column("direction", sa.String(length=8), nullable=False, server_default="forward"))

    op.create_table(
        "dispute_offers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("proposed_by", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.Column("vendor_amount", sa.BigInteger(), nullable=False),
        sa.Column("buyer_amount", sa.BigInteger(), nullable=False),
        sa.Column("return_required", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_offers_dispute_id_disputes")),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"], name=op.f("fk_dispute_offers_proposed_by_users")),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], name=op.f("fk_dispute_offers_answered_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_offers")),
    )
    op.create_index(op.f("ix_dispute_offers_dispute_id"), "dispute_offers", ["dispute_id"])
    # at most one open offer per party and case
    op.create_index("uq_dispute_offers_open", "dispute_offers", ["dispute_id", "party"], unique=True,
                    postgresql_where=sa.text("status = 'open'"))

    op.create_table(
        "dispute_evidence_requests",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("evidence_ids", postgresql.JSONB(), nullable=False),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"],
                                name=op.f("fk_dispute_evidence_requests_dispute_id_disputes")),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"],
                                name=op.f("fk_dispute_evidence_requests_requested_by_users")),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"],
                                name=op.f("fk_dispute_evidence_requests_answered_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_evidence_requests")),
    )
    op.create_index(op.f("ix_dispute_evidence_requests_dispute_id"), "dispute_evidence_requests", ["dispute_id"])


def downgrade():
    op.drop_index(op.f("ix_dispute_evidence_requests_dispute_id"), table_name="dispute_evidence_requests")
    op.drop_table("dispute_evidence_requests")
    op.drop_index("uq_dispute_offers_open", table_name="dispute_offers")
    op.drop_index(op.f("ix_dispute_offers_dispute_id"), table_name="dispute_offers")
    op.drop_table("dispute_offers")
    op.drop_column("shipments", "direction")
    op.drop_constraint(op.f("fk_disputes_return_shipment_id_shipments"), "disputes", type_="foreignkey")
    op.drop_column("disputes", "return_received_at")
    op.drop_column("disputes", "return_shipment_id")
    op.drop_column("disputes", "escalated_at")
    op.drop_column("disputes", "deadline_kind")
    op.drop_column("disputes", "deadline_at")
    op.alter_column("disputes", "status", type_=sa.String(length=16), existing_type=sa.String(length=24),
                    existing_nullable=False)
