"""Deadlines across cases and programmes, for supervision 督办: soonest first, from the read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from zhanwu.schemas.views import DeadlineItem, DeadlinePage
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import StoreDep, lifecycle
from zhanwu.services.api.errors import Problem
from zhanwu.services.store.repository import DeadlineFilter
from zhanwu.workflows.common.calendar import SHANGHAI, deadline_instant
from zhanwu.workflows.common.lifecycle import Scope

router = APIRouter(prefix="/api/v1", tags=["deadlines"])


@router.get("/deadlines", response_model=DeadlinePage)
async def deadlines(
    actor: CurrentActor, store: StoreDep,
    due_before: Annotated[datetime | None, Query(description="an instant; without a zone, Asia/Shanghai time")] = None,
    programme: str | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="a region, or a city (ending 00)")] = None,
    overdue: Annotated[bool | None, Query(description="true: past due; false: still ahead")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> DeadlinePage:
    if programme is not None:
        lifecycle(programme)  # 404 for an unknown programme
    now = datetime.now(UTC)
    f = DeadlineFilter(programme, region, deadline_instant(due_before) if due_before else None, overdue)
    try:
        items, nxt = await store.list_deadlines(f, Scope.of(actor), now, limit, cursor)
    except ValueError:
        raise Problem(422, "invalid cursor", "分页游标无效", errors=[{"loc": ["query", "cursor"], "msg": "invalid"}]) from None
    return DeadlinePage(
        items=[
            DeadlineItem(
                case_id=d.case_id, programme=d.programme, title=d.title, state=d.state,
                state_label=lifecycle(d.programme).state_label(d.state), region=d.region, kind=d.kind,
                label=d.label, label_en=d.label_en, due_at=d.due_at.astimezone(SHANGHAI),
                status="overdue" if d.due_at <= now else "pending",
            )
            for d in items
        ],
        next_cursor=nxt,
    )
