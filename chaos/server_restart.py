"""Server restart: cases brought to `rectifying` over HTTP with deadlines a short time ahead, while the
Temporal dev server (its SQLite file) is stopped and started again — alternately SIGTERM and SIGKILL,
down a few seconds each time — while the deadlines fall due.

Pass: every deadline fires exactly once (one `rectification_expired` in the audit), none before its due
instant; no case lost (each in the store and in Temporal, revoked, the read model equal to the
workflow's state, its audit contiguous); no workflow failed. `python -m chaos.server_restart --cases
100 --restarts 3` is the long run (`make chaos`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from chaos.drive import PLANS, Driver, Run, check, converge, report
from chaos.stack import Stack

CONCURRENCY = 10


async def scenario(cases: int, restarts: int, lead_s: float, spread_s: float, down_s: float,
                   converge_s: float = 180) -> int:
    stack = Stack()
    violations: list[str] = []
    try:
        await stack.up(workers=1)
        driver = Driver.of(stack.base_url, stack.token)
        runs = [Run(PLANS["lapsed"], f"sr-{i}") for i in range(cases)]
        t0 = datetime.now(UTC)
        start = time.monotonic()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(i: int, run: Run) -> None:
            async with gate:  # the deadlines fall evenly over [lead, lead + spread] from now
                await driver.drive(run, t0 + timedelta(seconds=lead_s + spread_s * i / max(cases - 1, 1)))

        downs: list[tuple[float, float]] = []

        async def restarter() -> None:
            for k in range(restarts):  # the restarts spread over the deadlines' window
                await asyncio.sleep(max(0.0, start + lead_s + spread_s * (k + 0.5) / restarts - time.monotonic()))
                went = time.monotonic()
                stack.stop("temporal", signal.SIGTERM if k % 2 == 0 else signal.SIGKILL)
                await asyncio.sleep(down_s)
                stack.start_temporal()
                await stack.ready()
                downs.append((went - start, time.monotonic() - start))

        await asyncio.gather(asyncio.gather(*(one(i, r) for i, r in enumerate(runs))), restarter())
        client, store = await stack.temporal(), stack.store()
        settled = await converge(store, client, runs, converge_s + lead_s + spread_s)
        violations = driver.violations + await check(store, client, runs)
        fired = {r.case_id: e.at for r in runs if r.case_id for e in await store.history(r.case_id)
                 if e.action == "rectification_expired"}
        late = sorted((fired[r.case_id] - r.due).total_seconds() for r in runs if r.case_id in fired and r.due)
        in_downtime = sum(any(a <= (r.due - t0).total_seconds() <= b for a, b in downs) for r in runs if r.due)
        await store.engine.dispose()
        await driver.http.aclose()
        return report("server restart", {
            "cases / deadlines fired": f"{cases} / {len(fired)}",
            "restarts (down at s → ready at s)": ", ".join(f"{a:.0f}→{b:.0f}" for a, b in downs) or "-",
            "deadlines due while down": in_downtime,
            "fired after due, s (min/p50/max)": f"{late[0]:.2f} / {statistics.median(late):.2f} / {late[-1]:.2f}"
                                                if late else "-",
            "time, s": f"{time.monotonic() - start:.1f}",
            "converged, s": f"{settled:.1f}" if settled is not None else "no",
            **driver.figures(),
        }, violations)
    finally:
        stack.close(keep=bool(violations))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100)
    p.add_argument("--restarts", type=int, default=3)
    p.add_argument("--lead", type=float, default=60, help="seconds from the start to the first deadline")
    p.add_argument("--spread", type=float, default=60, help="seconds over which the deadlines fall")
    p.add_argument("--down", type=float, default=5, help="seconds the server stays down each time")
    a = p.parse_args(argv)
    sys.exit(asyncio.run(scenario(a.cases, a.restarts, a.lead, a.spread, a.down)))


if __name__ == "__main__":
    main()
