"""The store down (its PostgreSQL database refusing connections, its sessions cut): reads answer 503
problem+json and change nothing; an action the case accepted is applied and recorded once when the
store returns — the caller gets a delayed success, or a 503 saying it was accepted, whose retry with
the same Idempotency-Key answers it — never a 500 nor an action half applied."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from tests.postgres import PostgresServer
from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def outage(postgres: PostgresServer, store: Store) -> Callable[[], contextlib.AbstractAsyncContextManager[None]]:
    """The test's database refuses connections and its open sessions are ended, until the block exits."""
    name = store.engine.url.database

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="postgres", database="postgres")
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def down() -> AsyncIterator[None]:
        await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        try:
            yield
        finally:
            await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    return down


async def filed_case(gw: Gateway) -> str:
    case = await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)
    return (await gw.act(DW, case, "begin_cultivation", DISTRICT, {}, None, None)).id


async def seqs(store: Store, case_id: str) -> list[tuple[int, str]]:
    return [(e.seq, e.action) for e in await store.history(case_id)]


async def test_an_action_accepted_during_an_outage_is_a_delayed_success(
        env: WorkflowEnvironment, store: Store, task_queue: str, worker: object, outage) -> None:
    gw = Gateway(env.client, store, task_queue, timeout_s=2, result_timeout_s=30)
    case_id = await filed_case(gw)
    case = await store.get_case(case_id)  # read before the outage, as the API does
    assert case is not None
    async with outage():
        started = time.monotonic()
        acting = asyncio.create_task(gw.act(DW, case, "submit_filing", HOST, filing(), None, None))
        await asyncio.sleep(3)  # longer than timeout_s: once accepted, the answer is awaited longer
        assert not acting.done(), "the claim and the projection wait for the store"
    snapshot = await acting
    assert snapshot.state == "filing_submitted" and time.monotonic() - started >= 3
    assert await seqs(store, case_id) == [(1, "open_survey"), (2, "begin_cultivation"), (3, "submit_filing")]
    assert (await store.get_case(case_id)).version == snapshot.version  # type: ignore[union-attr]


async def test_an_accepted_action_answered_late_is_503_accepted_and_its_retry_answers_it(
        env: WorkflowEnvironment, store: Store, task_queue: str, worker: object, outage) -> None:
    gw = Gateway(env.client, store, task_queue, timeout_s=5, result_timeout_s=1)
    case_id = await filed_case(gw)
    case = await store.get_case(case_id)
    assert case is not None
    async with outage():
        with pytest.raises(Problem) as late:
            await gw.act(DW, case, "submit_filing", HOST, filing(), "filing-1", None)
        assert late.value.status == 503 and late.value.extra == {"accepted": True}
    again = await Gateway(env.client, store, task_queue, timeout_s=5, result_timeout_s=30).act(
        DW, case, "submit_filing", HOST, filing(), "filing-1", None)
    assert again.state == "filing_submitted"
    assert await seqs(store, case_id) == [(1, "open_survey"), (2, "begin_cultivation"), (3, "submit_filing")]


async def test_during_an_outage_reads_and_actions_answer_503_and_change_nothing(
        api: httpx.AsyncClient, auth: Callable[[Actor], dict[str, str]], env: WorkflowEnvironment, store: Store,
        outage) -> None:
    r = await api.post("/api/v1/programmes/doctoral_workstation/cases", json=open_survey(), headers=auth(DISTRICT))
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    async with outage():
        answers = [
            await api.get(f"/api/v1/cases/{case_id}", headers=auth(CITY)),
            await api.get(f"/api/v1/cases/{case_id}/history", headers=auth(CITY)),
            await api.get("/api/v1/programmes/doctoral_workstation/cases", headers=auth(CITY)),
            await api.post(f"/api/v1/cases/{case_id}/actions/begin_cultivation", json={}, headers=auth(DISTRICT)),
            await api.post("/api/v1/programmes/doctoral_workstation/cases", json=open_survey(), headers=auth(DISTRICT)),
        ]
        for a in answers:
            assert (a.status_code, a.headers["content-type"], a.headers["retry-after"]) == (
                503, "application/problem+json", "5"), a.text
            assert "Traceback" not in a.text and "asyncpg" not in a.text and "postgres" not in a.text.lower()
    assert (await env.client.get_workflow_handle(case_id).query("case", result_type=CaseSnapshot)).version == 1
    assert await seqs(store, case_id) == [(1, "open_survey")]
    assert await store.count() == 1
    after = await api.get(f"/api/v1/cases/{case_id}", headers=auth(CITY))
    assert after.status_code == 200 and after.json()["state"] == "surveyed"
