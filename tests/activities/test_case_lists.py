"""Case lists in the store. A party's own list: the cases naming it, and its region's naming no party of
its role, as `Scope.covers` says. Title search (`q=`) through the trigram index of migration 0009
(SQLite: FTS5 `case_titles`, kept by triggers; PostgreSQL: pg_trgm on cases.title): substrings in
Chinese, ASCII in any case, mixed, one or two characters (no trigram: a scan), wildcards taken
literally, the case id; a common word (more hits than the index is asked for: the list's walk) answers
the same; the index follows the projections; 0009 fills it for the cases already there; and without
pg_trgm a search still answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command

from tests.postgres import PostgresServer
from zhanwu.schemas.common import Actor, AuditEvent, CaseSnapshot, Projection, Role
from zhanwu.services.store import repository
from zhanwu.services.store.migrate import alembic_config, upgrade_async
from zhanwu.services.store.repository import CaseFilter, Store, make_engine
from zhanwu.workflows.common.lifecycle import Scope

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CITY = Actor(subject="c", role=Role.CITY_OFFICE, region="140700")
TITLES = {
    "dw-140702-2026-0001": "晋中某企业 · 博士工作站",
    "dw-140702-2026-0002": "Shanxi ABC Tech 山西",
    "dw-140702-2026-0003": "太原某研究院",
    "dw-140702-2026-0004": "达标率100%的企业",
    "dw-140702-2026-0005": "达标率1000家",
}
SEARCHES = {  # q: the cases it finds, newest first
    "某企业": ["0001"],
    "企业": ["0004", "0001"],
    "某": ["0003", "0001"],
    "山西": ["0002"],
    "abc tech": ["0002"],
    "ABC TECH": ["0002"],
    "c T": ["0002"],
    "tech 山": ["0002"],
    "业 · 博": ["0001"],
    "0%": ["0004"],  # % is a character, not a wildcard
    "10_0": [],
    "研究院x": [],
    "dw-140702-2026-0003": ["0003"],  # the id
}


def projection(case_id: str, title: str, seq: int = 1, region: str = "140702",
               parties: dict[str, list[str]] | None = None) -> Projection:
    n = int(case_id[-4:])
    snap = CaseSnapshot(id=case_id, programme="doctoral_workstation", profile="jinzhong@1", state="surveyed",
                        region=region, title=title, version=seq, created_at=T0 + timedelta(hours=n),
                        updated_at=T0 + timedelta(hours=n + seq), parties=parties or {})
    event = AuditEvent(case_id=case_id, programme=snap.programme, seq=seq, at=snap.updated_at, actor=CITY,
                       action=f"a{seq}", from_state=None, to_state="surveyed")
    return Projection(snapshot=snap, event=event)


async def found(store: Store, q: str | None, actor: Actor = CITY) -> list[str]:
    items, _ = await store.list_cases(CaseFilter("doctoral_workstation", q=q), Scope.of(actor), T0, 50, None)
    return [c.id[-4:] for c in items]


async def test_a_party_lists_the_cases_naming_it_and_its_regions_naming_none(store: Store) -> None:
    unit, other = "91140702MA0000000Y", "91140702MA0000001W"
    cases = {  # id: (region, parties)
        "0001": ("140702", {"host_unit": [unit]}),
        "0002": ("140721", {"host_unit": [other, unit]}),  # elsewhere, but names it
        "0003": ("140702", {"host_unit": [other]}),  # its region, another unit's
        "0004": ("140702", {}),  # its region, no unit yet
        "0005": ("140702", {"lead_doctor": ["p-1"]}),  # no unit, another role's party
        "0006": ("140721", {}),  # elsewhere, no unit
    }
    for n, (region, parties) in cases.items():
        await store.project(projection(f"dw-{region}-2026-{n}", "某公司", region=region, parties=parties))
    host = Actor(subject=unit, role=Role.HOST_UNIT, region="140702")
    expected = ["0005", "0004", "0002", "0001"]
    assert await found(store, None, host) == expected
    snapshots = [await store.get_case(f"dw-{region}-2026-{n}") for n, (region, _) in cases.items()]
    assert sorted(s.id[-4:] for s in snapshots if s and Scope.of(host).covers(s)) == sorted(expected)


@pytest.mark.parametrize("hits", [repository.TITLE_HITS, 1], ids=["index", "common-word"])
async def test_title_search_finds_substrings(store: Store, hits: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "TITLE_HITS", hits)
    for case_id, title in TITLES.items():
        await store.project(projection(case_id, title))
    assert {q: await found(store, q) for q in SEARCHES} == SEARCHES


async def test_the_index_follows_the_projections(store: Store) -> None:
    """A title changed by a newer snapshot is found by its new words only; a new case at once."""
    await store.project(projection("dw-140702-2026-0001", "晋中某企业"))
    assert await found(store, "某企业") == ["0001"]
    await store.project(projection("dw-140702-2026-0001", "榆次新材料公司", seq=2))
    assert (await found(store, "某企业"), await found(store, "新材料")) == ([], ["0001"])
    await store.project(projection("dw-140702-2026-0002", "太谷新材料研究所"))
    assert await found(store, "新材料") == ["0002", "0001"]
    await store.project(projection("dw-140702-2026-0002", "太谷新材料研究所", seq=2))  # same title: one hit still
    assert await found(store, "新材料") == ["0002", "0001"]


async def test_0009_indexes_the_cases_already_there(database_url: str, backend: str) -> None:
    """Cases written at 0008 are found through the index 0009 builds; down and up again, still."""
    await upgrade_async(database_url, "0008")
    engine = make_engine(database_url)
    store = Store(engine)
    for case_id, title in TITLES.items():
        await store.project(projection(case_id, title))
    await upgrade_async(database_url)
    assert {q: await found(store, q) for q in SEARCHES} == SEARCHES
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0008")
    await upgrade_async(database_url)
    assert await found(store, "abc tech") == ["0002"]
    async with engine.connect() as conn:
        if backend == "postgresql":  # the index serves the search's clause (forced: four rows would rather be scanned)
            await conn.execute(sa.text("SET enable_seqscan = off"))
            plan = (await conn.execute(sa.text("EXPLAIN SELECT id FROM cases WHERE title ILIKE '%abc tech%'"))).scalars()
            assert "ix_cases_title_trgm" in " ".join(plan)
        else:
            rows = (await conn.execute(sa.text("SELECT case_id FROM case_titles WHERE title LIKE '%某企业%'"))).scalars()
            assert rows.all() == ["dw-140702-2026-0001"]
    await engine.dispose()



async def test_without_pg_trgm_searches_still_answer(postgres: PostgresServer) -> None:
    """An owner that may not create pg_trgm (no CREATE on the database): 0009 warns and leaves the index
    out, and a search answers the same, by a scan."""
    async with postgres.database(migrated=False) as url:
        database = url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="postgres", database=database)
        await admin.execute("DO $$ BEGIN CREATE ROLE zhanwu_owner LOGIN; "
                            "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        await admin.execute(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC, zhanwu_owner; '
                            "GRANT CREATE, USAGE ON SCHEMA public TO zhanwu_owner")
        await admin.close()
        owned = url.replace("//postgres@", "//zhanwu_owner@")
        with pytest.warns(UserWarning, match="pg_trgm could not be created"):
            await upgrade_async(owned)
        engine = make_engine(owned)
        store = Store(engine)
        for case_id, title in TITLES.items():
            await store.project(projection(case_id, title))
        assert {q: await found(store, q) for q in SEARCHES} == SEARCHES
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE indexname = 'ix_cases_title_trgm'"))
                    ).first() is None
        await engine.dispose()
