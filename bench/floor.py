"""The floor under `bench.actions`: how far a bare HTTP gateway gets next to raw Temporal updates, on
the same dev server and the same 50 callers: `python -m bench.floor [--calls N]`. Figures only.

The gateway is a FastAPI route under uvicorn that forwards each call to the raw update and answers
its result: no token, no check, no machine, no store. Whatever the ratio of Zhanwu's actions to raw
updates, it cannot pass this one, which is the price of an HTTP hop in Python on this machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from temporalio.client import Client

from bench.harness import CONCURRENCY, RAW_QUEUE, drive, free_port, parser, progress, stack


@asynccontextmanager
async def _connected(app: FastAPI) -> AsyncIterator[None]:
    app.state.client = await Client.connect(os.environ["BENCH_FLOOR_TEMPORAL"])
    yield


app = FastAPI(lifespan=_connected)


@app.post("/bump/{workflow_id}")
async def bump(workflow_id: str) -> int:
    return int(await app.state.client.get_workflow_handle(workflow_id).execute_update("bump", 1, result_type=int))


async def run(calls_each: int) -> None:
    async with stack() as s:
        raw = [await s.raw.start_workflow("bench_raw", id=f"raw-{c}", task_queue=RAW_QUEUE) for c in range(CONCURRENCY)]
        port = free_port()
        os.environ["BENCH_FLOOR_TEMPORAL"] = s.settings.temporal_address
        s.procs.spawn("floor", [sys.executable, "-m", "uvicorn", "bench.floor:app", "--port", str(port),
                                "--log-level", "warning"])
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                     limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
            await s.procs.ready(http, "/openapi.json")

            async def plain(c: int, i: int) -> None:
                await raw[c].execute_update("bump", 1, result_type=int)

            async def gateway(c: int, i: int) -> None:
                (await http.post(f"/bump/raw-{c}")).raise_for_status()

            progress("warming up")
            await drive(CONCURRENCY, 2, plain)
            await drive(CONCURRENCY, 2, gateway)
            progress("raw Temporal, then the bare gateway")
            base, bare = await drive(CONCURRENCY, calls_each, plain), await drive(CONCURRENCY, calls_each, gateway)
    print(f"callers {CONCURRENCY}, calls per caller {calls_each}")
    print(base.row("raw Temporal updates", "updates"))
    print(bare.row("bare HTTP gateway", "updates"))
    print(f"ratio gateway / raw            {bare.rate / base.rate:.2f}")


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=40, help="calls per caller (default 40: 2,000 in all)")
    asyncio.run(run(p.parse_args().calls))


if __name__ == "__main__":
    main()
