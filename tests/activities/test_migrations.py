"""The migrations build exactly the models' schema, and 0002 fills case_deadlines from the cases
projected before it existed (on each backend)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.models import Base
from zhanwu.services.store.repository import make_engine


async def test_migrations_match_the_models(database_url: str) -> None:
    await upgrade_async(database_url)
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await engine.dispose()
    assert diff == []


async def test_0002_backfills_open_deadlines(database_url: str) -> None:
    await upgrade_async(database_url, "0001")
    snapshot = {"deadlines": [
        {"kind": "rectification", "label": "整改期限", "label_en": "r", "due_at": "2027-01-01T00:00:00+08:00", "met": False},
        {"kind": "done", "label": "x", "label_en": "x", "due_at": "2027-02-01T00:00:00+00:00", "met": True},
    ]}
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO cases (id, programme, profile, state, region, title, snapshot, version, created_at, updated_at) "
            "VALUES ('dw-1', 'doctoral_workstation', 'jinzhong@1', 'rectifying', '140702', 't', :s, 1, "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00')").bindparams(sa.bindparam("s", type_=sa.JSON)),
            {"s": snapshot})
    await upgrade_async(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT case_id, kind, due_at FROM case_deadlines"))).all()
    await engine.dispose()
    assert [(r.case_id, r.kind, str(r.due_at)[:19]) for r in rows] == [("dw-1", "rectification", "2026-12-31 16:00:00")]
