"""Actions per second through the API against raw Temporal updates, on one dev server at 50 concurrent
callers: `python -m bench.actions [--calls N] [--print-only]`. Target: Zhanwu ≥ 0.8 × raw.

Zhanwu: each caller holds a filed commissioner station (opened, reviewed and filed over HTTP first) and
alternately suspends and resumes its monthly-report deadline (督办) as the city office: each call is a
real action over HTTP — token, the lifecycle's check in the API, a Workflow Update, the machine's
validator and effect, the search attributes, the projection committed to the store, the answer
rendered. Raw: each caller holds a `bench_raw` workflow and updates it from a plain client.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.harness import (
    CONCURRENCY,
    RAW_QUEUE,
    Stack,
    call,
    credit_code,
    drive,
    parser,
    progress,
    stack,
    versus,
)
from zhanwu.schemas.common import Actor, Role

CITY = Actor(subject="bt-kjj-bench", role=Role.CITY_OFFICE, region="150200")


def station(n: int) -> dict[str, Any]:
    return {"institution": {"name": f"工作站{n}", "credit_code": credit_code(n), "region": "150203"},
            "type": "sci_tech_service", "technical_staff": 5, "team_evidence": "队伍",
            "service_since": "2020-01-01", "service_evidence": "合同"}


async def post(s: Stack, path: str, actor: Actor, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    return dict(await call(s.http, "POST", f"/api/v1{path}", expect, json=body, headers=s.auth(actor)))


async def filed_station(s: Stack, n: int, gate: asyncio.Semaphore) -> tuple[str, str]:
    """A filed station's id and the kind of its first deadline."""
    host = Actor(subject=credit_code(n), role=Role.HOST_UNIT, region="150200")
    async with gate:
        case = await post(s, "/programmes/commissioner_station/cases", host, station(n), 201)
        for action in ("start_review", "file"):
            case = await post(s, f"/cases/{case['id']}/actions/{action}", CITY, {"note": "同意"})
    return case["id"], case["deadlines"][0]["kind"]


async def run(calls_each: int, print_only: bool) -> None:
    async with stack() as s:
        gate = asyncio.Semaphore(10)  # the setup, untimed
        stations = await asyncio.gather(*(filed_station(s, n, gate) for n in range(CONCURRENCY)))
        raw = [await s.raw.start_workflow("bench_raw", id=f"raw-{c}", task_queue=RAW_QUEUE)
               for c in range(CONCURRENCY)]

        async def zhanwu(c: int, i: int) -> None:
            case_id, kind = stations[c]
            action = "suspend_deadline" if i % 2 == 0 else "resume_deadline"
            await post(s, f"/cases/{case_id}/actions/{action}", CITY, {"kind": kind, "reason": "压测"})

        async def plain(c: int, i: int) -> None:
            await raw[c].execute_update("bump", 1, result_type=int)

        progress("setup done; warming up")
        await drive(CONCURRENCY, 2, plain, s.procs)  # warm both paths up
        await drive(CONCURRENCY, 2, zhanwu, s.procs)
        await versus(s, calls_each, plain, zhanwu, "raw Temporal updates", "updates", "Zhanwu actions (HTTP)", "actions",
                     print_only)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=40, help="calls per caller (default 40: 2,000 in all)")
    args = p.parse_args()
    asyncio.run(run(args.calls, args.print_only))


if __name__ == "__main__":
    main()
