"""The migrations build exactly the models' schema, 0002 fills case_deadlines from the cases projected
before it existed, and 0006 chains the audit written before it (on each backend)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.activities.audit_cases import projections
from zhanwu.services.store.chain import CONTENT, INSTANTS
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.models import Base, Instant, modelled
from zhanwu.services.store.repository import Store, make_engine


async def test_migrations_match_the_models(database_url: str) -> None:
    await upgrade_async(database_url)
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(
            MigrationContext.configure(c, opts={"include_name": modelled}), Base.metadata))
    await engine.dispose()
    assert diff == []


async def test_replicas_migrating_at_once_take_turns(database_url: str) -> None:
    """Each replica's `zhanwu migrate` (an initContainer per pod) starting together on an empty store: one
    migrates, the others wait for it and find the store at head; every one exits 0."""
    env = os.environ | {"ZHANWU_DATABASE_URL": database_url}
    runs = [await asyncio.create_subprocess_exec(sys.executable, "-m", "zhanwu.cli", "migrate", env=env,
                                                 stderr=asyncio.subprocess.PIPE) for _ in range(4)]
    outcomes = [(await run.wait(), (await run.stderr.read()).decode()[-400:]) for run in runs if run.stderr]
    assert [code for code, _ in outcomes] == [0] * 4, outcomes
    await test_migrations_match_the_models(database_url)


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


async def test_0006_chains_the_records_written_before_it(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records and cases written at 0005 are chained in their order by the configured algorithm, verify,
    and the chain goes on from them."""
    await upgrade_async(database_url, "0005")
    ps = projections()
    columns = {c: Instant() for c in INSTANTS} | {"rules": sa.JSON(), "payload": sa.JSON()}
    audit = sa.table("audit", *(sa.column(c, columns.get(c)) for c in CONTENT))
    cases = sa.table("cases", *(sa.column(c, Instant() if c.endswith("_at") else sa.JSON() if c == "snapshot" else None)
                                for c in ("id", "programme", "profile", "state", "region", "title", "snapshot",
                                          "version", "created_at", "updated_at")))
    engine = make_engine(database_url)
    latest = {p.snapshot.id: p.snapshot for p in ps}
    async with engine.begin() as conn:
        await conn.execute(audit.insert(), [
            {"case_id": e.case_id, "programme": e.programme, "seq": e.seq, "at": e.at, "actor_subject": e.actor.subject,
             "actor_role": e.actor.role.value, "actor_region": e.actor.region, "action": e.action,
             "from_state": e.from_state, "to_state": e.to_state, "rules": e.rules, "payload": e.payload,
             "recorded_at": e.at + timedelta(seconds=1)} for e in (p.event for p in ps[:-1])])
        await conn.execute(cases.insert(), [
            {"id": s.id, "programme": s.programme, "profile": s.profile, "state": s.state, "region": s.region,
             "title": s.title, "snapshot": s.model_dump(mode="json"), "version": s.version - (s.id == ps[-1].snapshot.id),
             "created_at": s.created_at, "updated_at": s.updated_at} for s in latest.values()])
    monkeypatch.setenv("ZHANWU_AUDIT_HASH", "sm3")
    await upgrade_async(database_url)
    store = Store(engine)
    report = await store.verify_audit()
    assert (report.checked, report.broken) == (len(ps) - 1, None)
    assert await store.project(ps[-1])
    assert (await store.verify_audit()).checked == len(ps)
    async with engine.connect() as conn:
        algs = (await conn.execute(sa.text("SELECT hash_alg FROM audit ORDER BY id"))).scalars().all()
    await engine.dispose()
    assert algs == ["sm3"] * (len(ps) - 1) + ["sha256"]
