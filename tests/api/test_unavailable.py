"""Temporal or the database unreachable: 503 problem+json within seconds, no trace, nothing written."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import httpx

from tests.factories import DISTRICT, open_survey
from zhanwu.services.api.auth import mint_token
from zhanwu.services.api.main import create_app
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.settings import Settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _call(settings: Settings, store: Store | None, method: str, url: str, **kw) -> httpx.Response:
    app = create_app(settings, store=store)
    token = mint_token(settings, DISTRICT.role, DISTRICT.region, DISTRICT.subject, timedelta(minutes=5))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://zhanwu.test"
    ) as c:
        return await c.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw)


async def test_temporal_down_answers_503_and_writes_nothing(store: Store) -> None:
    settings = Settings(temporal_address=f"127.0.0.1:{_closed_port()}", temporal_timeout_s=3)
    started = time.monotonic()
    r = await _call(settings, store, "POST", "/api/v1/programmes/doctoral_workstation/cases", json=open_survey())
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert time.monotonic() - started < 10
    assert "Traceback" not in r.text and "127.0.0.1" not in r.text
    assert await store.count() == 0
    ready = await _call(settings, store, "GET", "/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["temporal"] == "unavailable"


async def test_database_down_answers_503(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'z.db'}")
    settings = Settings(temporal_address=f"127.0.0.1:{_closed_port()}", temporal_timeout_s=3)
    r = await _call(settings, Store(engine), "GET", "/api/v1/cases/dw-140702-2026-0001")
    assert r.status_code == 503 and "sqlite" not in r.text.lower() and "missing-dir" not in r.text
    await engine.dispose()
