"""Statistics for officials: cases counted by programme, state, tier, region and year, within the
caller's jurisdiction, from the read model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from zhanwu.schemas.views import Group, Statistics
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import StoreDep, lifecycle
from zhanwu.services.api.views import statistics_view
from zhanwu.services.store.repository import CountFilter
from zhanwu.workflows.common.lifecycle import Scope

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.get("/statistics", response_model=Statistics, response_model_exclude_unset=True)
async def statistics(
    actor: CurrentActor, store: StoreDep,
    programme: str | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="a region, or a city (ending 00)")] = None,
    year: Annotated[int | None, Query(ge=1991, le=2200, description="the year opened, Asia/Shanghai time")] = None,
    group_by: Annotated[list[Group] | None, Query(
        description="repeat to group by several (`group_by=programme&group_by=state`, the default); "
                    "state and tier are a programme's own, so grouping by either groups by programme too")] = None,
) -> Statistics:
    """Cases counted per group, within the caller's jurisdiction: each row has the keys grouped by, with
    their labels (zh/en) for programme, state and tier, and its count; `total` sums the rows."""
    if programme is not None:
        lifecycle(programme)  # 404 for an unknown programme
    groups = list(dict.fromkeys(group_by or (Group.PROGRAMME, Group.STATE)))
    if {Group.STATE, Group.TIER} & set(groups) and Group.PROGRAMME not in groups:
        groups.insert(0, Group.PROGRAMME)
    rows = await store.count_cases(CountFilter(programme, region, year), groups, Scope.of(actor))
    return statistics_view(groups, rows)
