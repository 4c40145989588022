"""List and filter queries on a read model of 100,000 cases, on SQLite and on PostgreSQL: p99 of each
query over HTTP through the API (`GET /api/v1/programmes/{p}/cases`), one caller at a time. Target:
p99 ≤ 50 ms on each backend. `python -m bench.queries [--cases N] [--repeat R] [--print-only]`.

The cases are written straight into the migrated store (a projection each would take hours): every one
a doctoral workstation — the worst case, since a list is a programme's — spread over ten districts of
晋中 and three years, in every state and tier, a third with a deadline (some overdue), one in a hundred
hosted by the unit whose own list is queried. PostgreSQL is a private server (`tests/postgres.py`).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, text

from bench.harness import (
    Processes,
    auth,
    call,
    credit_code,
    free_port,
    http_client,
    parser,
    percentiles,
    progress,
    verdict,
    workspace,
)
from tests.postgres import PostgresServer, find_bindir
from zhanwu.schemas.common import Actor, CaseSnapshot, CaseStart, Role
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.models import Case, CaseParty
from zhanwu.services.store.repository import make_engine
from zhanwu.settings import Settings
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

TARGET_MS = 50.0
DISTRICTS = ["140702", *(f"1407{n}" for n in range(21, 30))]
HOST = credit_code(0, "91140702MA")
CITY = Actor(subject="jinzhong-kjj", role=Role.CITY_OFFICE, region="140700")
DISTRICT = Actor(subject="yuci-kjj", role=Role.DISTRICT_OFFICE, region="140702")
UNIT = Actor(subject=HOST, role=Role.HOST_UNIT, region="140702")
QUERIES: list[tuple[str, Actor, dict[str, str]]] = [  # name, caller, query string
    ("city, first page", CITY, {}),
    ("district, first page", DISTRICT, {}),
    ("city, state=filed", CITY, {"state": "filed"}),
    ("city, region=140721", CITY, {"region": "140721"}),
    ("district, tier=demonstration", DISTRICT, {"tier": "demonstration"}),
    ("city, overdue=true", CITY, {"overdue": "true"}),
    ("city, q=企业4242 (title)", CITY, {"q": "企业4242"}),
    ("host unit, its own cases", UNIT, {}),
    ("city, limit=200", CITY, {"limit": "200"}),
]
PAGES = 5  # a cursor walk: pages 2..PAGES of the city's list


def rows(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """n case rows and their parties, from one real opened case's snapshot."""
    now = datetime.now(UTC)
    unit = {"name": "晋中某企业", "credit_code": HOST, "kind": "enterprise", "sector": "industry", "region": "140702"}
    blank = CaseSnapshot.blank(CaseStart(case_id="", programme=DW.key, profile=DW.default_profile), now)
    facts, refusal = DW.machine().check("open_survey", DISTRICT, {"unit": unit, "intention": "研发"}, now, blank)
    assert facts is not None, refusal
    template = DW.machine().apply("open_survey", facts)[0].model_dump(mode="json")
    rng, states, tiers = random.Random(7), [s.value for s in DW.states], ["basic_cultivation", "key_improvement", "demonstration"]
    cases, parties = [], []
    for i in range(n):
        created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        region, state, tier = rng.choice(DISTRICTS), rng.choice(states), rng.choice(tiers)
        cid, title = f"dw-{region}-{created.year}-{i:06d}", f"晋中某企业{i} · 博士工作站"
        due = now + timedelta(days=rng.randrange(-365, 365)) if i % 3 == 0 else None
        subject = HOST if i % 100 == 0 else f"unit-{i}"
        snapshot = template | {"id": cid, "title": title, "region": region, "state": state, "tier": tier,
                               "created_at": created.isoformat(), "updated_at": created.isoformat(),
                               "parties": {"host_unit": [subject]}}
        cases.append({"id": cid, "programme": DW.key, "profile": DW.default_profile, "state": state, "tier": tier,
                      "region": region, "sector": "industry", "title": title, "snapshot": snapshot,
                      "next_due_at": due, "version": 1, "created_at": created, "updated_at": created})
        parties.append({"case_id": cid, "role": "host_unit", "subject": subject})
    return cases, parties


async def fill(url: str, n: int) -> None:
    await upgrade_async(url)
    engine = make_engine(url)
    cases, parties = rows(n)
    async with engine.begin() as conn:
        for i in range(0, n, 2000):
            await conn.execute(insert(Case), cases[i:i + 2000])
            await conn.execute(insert(CaseParty), parties[i:i + 2000])
    async with engine.connect() as conn:  # the planner's statistics, as a database in service has them
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    await engine.dispose()


async def measure(http: aiohttp.ClientSession, settings: Settings, repeat: int) -> dict[str, tuple[float, float]]:
    async def timed(actor: Actor, params: dict[str, str]) -> tuple[float, dict[str, Any]]:
        t = asyncio.get_running_loop().time()
        page = await call(http, "GET", "/api/v1/programmes/doctoral_workstation/cases", params=params,
                          headers=auth(settings, actor))
        return asyncio.get_running_loop().time() - t, page

    names = [name for name, _, _ in QUERIES] + [f"city, pages 2-{PAGES} (cursor)"]
    figures: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        for name, actor, params in QUERIES:
            figures[name].append((await timed(actor, params))[0])
        _, page = await timed(CITY, {})
        for _ in range(PAGES - 1):
            elapsed, page = await timed(CITY, {"cursor": page["next_cursor"]})
            figures[f"city, pages 2-{PAGES} (cursor)"].append(elapsed)
    return {name: percentiles(t) for name, t in figures.items()} | {"all": percentiles(sum(figures.values(), []))}


async def backend(name: str, url: str, n: int, repeat: int, procs: Processes) -> tuple[str, float]:
    progress(f"{name}: writing {n} cases")
    await fill(url, n)
    os.environ |= {"ZHANWU_DATABASE_URL": url, "ZHANWU_API_PORT": str(free_port())}  # the API process's settings
    settings = Settings()
    procs.spawn(f"api-{name}", [sys.executable, "-m", "zhanwu.cli", "api"])
    async with http_client(settings.api_port) as http:
        await procs.ready(http, "/healthz")
        await measure(http, settings, 2)  # warm up: connections, caches
        progress(f"{name}: measuring")
        figures = await measure(http, settings, repeat)
    print(f"{name}: {n} cases, each query {repeat} times, one at a time")
    for q, (p50, p99) in figures.items():
        print(f"  {q:<36} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return name, figures["all"][1]


async def run(n: int, repeat: int, print_only: bool) -> None:
    results = []
    async with workspace({}) as (tmp, procs):
        results.append(await backend("SQLite", f"sqlite+aiosqlite:///{tmp / 'zhanwu.db'}", n, repeat, procs))
        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL: not measured (initdb not found; scripts/ensure-postgres installs it)")
        else:
            pg = PostgresServer(bindir)
            try:
                async with pg.database(migrated=True) as url:
                    results.append(await backend("PostgreSQL", url, n, repeat, procs))
                    procs.stop()
            finally:
                pg.stop()
    verdict([(f"{name} list queries p99 {p99:.1f} <= {TARGET_MS:.0f} ms", p99 <= TARGET_MS) for name, p99 in results],
            print_only)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=30, help="times each query runs (default 30)")
    args = p.parse_args()
    asyncio.run(run(args.cases, args.repeat, args.print_only))


if __name__ == "__main__":
    main()
