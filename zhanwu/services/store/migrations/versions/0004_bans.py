"""bans: the live bans cases imposed (a false-information ban, a year not eligible), checked across cases

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bans",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("ban", sa.JSON(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "subject", "rule"),
    )
    op.create_index(op.f("ix_bans_subject"), "bans", ["subject"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bans_subject"), table_name="bans")
    op.drop_table("bans")
