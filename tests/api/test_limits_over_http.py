"""Limits over a real socket (uvicorn on 127.0.0.1), where the middleware meets real clients: a body over
the limit is 413 before it is read in full, whether announced by Content-Length or streamed in chunks;
more requests than the rate allows are 429 with Retry-After, per token subject or, without a valid
token, per client address. Both answer at once, as problem+json."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.calls import served
from tests.factories import CITY, DISTRICT
from tests.prometheus import samples
from zhanwu.schemas.common import Actor, Role
from zhanwu.services.api import auth as auth_module
from zhanwu.services.api import limits
from zhanwu.services.api.auth import decode
from zhanwu.services.api.main import create_app
from zhanwu.services.store.repository import Store
from zhanwu.settings import Settings

MAX_BODY, RATE = 64 * 1024, 3
SCORE = "/api/v1/score-sheets/baotou-station@1/score"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # nothing here touches the store


@pytest.fixture
async def base_url(task_queue: str, env: WorkflowEnvironment, store: Store) -> AsyncIterator[str]:
    settings = Settings(task_queue=task_queue, max_body_bytes=MAX_BODY, rate_limit=RATE)
    async with served(create_app(settings, client=env.client, store=store)) as url:
        yield url


async def raw(base_url: str, head: str, body: list[bytes]) -> tuple[str, dict[str, str], bytes]:
    """Send the request head and these pieces of body, never the rest; the answer's status line, headers
    and body, as the server sends them on its own."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode())
    for piece in body:
        writer.write(piece)
        await writer.drain()
    status = (await asyncio.wait_for(reader.readline(), 5)).decode().strip()
    headers = {}
    while (line := (await reader.readline()).decode().strip()):
        k, _, v = line.partition(":")
        headers[k.lower()] = v.strip()
    content = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    writer.close()
    return status, headers, content


def head(auth: Any, **headers: str) -> str:
    lines = [f"POST {SCORE} HTTP/1.1", "Host: zhanwu.test", "Content-Type: application/json",
             f"Authorization: {auth(CITY)['Authorization']}", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


async def test_a_body_announced_over_the_limit_is_413_before_it_is_sent(base_url, auth) -> None:
    started = time.perf_counter()
    status, headers, body = await raw(base_url, head(auth, Content_Length=str(100 * MAX_BODY)), [b'{"counts": {'])
    assert status == "HTTP/1.1 413 Request Entity Too Large" and time.perf_counter() - started < 5
    assert headers["content-type"] == "application/problem+json" and headers["connection"] == "close"
    problem = json.loads(body)
    assert problem["title"] == "payload too large" and str(MAX_BODY) in problem["detail"] and problem["detail_zh"]


async def test_a_chunked_body_over_the_limit_is_413_once_it_passes_it(base_url, auth) -> None:
    chunk = b" " * 16 * 1024
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    # the body never ends: the server answers once it has read just past the limit
    status, headers, body = await raw(base_url, head(auth, Transfer_Encoding="chunked"),
                                      [b"1\r\n{\r\n", *[framed] * (MAX_BODY // len(chunk) + 1)])
    assert status.startswith("HTTP/1.1 413") and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 413


async def test_a_body_within_the_limit_is_read(base_url, auth) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # streamed, so sent chunked
        yield b'{"counts": {"commissioners_filed": 16}'
        yield b" " * (MAX_BODY - 100) + b"}"

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        r = await http.post(SCORE, content=chunks(), headers=auth(CITY) | {"Content-Type": "application/json"})
        assert r.status_code == 200 and r.json()["total"] > 0, r.text
        r = await http.post(SCORE, json={"counts": {"commissioners_filed": 16}, "pad": "x" * MAX_BODY},
                            headers=auth(CITY))
        assert r.status_code == 413  # the same through an ordinary client, which sends Content-Length


async def test_more_requests_than_the_rate_is_429_per_subject_then_per_address(base_url, auth) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        for _ in range(RATE):
            assert (await http.get("/api/v1/programmes", headers=auth(CITY))).status_code == 200
        r = await http.get("/api/v1/programmes", headers=auth(CITY))
        assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] == str(60 // RATE)  # a token every 20 s
        assert r.json()["title"] == "too many requests" and r.json()["detail_zh"]
        # the same subject under another role is the same client; another subject has its own bucket
        same = Actor(subject=CITY.subject, role=Role.DISTRICT_OFFICE, region="140702")
        assert (await http.get("/api/v1/programmes", headers=auth(same))).status_code == 429
        assert (await http.get("/api/v1/programmes", headers=auth(DISTRICT))).status_code == 200
        # without a valid token: the client's address
        for _ in range(RATE):
            assert (await http.get("/api/v1/programmes", headers={"Authorization": "Bearer x"})).status_code == 401
        assert (await http.get("/api/v1/programmes")).status_code == 429
        # probes and metrics are not API calls: never limited
        for _ in range(2 * RATE):
            assert (await http.get("/healthz")).status_code == 200
        counted = samples((await http.get("/metrics")).text, "zhanwu_access_refusals")
        assert counted[(("rule", "RATE"), ("status", "429"))] == 3


async def test_a_token_is_verified_once_per_request(base_url, auth, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rate limiter verifies the token to find its subject; authentication takes that actor as is."""
    verified: list[str] = []

    def counted(settings: Settings, token: str) -> Actor:
        verified.append(token)
        return decode(settings, token)

    monkeypatch.setattr(limits, "decode", counted)
    monkeypatch.setattr(auth_module, "decode", counted)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        assert (await http.get("/api/v1/programmes", headers=auth(DISTRICT))).status_code == 200
    assert len(verified) == 1


def test_the_token_bucket_refills_at_the_rate() -> None:
    from zhanwu.services.api.limits import RateLimit

    limiter = RateLimit(lambda *_: None, Settings(_env_file=None, rate_limit=60), None)  # type: ignore[arg-type, call-arg]
    assert [limiter.take("a", 0.0) for _ in range(60)] == [0] * 60  # a minute's worth at once
    assert limiter.take("a", 0.0) == 1 and limiter.take("b", 0.0) == 0
    assert limiter.take("a", 0.5) == 1 and limiter.take("a", 1.0) == 0  # then one a second
    assert limiter.take("a", 1.0) == 1
