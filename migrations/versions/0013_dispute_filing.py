"""disputes filed by either party, scoped to lines, with evidence

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

APPEND_ONLY = """
-- Evidence is immutable: what a party showed stays exactly as it was shown (new evidence is a new row).
CREATE FUNCTION dispute_evidence_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dispute_evidence is append-only: % refused', TG_OP;
END $$;

CREATE TRIGGER dispute_evidence_append_only BEFORE UPDATE OR DELETE ON dispute_evidence
    FOR EACH ROW EXECUTE FUNCTION dispute_evidence_refuse_change();
"""


def upgrade():
    op.add_column("disputes", sa.Column("opened_by_party", sa.String(length=8), nullable=False,
                                        server_default="buyer"))
    op.alter_column("disputes", "opened_by_party", server_default=None)
    op.add_column("disputes", sa.Column("requested_outcome", sa.String(length=24), nullable=True))
    op.add_column("disputes", sa.Column("claimed_amount", sa.BigInteger(), nullable=False, server_default="0"))
    op.alter_column("disputes", "claimed_amount", server_default=None)
    op.add_column("disputes", sa.Column("scope", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                        server_default="[]"))
    op.alter_column("disputes", "scope", server_default=None)
    op.add_column("disputes", sa.Column("assignee_id", sa.BigInteger(), nullable=True))
    op.add_column("disputes", sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(op.f("fk_disputes_assignee_id_users"), "disputes", "users", ["assignee_id"], ["id"])
    op.create_index(op.f("ix_disputes_assignee_id"), "disputes", ["assignee_id"], unique=False)
    # cases opened before line scoping claimed what the deal held when they were opened: the deal's total
    op.execute("UPDATE disputes SET claimed_amount = deals.total FROM deals WHERE deals.id = disputes.deal_id")

    op.create_table(
        "dispute_evidence",
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=True),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("added_by_org_id", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_dispute_evidence_added_by_users")),
        sa.ForeignKeyConstraint(["added_by_org_id"], ["organizations.id"],
                                name=op.f("fk_dispute_evidence_added_by_org_id_organizations")),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_evidence_dispute_id_disputes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_evidence")),
    )
    op.create_index(op.f("ix_dispute_evidence_dispute_id"), "dispute_evidence", ["dispute_id"], unique=False)
    op.create_index(op.f("ix_dispute_evidence_sha256"), "dispute_evidence", ["sha256"], unique=False)
    op.execute(APPEND_ONLY)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS dispute_evidence_append_only ON dispute_evidence")
    op.execute("DROP FUNCTION IF EXISTS dispute_evidence_refuse_change()")
    op.drop_index(op.f("ix_dispute_evidence_sha256"), table_name="dispute_evidence")
    op.drop_index(op.f("ix_dispute_evidence_dispute_id"), table_name="dispute_evidence")
    op.drop_table("dispute_evidence")
    op.drop_index(op.f("ix_disputes_assignee_id"), table_name="disputes")
    op.drop_constraint(op.f("fk_disputes_assignee_id_users"), "disputes", type_="foreignkey")
    op.drop_column("disputes", "assigned_at")
    op.drop_column("disputes", "assignee_id")
    op.drop_column("disputes", "scope")
    op.drop_column("disputes", "claimed_amount")
    op.drop_column("disputes", "requested_outcome")
    op.drop_column("disputes", "opened_by_party")
