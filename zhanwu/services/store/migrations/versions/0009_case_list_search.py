"""case lists: a trigram index on the cases' titles, so `q=` (title contains) reads an index, not every case;
and the region in the lists' index, so a party's or a district's list tells the region without reading the row

PostgreSQL: a GIN index of pg_trgm on title, which serves the query's `title ILIKE '%…%'` (`icontains`).
pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database's owner may create it. Where it cannot be
created (not installed, no privilege), the index is left out with a warning: titles are still searched,
by a scan (deploy/README.md says how to add it later).
SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34) holding each case's id and title, kept
in step with `cases` by triggers; the store narrows a search to the ids it finds there.

Revision ID: 0009
Revises: 0008
"""

import sqlite3
import warnings

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PG_INDEX = "CREATE INDEX ix_cases_title_trgm ON cases USING gin (title gin_trgm_ops)"
SQLITE = [
    # its own copy of each title (not external content: that keys on cases' implicit rowid, which VACUUM may renumber)
    "CREATE VIRTUAL TABLE case_titles USING fts5(case_id UNINDEXED, title, tokenize='trigram')",
    "INSERT INTO case_titles (case_id, title) SELECT id, title FROM cases",
    "CREATE TRIGGER case_titles_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO case_titles (case_id, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER case_titles_update AFTER UPDATE OF id, title ON cases "
    "WHEN old.id IS NOT new.id OR old.title IS NOT new.title BEGIN "
    "UPDATE case_titles SET case_id = new.id, title = new.title WHERE case_id = old.id; END",
    "CREATE TRIGGER case_titles_delete AFTER DELETE ON cases BEGIN "
    "DELETE FROM case_titles WHERE case_id = old.id; END",
]


def upgrade() -> None:
    op.create_index("ix_cases_programme_created_id_region", "cases", ["programme", "created_at", "id", "region"])
    op.drop_index("ix_cases_programme_created_id", table_name="cases")
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError as e:
            warnings.warn(f"pg_trgm could not be created ({e.orig}): title search scans the cases. As a superuser: "
                          f"CREATE EXTENSION pg_trgm; then as the owner: {PG_INDEX}", stacklevel=1)
            return
        op.execute(PG_INDEX)
    else:
        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(f"title search needs SQLite ≥ 3.34 (FTS5 trigram), this is {sqlite3.sqlite_version}")
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    op.create_index("ix_cases_programme_created_id", "cases", ["programme", "created_at", "id"])
    op.drop_index("ix_cases_programme_created_id_region", table_name="cases")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_title_trgm")  # the extension stays: others may use it
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER case_titles_{trigger}")
        op.execute("DROP TABLE case_titles")
