"""notification preferences per member

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_preferences",
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"],
                                name=op.f("fk_notification_preferences_membership_id_memberships"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("membership_id", "topic", name=op.f("uq_notification_preferences_membership_id_topic")),
    )
    op.create_index(op.f("ix_notification_preferences_membership_id"), "notification_preferences", ["membership_id"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_notification_preferences_membership_id"), table_name="notification_preferences")
    op.drop_table("notification_preferences")
