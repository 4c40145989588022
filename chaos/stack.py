"""The processes a scenario runs and breaks: the Temporal dev server (SQLite file), `zhanwu worker`s and
`zhanwu api`, each started as `make run` starts it, on free 127.0.0.1 ports, in a temp directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from temporalio.client import Client

from zhanwu.cli import _temporal_binary
from zhanwu.schemas.common import Actor
from zhanwu.services.api.auth import mint_token
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import connect
from zhanwu.settings import Settings

READY_S = 120


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Stack:
    """Starts and stops its processes by their ids; `close()` ends whatever is left and removes the
    directory (kept, with the processes' logs, when `keep`)."""

    def __init__(self, database_url: str = "") -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="zhanwu-chaos-"))
        temporal_port, api_port = free_ports(2)
        self.settings = Settings(
            var_dir=self.tmp, database_url=database_url, temporal_address=f"127.0.0.1:{temporal_port}",
            api_host="127.0.0.1", api_port=api_port, task_queue="chaos", worker_metrics_address="",
            jwt_secret=f"chaos-{uuid.uuid4().hex}",
        )
        self.base_url = f"http://127.0.0.1:{api_port}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANWU_")} | {
            "ZHANWU_VAR_DIR": str(self.tmp), "ZHANWU_DATABASE_URL": self.settings.db_url,
            "ZHANWU_TEMPORAL_ADDRESS": self.settings.temporal_address, "ZHANWU_TASK_QUEUE": "chaos",
            "ZHANWU_API_HOST": "127.0.0.1", "ZHANWU_API_PORT": str(api_port), "ZHANWU_WORKER_METRICS_ADDRESS": "",
            "ZHANWU_RATE_LIMIT": "0", "ZHANWU_JWT_SECRET": self.settings.jwt_secret, "ZHANWU_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1",
        }

    # --- processes -------------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str]) -> None:
        with (self.tmp / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(argv, env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)

    def zhanwu(self, name: str, command: str) -> None:
        self.spawn(name, [sys.executable, "-m", "zhanwu.cli", command])

    def run(self, command: str) -> None:
        """A one-shot `zhanwu` command (migrate, namespace), which must succeed."""
        with (self.tmp / f"{command}.log").open("ab") as log:
            subprocess.run([sys.executable, "-m", "zhanwu.cli", command], env=self.env, cwd=self.tmp, stdout=log,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=True, timeout=READY_S)

    def start_temporal(self) -> None:
        host, port = self.settings.temporal_address.rsplit(":", 1)
        self.spawn("temporal", [
            _temporal_binary(), "server", "start-dev", "--headless", "--db-filename", str(self.tmp / "temporal.db"),
            "--ip", host, "--port", port, "--log-level", "error",
            "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
            "--dynamic-config-value", "history.transferProcessorMaxPollRPS=10000",
        ])

    def stop(self, name: str, sig: signal.Signals = signal.SIGTERM, timeout_s: float = 30) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    async def up(self, workers: int) -> None:
        """Temporal, the schema, the namespace, the workers and the API; returns once /readyz is 200."""
        self.start_temporal()
        self.run("migrate")
        self.run("namespace")  # waits for Temporal, registers the search attributes
        for i in range(workers):
            self.zhanwu(f"worker-{i}", "worker")
        self.zhanwu("api", "api")
        await self.ready()

    async def ready(self, timeout_s: float = READY_S) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as http:
            while time.monotonic() < deadline:
                dead = [n for n, p in self.procs.items() if p.poll() is not None]
                if dead:
                    raise RuntimeError(f"{dead} exited; logs in {self.tmp}")
                with contextlib.suppress(httpx.TransportError):
                    r = await http.get("/readyz")
                    if r.status_code == 200:
                        return
                    last = r.text
                await asyncio.sleep(0.25)
        raise RuntimeError(f"not ready within {timeout_s}s: {last}; logs in {self.tmp}")

    def close(self, keep: bool = False) -> None:
        for name in list(self.procs):
            self.stop(name, timeout_s=20)
        if keep:
            print(f"logs and state kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- clients ---------------------------------------------------------------------------------
    def token(self, actor: Actor) -> str:
        return mint_token(self.settings, actor.role, actor.region, actor.subject, timedelta(hours=4), actor.sector)

    async def temporal(self) -> Client:
        deadline = time.monotonic() + READY_S
        while True:
            try:
                return await connect(self.settings)
            except RuntimeError:  # the server is (re)starting
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    def store(self) -> Store:
        return Store(make_engine(self.settings.db_url))
