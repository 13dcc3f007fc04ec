"""bank statements, payouts and reconciliation reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 04:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bank_statement_imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("bank_account", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.BigInteger(), nullable=True),
        sa.Column("lines_total", sa.BigInteger(), nullable=False),
        sa.Column("lines_new", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["imported_by"], ["users.id"], name=op.f("fk_bank_statement_imports_imported_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_imports")),
    )
    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("bank_account", sa.String(length=64), nullable=False),
        sa.Column("bank_transaction_id", sa.String(length=128), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("milestone_id", sa.BigInteger(), nullable=True),
        sa.Column("deal_id", sa.BigInteger(), nullable=True),
        sa.Column("buyer_id", sa.BigInteger(), nullable=True),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("excess_amount", sa.BigInteger(), nullable=False),
        sa.Column("transfer_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("assigned_by", sa.BigInteger(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_statement_lines_amount_positive")),
        sa.CheckConstraint("excess_amount >= 0 AND applied_amount >= 0 AND applied_amount + excess_amount <= amount",
                           name=op.f("ck_bank_statement_lines_split_range")),
        sa.CheckConstraint("state IN ('matched','partial','excess','duplicate','unmatched','assigned')",
                           name=op.f("ck_bank_statement_lines_state")),
        sa.ForeignKeyConstraint(["import_id"], ["bank_statement_imports.id"], name=op.f("fk_bank_statement_lines_import_id_bank_statement_imports")),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestones.id"], name=op.f("fk_bank_statement_lines_milestone_id_milestones")),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_bank_statement_lines_deal_id_deals")),
        sa.ForeignKeyConstraint(["buyer_id"], ["organizations.id"], name=op.f("fk_bank_statement_lines_buyer_id_organizations")),
        sa.ForeignKeyConstraint(["assigned_by"], ["users.id"], name=op.f("fk_bank_statement_lines_assigned_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("bank_account", "bank_transaction_id", name=op.f("uq_bank_statement_lines_bank_account_bank_transaction_id")),
    )
    op.create_index("ix_bank_statement_lines_state", "bank_statement_lines", ["state"])
    op.create_index(op.f("ix_bank_statement_lines_import_id"), "bank_statement_lines", ["import_id"])
    op.create_index(op.f("ix_bank_statement_lines_milestone_id"), "bank_statement_lines", ["milestone_id"])
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("paid_by", sa.BigInteger(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bank_reference", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_payout_batches_created_by_users")),
        sa.ForeignKeyConstraint(["paid_by"], ["users.id"], name=op.f("fk_payout_batches_paid_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payouts_amount_positive")),
        sa.ForeignKeyConstraint(["batch_id"], ["payout_batches.id"], name=op.f("fk_payouts_batch_id_payout_batches")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_payouts_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    op.create_index(op.f("ix_payouts_batch_id"), "payouts", ["batch_id"])
    op.create_index(op.f("ix_payouts_org_id"), "payouts", ["org_id"])
    op.create_table(
        "reconciliation_reports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("mismatch_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_reports")),
    )
    op.create_table(
        "reconciliation_mismatches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("expected", sa.BigInteger(), nullable=True),
        sa.Column("actual", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reconciliation_reports.id"], ondelete="CASCADE",
                                name=op.f("fk_reconciliation_mismatches_report_id_reconciliation_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_mismatches")),
    )
    op.create_index(op.f("ix_reconciliation_mismatches_report_id"), "reconciliation_mismatches", ["report_id"])


def downgrade():
    op.drop_table("reconciliation_mismatches")
    op.drop_table("reconciliation_reports")
    op.drop_table("payouts")
    op.drop_table("payout_batches")
    op.drop_table("bank_statement_lines")
    op.drop_table("bank_statement_imports")
