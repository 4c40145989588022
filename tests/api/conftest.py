"""The real app over ASGI, wired to the time-skipping server, a real worker and the real store (each
test on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.postgres import BACKENDS
from zhanwu.schemas.common import Actor
from zhanwu.services.api.auth import mint_token
from zhanwu.services.api.main import create_app
from zhanwu.services.store.repository import Store
from zhanwu.settings import Settings


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(task_queue: str) -> Settings:
    return Settings(task_queue=task_queue, temporal_timeout_s=30)


@pytest.fixture
async def api(settings: Settings, env: WorkflowEnvironment, store: Store, worker: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, client=env.client, store=store)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://zhanwu.test"
    ) as c:
        yield c


@pytest.fixture
def auth(settings: Settings) -> Callable[[Actor], dict[str, str]]:
    def headers(actor: Actor, **extra: str) -> dict[str, str]:
        token = mint_token(settings, actor.role, actor.region, actor.subject, timedelta(hours=1), actor.sector)
        return {"Authorization": f"Bearer {token}", **extra}

    return headers
