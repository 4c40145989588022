"""case_deadlines: the open deadlines of every case, for supervision across cases (督办)

Revision ID: 0002
Revises: 0001
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "case_deadlines",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "kind", "due_at"),
    )
    op.create_index(op.f("ix_case_deadlines_due_at"), "case_deadlines", ["due_at"], unique=False)
    # the cases projected before this table existed: their open deadlines from their snapshots
    rows = []
    for case_id, snapshot in op.get_bind().execute(sa.text("SELECT id, snapshot FROM cases")):
        snap = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
        rows += [
            {"case_id": case_id, "kind": d["kind"], "label": d["label"], "label_en": d["label_en"],
             "due_at": datetime.fromisoformat(d["due_at"]).astimezone(UTC)}
            for d in snap.get("deadlines", []) if not d.get("met")
        ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_deadlines_due_at"), table_name="case_deadlines")
    op.drop_table("case_deadlines")
