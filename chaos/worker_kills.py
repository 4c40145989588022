"""Worker kills: lifecycle runs driven over HTTP while one of two `zhanwu worker` processes is SIGKILLed
every 2–10 s (seeded) and started again. Runs start evenly over `--spread` seconds, each a plan in turn
(withdrawn, restored, rejected, lapsed: its deadline, 20–30 s after it is issued, revokes it by itself).

Pass: every run reaches its end state; each case's audit is contiguous and holds its plan's actions once;
the read model equals the workflow's state; no workflow failed. `python -m chaos.worker_kills --runs 200
--spread 420 --min-kills 60` is the long run (`make chaos`)."""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import time
from datetime import UTC, datetime, timedelta

from chaos.drive import PLANS, Driver, Run, check, converge, report
from chaos.stack import Stack

WORKERS = 2
DEADLINE_S = (3, 30)  # a lapsed run's deadline, seconds after its start (at least MIN_LEAD after it is issued)


async def scenario(runs: int, spread_s: float, min_kills: int, kill_every_s: tuple[float, float], seed: int,
                   converge_s: float = 180) -> int:
    rng = random.Random(seed)
    stack = Stack()
    violations: list[str] = []
    try:
        await stack.up(WORKERS)
        driver = Driver.of(stack.base_url, stack.token)
        plans = list(PLANS.values())
        todo = [Run(plans[i % len(plans)], f"wk{seed}-{i}") for i in range(runs)]
        kills = 0
        started = time.monotonic()

        async def one(i: int, run: Run) -> None:
            await asyncio.sleep(i * spread_s / runs)
            await driver.drive(run, datetime.now(UTC) + timedelta(seconds=rng.uniform(*DEADLINE_S)))

        async def killer(load: asyncio.Future[object]) -> None:
            nonlocal kills
            while not load.done() or kills < min_kills:
                await asyncio.sleep(rng.uniform(*kill_every_s))
                name = f"worker-{rng.randrange(WORKERS)}"
                stack.stop(name, signal.SIGKILL)
                kills += 1
                stack.zhanwu(name, "worker")

        load = asyncio.gather(*(one(i, r) for i, r in enumerate(todo)))
        await asyncio.gather(load, killer(load))
        drove = time.monotonic() - started
        client, store = await stack.temporal(), stack.store()
        settled = await converge(store, client, todo, converge_s)
        violations = driver.violations + await check(store, client, todo)
        await store.engine.dispose()
        await driver.http.aclose()
        return report("worker kills", {
            "runs (plans)": f"{runs} ({', '.join(f'{p.name} {sum(r.plan is p for r in todo)}' for p in plans)})",
            "workers / kills (SIGKILL)": f"{WORKERS} / {kills}",
            "time driving, s": f"{drove:.1f}",
            "converged after the load, s": f"{settled:.1f}" if settled is not None else f"not within {converge_s}s",
            **driver.figures(),
        }, violations)
    finally:
        stack.close(keep=bool(violations))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--spread", type=float, default=420, help="seconds over which the runs start")
    p.add_argument("--min-kills", type=int, default=60, help="keep killing at least this often")
    p.add_argument("--kill-every", type=float, nargs=2, default=(2, 10), metavar=("MIN_S", "MAX_S"))
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    sys.exit(asyncio.run(scenario(a.runs, a.spread, a.min_kills, tuple(a.kill_every), a.seed)))


if __name__ == "__main__":
    main()
