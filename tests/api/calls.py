"""Calls to the API shared by the API tests, and the app served over a real socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from zhanwu.schemas.common import Actor


async def act(api: httpx.AsyncClient, auth: Any, case_id: str, action: str, actor: Actor,
              payload: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    return await api.post(f"/api/v1/cases/{case_id}/actions/{action}", json=payload or {}, headers=auth(actor, **headers))


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app served by uvicorn on a free 127.0.0.1 port (a real socket, real headers); its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=5))  # a request still open fails, not hangs
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
