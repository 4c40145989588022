"""Firing actions through the real gateway in tests, as the API does after reading the case."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.registry import LIFECYCLES


async def fire(gw: Gateway, case_id: str, action: str, actor: Actor, payload: dict[str, Any] | None = None,
               key: str | None = None, expected_version: int | None = None) -> CaseSnapshot:
    case = await gw.store.get_case(case_id)
    assert case is not None, f"{case_id} is not in the store"
    return await gw.act(LIFECYCLES[case.programme], case, action, actor, payload or {}, key, expected_version)


async def until(store: Store, case_id: str, ok: Callable[[CaseSnapshot], bool]) -> CaseSnapshot:
    """The projection lands a moment after the timer fires: wait for it (bounded)."""
    for _ in range(200):
        case = await store.get_case(case_id)
        if case is not None and ok(case):
            return case
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} never satisfied the condition; it is {case}")


def due(case: CaseSnapshot, kind: str) -> datetime:
    """The first listed deadline of `kind`."""
    return next(d.due_at for d in case.deadlines if d.kind == kind)


async def sleep_until(env: WorkflowEnvironment, instant: datetime, after: timedelta = timedelta(hours=1)) -> None:
    await env.sleep(instant + after - await env.get_current_time())


async def idle(env: WorkflowEnvironment, span: timedelta) -> None:
    """Let `span` pass, a quarter at a time (one long skip outlasts the test server's RPC timeout)."""
    end = await env.get_current_time() + span
    while (left := end - await env.get_current_time()) > timedelta(0):
        await env.sleep(min(left, timedelta(days=91)))


async def runs(env: WorkflowEnvironment, case_id: str) -> list[WorkflowHistory]:
    """The case's runs, first to last."""
    run_id, out = (await env.client.get_workflow_handle(case_id).describe()).run_id, list[WorkflowHistory]()
    while run_id:
        history = await env.client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        out.insert(0, history)
        run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    return out
