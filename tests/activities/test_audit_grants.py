"""On PostgreSQL the application's role, granted as deploy/grants.sql says, writes cases and audit
records but may never update, delete or truncate the audit."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from tests.activities.audit_cases import write
from tests.postgres import PostgresServer
from zhanwu.services.store.repository import Store, make_engine

GRANTS = Path(__file__).parents[2] / "deploy" / "grants.sql"


async def test_the_app_role_inserts_but_never_changes_the_audit(postgres: PostgresServer) -> None:
    async with postgres.database(migrated=True) as url:
        database = url.rsplit("/", 1)[1]
        owner = await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="postgres", database=database)
        await owner.execute("DO $$ BEGIN CREATE ROLE zhanwu_app LOGIN; "
                            "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        await owner.execute(GRANTS.read_text())
        await owner.close()
        engine = make_engine(url.replace("//postgres@", "//zhanwu_app@"))
        store = Store(engine)
        n = await write(store)  # projections: cases, parties, deadlines, the audit and its head
        app = await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="zhanwu_app", database=database)
        try:
            for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit", "TRUNCATE audit",
                              "DELETE FROM audit_head", "TRUNCATE audit_head", "DROP TABLE audit"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await app.execute(statement)
        finally:
            await app.close()
        report = await store.verify_audit()
        await engine.dispose()
        assert (report.checked, report.broken) == (n, None)
