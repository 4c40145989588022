"""The baseline: a trivial workflow with an update handler, on a worker with Zhanwu's worker settings
(the same sandboxed runner, the SDK's default concurrency). `python -m bench.raw ADDRESS TASK_QUEUE`
runs that worker until SIGTERM; the benchmarks start it themselves."""

from __future__ import annotations

import asyncio
import signal
import sys

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(name="bench_raw")
class RawWorkflow:
    """Stays open like a case; each update bumps a counter and answers it."""

    def __init__(self) -> None:
        self.count = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: False)
        return self.count

    @workflow.update
    def bump(self, by: int) -> int:
        self.count += by
        return self.count


async def serve(address: str, task_queue: str) -> None:
    from zhanwu.services.workers.main import (
        workflow_runner,  # not at the top: the sandbox re-imports this module
    )

    client = await Client.connect(address)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[RawWorkflow], workflow_runner=workflow_runner()):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
