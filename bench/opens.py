"""Cases opened per second through the API against raw workflow starts, on one dev server at 50
concurrent callers: `python -m bench.opens [--calls N] [--print-only]`. Target: Zhanwu ≥ 0.8 × raw.

Both sides are an update-with-start answered once the first update is done, and both workflows then
stay open, as a case does. Zhanwu: a district office opens a doctoral workstation (摸排) over HTTP —
token, the create action checked in the API, the case number allocated in the store, update-with-start,
the machine's create, the projection committed, the answer rendered. Raw: update-with-start of a
`bench_raw` workflow and its first update, from a plain client.
"""

from __future__ import annotations

import asyncio

from bench.harness import CONCURRENCY, call, credit_code, drive, parser, progress, raw_start, stack, versus
from zhanwu.schemas.common import Actor, Role

DISTRICT = Actor(subject="yuci-kjj-bench", role=Role.DISTRICT_OFFICE, region="140702")


async def run(calls_each: int, print_only: bool) -> None:
    async with stack() as s:
        headers = s.auth(DISTRICT)

        async def zhanwu(c: int, i: int) -> None:
            n = c * 10_000 + i + 1  # the warm-up is i = -1
            unit = {"name": f"晋中某企业{n}", "credit_code": credit_code(n, "91140702MA"), "kind": "enterprise",
                    "sector": "industry", "region": "140702"}
            await call(s.http, "POST", "/api/v1/programmes/doctoral_workstation/cases", 201, headers=headers,
                       json={"unit": unit, "intention": "高性能镁合金研发"})

        async def plain(c: int, i: int) -> None:
            await s.raw.execute_update_with_start_workflow("bump", 1, start_workflow_operation=raw_start(f"raw-{c}-{i}"),
                                                           result_type=int)

        progress("warming up")
        await drive(CONCURRENCY, 1, lambda c, _: plain(c, -1), s.procs)
        await drive(CONCURRENCY, 1, lambda c, _: zhanwu(c, -1), s.procs)
        await versus(s, calls_each, plain, zhanwu, "raw update-with-start", "starts", "Zhanwu opens (HTTP)", "opens",
                     print_only)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=20, help="calls per caller (default 20: 1,000 in all)")
    args = p.parse_args()
    asyncio.run(run(args.calls, args.print_only))


if __name__ == "__main__":
    main()
