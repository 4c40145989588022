"""The migrations build exactly the models' schema, and 0002 fills case_deadlines from the cases
projected before it existed."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from zhanwu.services.store.migrate import upgrade
from zhanwu.services.store.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_0002_backfills_open_deadlines(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0001")
    snapshot = {"deadlines": [
        {"kind": "rectification", "label": "整改期限", "label_en": "r", "due_at": "2027-01-01T00:00:00+08:00", "met": False},
        {"kind": "done", "label": "x", "label_en": "x", "due_at": "2027-02-01T00:00:00+00:00", "met": True},
    ]}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (id, programme, profile, state, region, title, snapshot, version, created_at, updated_at) "
            "VALUES ('dw-1', 'doctoral_workstation', 'jinzhong@1', 'rectifying', '140702', 't', :s, 1, "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"), {"s": json.dumps(snapshot)})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT case_id, kind, due_at FROM case_deadlines")).all()
    assert [(r.case_id, r.kind, str(r.due_at)[:19]) for r in rows] == [("dw-1", "rectification", "2026-12-31 16:00:00")]
