"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from zhanwu.services.api.deps import GatewayDep, StoreDep
from zhanwu.services.api.errors import Problem

router = APIRouter(tags=["health"])  # readyz: 503 with its checks (EVERY_ROUTE)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(store: StoreDep, gw: GatewayDep) -> dict[str, str]:
    """200 only when the store and Temporal answer and a worker is polling the task queue."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(store.ping(), gw.timeout_s)
        checks["store"] = "ok"
    except Exception:
        checks["store"] = "unavailable"
    try:
        checks["worker"] = "ok" if await gw.worker_polling() else "no worker polling"
        checks["temporal"] = "ok"
    except Exception:
        checks["temporal"] = "unavailable"
    if any(v != "ok" for v in checks.values()):
        raise Problem(503, "not ready", "服务未就绪", checks=checks)
    return checks | {"status": "ready"}
