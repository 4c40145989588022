"""Deadlines across cases and programmes, for supervision 督办: soonest first, from the read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from zhanwu.schemas.views import DeadlinePage
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import PageLimit, StoreDep, lifecycle
from zhanwu.services.api.errors import invalid_cursor
from zhanwu.services.api.views import deadline_item
from zhanwu.services.store.repository import DeadlineFilter
from zhanwu.workflows.common.calendar import CURRENT
from zhanwu.workflows.common.lifecycle import Scope

router = APIRouter(prefix="/api/v1", tags=["deadlines"])


@router.get("/deadlines", response_model=DeadlinePage)
async def deadlines(
    actor: CurrentActor, store: StoreDep, limit: PageLimit,
    due_before: Annotated[datetime | None, Query(description="an instant; without a zone, Asia/Shanghai time")] = None,
    programme: str | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="a region, or a city (ending 00)")] = None,
    overdue: Annotated[bool | None, Query(description="true: past due; false: still ahead")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> DeadlinePage:
    if programme is not None:
        lifecycle(programme)  # 404 for an unknown programme
    now = datetime.now(UTC)
    f = DeadlineFilter(programme, region, CURRENT.deadline_instant(due_before) if due_before else None, overdue)
    try:
        items, nxt = await store.list_deadlines(f, Scope.of(actor), now, limit, cursor)
    except ValueError:
        raise invalid_cursor() from None
    return DeadlinePage(items=[deadline_item(d, now) for d in items], next_cursor=nxt)
