"""Calls to the API shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx

from zhanwu.schemas.common import Actor


async def act(api: httpx.AsyncClient, auth: Any, case_id: str, action: str, actor: Actor,
              payload: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    return await api.post(f"/api/v1/cases/{case_id}/actions/{action}", json=payload or {}, headers=auth(actor, **headers))
