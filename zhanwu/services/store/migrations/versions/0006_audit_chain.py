"""audit chain: each record's hash and its predecessors' (in the audit, in its case); the chain's head

The records written before it are chained here in their order, by ZHANWU_AUDIT_HASH's algorithm.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from zhanwu.services.store.chain import CONTENT, INSTANTS, digest
from zhanwu.services.store.models import Instant
from zhanwu.settings import Settings

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PAGE = 1000


def upgrade() -> None:
    for name in ("hash_alg", "case_prev_hash", "prev_hash", "hash"):
        op.add_column("audit", sa.Column(name, sa.String(length=16 if name == "hash_alg" else 128), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    records, last = _chain_existing(Settings().audit_hash)
    op.bulk_insert(head, [{"id": 1, "records": records, "hash": last}])
    with op.batch_alter_table("audit") as batch:
        batch.alter_column("hash_alg", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=128), nullable=False)


def _chain_existing(alg: str) -> tuple[int, str | None]:
    """Hash the existing records in id order, a page at a time; returns their count and the last hash."""
    types = {c: Instant() for c in INSTANTS} | {"rules": sa.JSON(), "payload": sa.JSON()}
    audit = sa.table("audit", sa.column("id"), *(sa.column(c, types.get(c)) for c in CONTENT),
                     *(sa.column(c) for c in ("hash_alg", "case_prev_hash", "prev_hash", "hash")))
    update = audit.update().where(audit.c.id == sa.bindparam("_id")).values(
        hash_alg=sa.bindparam("_alg"), case_prev_hash=sa.bindparam("_case_prev"), prev_hash=sa.bindparam("_prev"),
        hash=sa.bindparam("_hash"))
    conn = op.get_bind()
    count, after, prev, case_last = 0, 0, None, dict[str, str | None]()
    while rows := conn.execute(sa.select(audit).where(audit.c.id > after).order_by(audit.c.id).limit(PAGE)).mappings().all():
        changes = []
        for r in rows:
            record = dict(r) | {"hash_alg": alg, "case_prev_hash": case_last.get(r["case_id"]), "prev_hash": prev}
            record["hash"] = prev = case_last[r["case_id"]] = digest(record)
            changes.append({"_id": r["id"], "_alg": alg, "_case_prev": record["case_prev_hash"],
                            "_prev": record["prev_hash"], "_hash": record["hash"]})
        conn.execute(update, changes)
        count, after = count + len(rows), rows[-1]["id"]
    return count, prev


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("audit") as batch:
        for name in ("hash", "prev_hash", "case_prev_hash", "hash_alg"):
            batch.drop_column(name)
