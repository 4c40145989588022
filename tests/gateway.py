"""Firing actions through the real gateway in tests, as the API does after reading the case."""

from __future__ import annotations

from typing import Any

from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.services.api.gateway import Gateway
from zhanwu.workflows.registry import LIFECYCLES


async def fire(gw: Gateway, case_id: str, action: str, actor: Actor, payload: dict[str, Any] | None = None,
               key: str | None = None, expected_version: int | None = None) -> CaseSnapshot:
    case = await gw.store.get_case(case_id)
    assert case is not None, f"{case_id} is not in the store"
    return await gw.act(LIFECYCLES[case.programme], case, action, actor, payload or {}, key, expected_version)
