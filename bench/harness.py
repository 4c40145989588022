"""What the benchmarks start and measure with. `stack()` brings up, on 127.0.0.1 in a temp dir: a
Temporal dev server on a free port (its SQLite file, `zhanwu dev`'s settings), the store (SQLite,
migrated), Zhanwu's worker and API (uvicorn) as their own processes, as `zhanwu dev` runs them, and
the raw baseline's worker (`bench.raw`); everything is stopped and removed on the way out."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from zhanwu.cli import prepare_temporal, temporal_dev_server
from zhanwu.schemas.common import Actor
from zhanwu.services.api.auth import mint_token
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.workers.main import connect
from zhanwu.settings import Settings

CONCURRENCY = 50  # callers in flight, for Zhanwu and for the baseline alike
RAW_QUEUE = "bench-raw"


def raw_start(workflow_id: str) -> WithStartWorkflowOperation[Any, Any]:
    """The raw side of opening: a `bench_raw` workflow, started with its first update (update-with-start)."""
    return WithStartWorkflowOperation("bench_raw", id=workflow_id, task_queue=RAW_QUEUE,
                                      id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)


_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(n: int, prefix: str = "91150203MA") -> str:
    """The n-th valid unified social credit code (GB 32100 check character) under `prefix`."""
    body = f"{prefix}{n:07d}"
    total = sum(_CHARS.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHARS[(31 - total % 31) % 31]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    settings: Settings
    client: Client  # Zhanwu's client (its data converter), for setup and inspection
    raw: Client  # a plain client, for the baseline
    http: aiohttp.ClientSession  # to the API
    procs: Processes  # what the stack started; a bench may start more

    def auth(self, actor: Actor) -> dict[str, str]:
        return auth(self.settings, actor)


def auth(settings: Settings, actor: Actor) -> dict[str, str]:
    """The Authorization header of a token for `actor`, minted once: a caller does not sign each request."""
    key = (actor.subject, actor.role, actor.region, actor.sector)
    if key not in _TOKENS:
        token = mint_token(settings, actor.role, actor.region, actor.subject, timedelta(hours=2), actor.sector)
        _TOKENS[key] = {"Authorization": f"Bearer {token}"}
    return _TOKENS[key]


_TOKENS: dict[tuple[object, ...], dict[str, str]] = {}


async def call(http: aiohttp.ClientSession, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
    """One request; its JSON answer, or exit naming the answer when it is not `expect`."""
    async with http.request(method, path, **kw) as r:
        if r.status != expect:
            raise SystemExit(f"{method} {path} answered {r.status}: {await r.text()}")
        return await r.json()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


class Processes:
    """Child processes by name, logging to files in `tmp`; stopped in reverse order."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.procs = tmp, dict[str, subprocess.Popen[bytes]]()

    def spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each process started (with its children) and by the
        callers (this process)."""
        me = os.times()
        return {name: _cpu(p.pid) for name, p in self.procs.items()} | {
            "callers": me.user + me.system}

    def stop(self) -> None:
        for p in reversed(self.procs.values()):
            p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    async def ready(self, http: aiohttp.ClientSession, path: str) -> None:
        for _ in range(240):
            if any(p.poll() is not None for p in self.procs.values()):
                raise SystemExit(f"a process ended while starting; its log is in {self.tmp}")
            try:
                async with http.get(path) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.5)
        raise SystemExit(f"the API did not answer {path}")


def _cpu(pid: int) -> float:
    """CPU seconds of a live process and its live descendants (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK") + sum(_cpu(int(c)) for c in children)


@asynccontextmanager
async def workspace(env: dict[str, str]) -> AsyncIterator[tuple[Path, Processes]]:
    """A temp dir and the processes started in it, with `env` (ZHANWU_ settings) set for them and for
    this process; removed on the way out, or kept (and said) when the benchmark failed."""
    signal.signal(signal.SIGTERM, _interrupt)  # stopped (timeout, make): still stop the processes it started
    tmp = Path(tempfile.mkdtemp(prefix="zhanwu-bench-"))
    os.environ.update({"ZHANWU_VAR_DIR": str(tmp), "ZHANWU_API_PORT": str(free_port())} | env)
    procs = Processes(tmp)
    progress(f"working in {tmp}")
    try:
        yield tmp, procs
    except BaseException:
        procs.stop()
        progress(f"failed: the processes' logs are kept in {tmp}")
        raise
    procs.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def http_client(port: int) -> aiohttp.ClientSession:
    """The callers' HTTP client. aiohttp: httpx spends several times its CPU per request, and the callers share
    the machine with what they measure (with httpx, a bare gateway reached 0.34-0.47 of raw updates; 0.85 with
    aiohttp)."""
    return aiohttp.ClientSession(f"http://127.0.0.1:{port}", timeout=aiohttp.ClientTimeout(total=120),
                                 connector=aiohttp.TCPConnector(limit=CONCURRENCY))


@asynccontextmanager
async def stack() -> AsyncIterator[Stack]:
    address = f"127.0.0.1:{free_port()}"
    env = {"ZHANWU_TEMPORAL_ADDRESS": address, "ZHANWU_TASK_QUEUE": "bench", "ZHANWU_WORKER_METRICS_ADDRESS": "",
           "ZHANWU_TEMPORAL_TIMEOUT_S": "120",  # a loaded machine is slow, not unavailable: wait as the raw client does
           "ZHANWU_RATE_LIMIT": "0"}  # thousands of calls a minute by a few subjects: the load, not an abuse
    async with workspace(env) as (tmp, procs):
        settings = Settings()
        host, port = address.rsplit(":", 1)
        procs.spawn("temporal", [*temporal_dev_server(tmp / "temporal.db", host, port), "--headless"])
        await upgrade_async(settings.db_url)
        await prepare_temporal(settings)
        procs.spawn("worker", [sys.executable, "-m", "zhanwu.cli", "worker"])
        procs.spawn("api", [sys.executable, "-m", "zhanwu.cli", "api"])
        procs.spawn("raw", [sys.executable, "-m", "bench.raw", address, RAW_QUEUE])
        async with http_client(settings.api_port) as http:
            await procs.ready(http, "/readyz")
            progress("stack ready")
            yield Stack(settings, await connect(settings), await Client.connect(address), http, procs)


@dataclass(frozen=True)
class Figures:
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: dict[str, float]  # CPU per call, by process (Processes.cpu), where there was any

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def row(self, name: str, unit: str) -> str:
        cpu = ", ".join(f"{p} {ms:.1f}" for p, ms in self.cpu_ms.items())
        return (f"{name:<28} {self.rate:8.1f} {unit}/s   p50 {self.p50_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms"
                f"   ({self.calls} in {self.seconds:.1f} s)\n{'':<28} CPU per call {sum(self.cpu_ms.values()):.1f} ms:"
                f" {cpu}")


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


Call = Callable[[int, int], Awaitable[None]]  # (caller, i)
RATIO_TARGET = 0.8  # Zhanwu's rate against the raw engine's


async def drive(callers: int, calls_each: int, call: Call, procs: Processes) -> Figures:
    """`callers` concurrent callers, each making `calls_each` calls one after the other (caller, i); the
    figures include the CPU each of `procs` spent per call meanwhile."""
    latencies: list[float] = []

    async def caller(c: int) -> None:
        for i in range(calls_each):
            t = time.perf_counter()
            await call(c, i)
            latencies.append(time.perf_counter() - t)

    cpu0, t0 = procs.cpu(), time.perf_counter()
    await asyncio.gather(*(caller(c) for c in range(callers)))
    seconds, cpu1, n = time.perf_counter() - t0, procs.cpu(), len(latencies)
    cpu_ms = {p: (cpu1[p] - cpu0[p]) / n * 1000 for p in cpu1 if cpu1[p] - cpu0[p] >= 0.0005 * n}
    return Figures(n, seconds, *percentiles(latencies), cpu_ms)


async def versus(s: Stack, calls_each: int, plain: Call, zhanwu: Call, raw_label: str, raw_unit: str,
                 our_label: str, our_unit: str, print_only: bool) -> None:
    """The raw engine's calls, then Zhanwu's, at CONCURRENCY callers; both figures, the ratio and its target."""
    progress("raw Temporal")
    base = await drive(CONCURRENCY, calls_each, plain, s.procs)
    progress("Zhanwu")
    ours = await drive(CONCURRENCY, calls_each, zhanwu, s.procs)
    ratio = ours.rate / base.rate
    print(f"callers {CONCURRENCY}, calls per caller {calls_each}")
    print(base.row(raw_label, raw_unit))
    print(ours.row(our_label, our_unit))
    print(f"ratio Zhanwu / raw             {ratio:.2f}")
    if "temporal" in base.cpu_ms and "temporal" in ours.cpu_ms:  # what the ratio is where the server is the limit
        print(f"Temporal's CPU per call, raw / Zhanwu {base.cpu_ms['temporal'] / ours.cpu_ms['temporal']:.2f}")
    verdict([(f"{our_unit}/s >= {RATIO_TARGET} x raw {raw_unit}/s", ratio >= RATIO_TARGET)], print_only)


def progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def parser(doc: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--print-only", action="store_true", help="print the figures; exit 0 even when a target is missed")
    return p


def verdict(checks: list[tuple[str, bool]], print_only: bool) -> None:
    """Print each target met or missed; exit 1 when one is missed, unless only printing."""
    for name, ok in checks:
        print(f"target {name:<48} {'met' if ok else 'MISSED'}")
    print(f"cpu count {os.cpu_count()}")
    if not print_only and not all(ok for _, ok in checks):
        raise SystemExit(1)
