"""case lists: an index in the list's own order (programme, then newest first, id as the tie-break)

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_programme_created_id", "cases", ["programme", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_programme_created_id", table_name="cases")
