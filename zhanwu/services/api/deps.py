"""Per-request access to the process-wide gateway and store, and programme lookup. The dependencies
here and in `auth` are `async def` though they never wait: FastAPI runs a plain `def` on a thread, a
hop per dependency per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from zhanwu.schemas.common import ROW_ID_MAX, has_nul
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.lifecycle import Lifecycle
from zhanwu.workflows.registry import LIFECYCLES

DEFAULT_PAGE = 50


async def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


async def store(request: Request) -> Store:
    return request.app.state.store


async def no_nul(request: Request) -> None:
    """Every route: a path or query parameter holding the NUL character, which PostgreSQL cannot store,
    is refused 422 naming it (bodies: `Payload`)."""
    bad = [["path", k] for k, v in request.path_params.items() if has_nul(v)]
    bad += [["query", k] for k, v in request.query_params.multi_items() if has_nul(v)]
    if bad:
        fields = ", ".join(".".join(loc) for loc in bad)
        raise Problem(422, f"invalid request: {fields}", f"请求内容不合规：{fields}",
                      errors=[{"loc": loc, "msg": "must not contain the NUL character", "type": "value_error"}
                              for loc in bad])


async def page_limit(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="the page's size: 50 by default, at most ZHANWU_MAX_PAGE_SIZE "
                                                          "(200 by default)")] = None,
) -> int:
    most = request.app.state.settings.max_page_size
    if limit is None:
        return min(DEFAULT_PAGE, most)
    if limit > most:
        raise Problem(422, f"invalid request: query.limit must be at most {most}", f"请求内容不合规：每页至多 {most} 条",
                      errors=[{"loc": ["query", "limit"], "msg": f"Input should be less than or equal to {most}",
                               "type": "less_than_equal"}])
    return limit


def lifecycle(programme: str) -> Lifecycle:
    lc = LIFECYCLES.get(programme)
    if lc is None:
        raise Problem(404, f"unknown programme {programme!r}", f"未知项目 {programme!r}")
    return lc


async def programme(programme: str) -> Lifecycle:
    """The path's programme."""
    return lifecycle(programme)


PageLimit = Annotated[int, Depends(page_limit)]
# a list's position after its page: a row id (beyond the database's integer it is a 422, not its overflow)
RowCursor = Annotated[int | None, Query(ge=0, le=ROW_ID_MAX, description="next_cursor of the page before")]
GatewayDep = Annotated[Gateway, Depends(gateway)]
StoreDep = Annotated[Store, Depends(store)]
LifecycleDep = Annotated[Lifecycle, Depends(programme)]
