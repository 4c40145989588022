"""Store outage: clients drive lifecycles over HTTP and a reader polls the case, its history and the list,
while the store's PostgreSQL server (a private one, `pg_ctl stop -m fast`) is down for `--outage`
seconds in the middle of the load.

Pass: every write answers a success (perhaps delayed) or 503 problem+json, which the client retries with
the same Idempotency-Key — never a 500 or another error; every read 200 or 503; after the store returns
every case converges: its end state reached, the read model equal to the workflow's state, its audit
contiguous with each of its plan's actions exactly once (nothing half applied, nothing applied twice);
no workflow failed. `python -m chaos.store_outage --outage 20` is the long run (`make chaos`)."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from chaos.drive import DW, PLANS, Driver, Run, check, converge, report
from chaos.stack import Stack
from tests.postgres import TEMPLATE, PostgresServer, find_bindir

DELAYED_S = 2.0  # a success slower than this counts as delayed


async def scenario(clients: int, before_s: float, outage_s: float, after_s: float, seed: int,
                   converge_s: float = 180) -> int:
    bindir = find_bindir()
    if bindir is None:
        print("store outage: no PostgreSQL (initdb) found; scripts/ensure-postgres installs it")
        return 2
    rng = random.Random(seed)
    pg = PostgresServer(bindir)
    stack = Stack(pg.url(TEMPLATE))  # the server's migrated database
    violations: list[str] = []
    try:
        await stack.up(workers=1)
        driver = Driver.of(stack.base_url, stack.token)
        plans = list(PLANS.values())
        runs: list[Run] = []
        start = time.monotonic()
        load_ends = start + before_s + outage_s + after_s
        window: list[float] = []

        async def client(c: int) -> None:
            n = 0
            while time.monotonic() < load_ends:
                run = Run(plans[(c + n) % len(plans)], f"so{seed}-{c}-{n}")
                runs.append(run)
                n += 1
                await driver.drive(run, datetime.now(UTC) + timedelta(seconds=rng.uniform(3, 8)))

        async def reader() -> None:
            while time.monotonic() < load_ends:
                if (seen := [r.case_id for r in runs if r.case_id]):
                    for path in (f"/api/v1/cases/{seen[-1]}", f"/api/v1/cases/{seen[-1]}/history", f"{DW}/cases"):
                        await driver.read(path)
                await asyncio.sleep(0.2)

        async def outage() -> None:
            await asyncio.sleep(before_s)
            window.append(time.monotonic() - start)
            await asyncio.to_thread(pg.halt)
            await asyncio.sleep(outage_s)
            await asyncio.to_thread(pg.start)
            window.append(time.monotonic() - start)

        await asyncio.gather(*(client(c) for c in range(clients)), reader(), outage())
        drove = time.monotonic() - start
        client_, store = await stack.temporal(), stack.store()
        settled = await converge(store, client_, runs, converge_s)
        violations = driver.violations + await check(store, client_, runs)
        await store.engine.dispose()
        await driver.http.aclose()
        return report("store outage", {
            "runs / clients": f"{len(runs)} / {clients}",
            "store down (from s → back at s)": f"{window[0]:.1f} → {window[1]:.1f}" if len(window) == 2 else "-",
            "time driving, s": f"{drove:.1f}",
            f"writes delayed > {DELAYED_S:.0f} s (then success)": sum(t > DELAYED_S for t in driver.latencies),
            "converged after the load, s": f"{settled:.1f}" if settled is not None else f"not within {converge_s}s",
            **driver.figures(),
        }, violations)
    finally:
        stack.close(keep=bool(violations))
        pg.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=6, help="concurrent clients, each driving one run at a time")
    p.add_argument("--before", type=float, default=15, help="seconds of load before the outage")
    p.add_argument("--outage", type=float, default=20, help="seconds the store is down")
    p.add_argument("--after", type=float, default=15, help="seconds of load after it returns")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    sys.exit(asyncio.run(scenario(a.clients, a.before, a.outage, a.after, a.seed)))


if __name__ == "__main__":
    main()
