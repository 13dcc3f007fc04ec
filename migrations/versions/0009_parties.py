"""parties on disputes and shipments: buyer_id and vendor_id (and the dispute's currency), copied from
their deal so that each scopes its own reads

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PARTIES = ("buyer_id", "vendor_id")


def upgrade():
    for table in ("disputes", "shipments"):
        for column in PARTIES:
            op.add_column(table, sa.Column(column, sa.BigInteger(), nullable=True))
    op.add_column("disputes", sa.Column("currency", sa.String(length=3), nullable=True))
    op.execute("UPDATE disputes SET buyer_id = deals.buyer_id, vendor_id = deals.vendor_id, currency = deals.currency "
               "FROM deals WHERE deals.id = disputes.deal_id")
    op.execute("UPDATE shipments SET buyer_id = deals.buyer_id, vendor_id = deals.vendor_id "
               "FROM deals WHERE deals.id = shipments.deal_id")
    op.alter_column("disputes", "currency", nullable=False)
    for table in ("disputes", "shipments"):
        for column in PARTIES:
            op.alter_column(table, column, nullable=False)
            op.create_foreign_key(op.f(f"fk_{table}_{column}_organizations"), table, "organizations", [column], ["id"])
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade():
    for table in ("shipments", "disputes"):
        for column in reversed(PARTIES):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
            op.drop_constraint(op.f(f"fk_{table}_{column}_organizations"), table, type_="foreignkey")
            op.drop_column(table, column)
    op.drop_column("disputes", "currency")
