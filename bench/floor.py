"""The floor under `bench.actions` and `bench.opens`: how far a bare HTTP gateway gets next to the raw
calls, on the same dev server and the same 50 callers: `python -m bench.floor [--calls N]`. Figures only.

The gateway is two FastAPI routes under uvicorn that forward each call to the raw update, or to the
raw update-with-start, and answer its result: no token, no check, no machine, no store. Whatever
Zhanwu's ratio to the raw calls, it cannot pass this one, the price of an HTTP hop in Python here.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

from bench.harness import (
    CONCURRENCY,
    RAW_QUEUE,
    call,
    drive,
    free_port,
    http_client,
    parser,
    progress,
    raw_start,
    stack,
)


@asynccontextmanager
async def _connected(app: FastAPI) -> AsyncIterator[None]:
    app.state.client = await Client.connect(os.environ["BENCH_FLOOR_TEMPORAL"])
    yield


app = FastAPI(lifespan=_connected)


@app.post("/bump/{workflow_id}")
async def bump(workflow_id: str) -> int:
    return int(await app.state.client.get_workflow_handle(workflow_id).execute_update("bump", 1, result_type=int))


@app.post("/open/{workflow_id}")
async def open_(workflow_id: str) -> int:
    return int(await app.state.client.execute_update_with_start_workflow(
        "bump", 1, start_workflow_operation=raw_start(workflow_id), result_type=int))


async def run(calls_each: int) -> None:
    async with stack() as s:
        raw = [await s.raw.start_workflow("bench_raw", id=f"raw-{c}", task_queue=RAW_QUEUE) for c in range(CONCURRENCY)]
        port = free_port()
        os.environ["BENCH_FLOOR_TEMPORAL"] = s.settings.temporal_address
        s.procs.spawn("floor", [sys.executable, "-m", "uvicorn", "bench.floor:app", "--port", str(port),
                                "--log-level", "warning"])
        async with http_client(port) as http:
            await s.procs.ready(http, "/openapi.json")

            async def plain(c: int, i: int) -> None:
                await raw[c].execute_update("bump", 1, result_type=int)

            async def gateway(c: int, i: int) -> None:
                await call(http, "POST", f"/bump/raw-{c}")

            async def plain_open(c: int, i: int) -> None:
                await s.raw.execute_update_with_start_workflow("bump", 1, start_workflow_operation=raw_start(
                    f"raw-{c}-{i}"), result_type=int)

            async def gateway_open(c: int, i: int) -> None:
                await call(http, "POST", f"/open/gw-{c}-{i}")

            progress("warming up")
            await drive(CONCURRENCY, 2, plain, s.procs)
            await drive(CONCURRENCY, 2, gateway, s.procs)
            await drive(CONCURRENCY, 1, lambda c, _: plain_open(c, -1), s.procs)
            await drive(CONCURRENCY, 1, lambda c, _: gateway_open(c, -1), s.procs)
            progress("updates: raw, then through the bare gateway; then update-with-start, the same")
            figures = [await drive(CONCURRENCY, n, f, s.procs) for n, f in
                       ((calls_each, plain), (calls_each, gateway), (calls_each // 2, plain_open),
                        (calls_each // 2, gateway_open))]
    print(f"callers {CONCURRENCY}, calls per caller {calls_each} (update-with-start {calls_each // 2})")
    for f, (name, unit) in zip(figures, (("raw Temporal updates", "updates"), ("bare HTTP gateway", "updates"),
                                         ("raw update-with-start", "starts"), ("bare HTTP gateway", "starts")),
                               strict=True):
        print(f.row(name, unit))
    print(f"ratio gateway / raw: updates {figures[1].rate / figures[0].rate:.2f}, "
          f"update-with-start {figures[3].rate / figures[2].rate:.2f}")

def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=40, help="calls per caller (default 40: 2,000 in all)")
    asyncio.run(run(p.parse_args().calls))


if __name__ == "__main__":
    main()
