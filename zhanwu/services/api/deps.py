"""Per-request access to the process-wide gateway and store, and programme lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.lifecycle import Lifecycle
from zhanwu.workflows.registry import LIFECYCLES


def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


def store(request: Request) -> Store:
    return request.app.state.store


def lifecycle(programme: str) -> Lifecycle:
    lc = LIFECYCLES.get(programme)
    if lc is None:
        raise Problem(404, f"unknown programme {programme!r}", f"未知项目 {programme!r}")
    return lc


GatewayDep = Annotated[Gateway, Depends(gateway)]
StoreDep = Annotated[Store, Depends(store)]
LifecycleDep = Annotated[Lifecycle, Depends(lifecycle)]
