"""evaluations: annual evaluation rounds as decided, one per (programme, region, round)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("actor_subject", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_evaluations_region"), "evaluations", ["region"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evaluations_region"), table_name="evaluations")
    op.drop_table("evaluations")
