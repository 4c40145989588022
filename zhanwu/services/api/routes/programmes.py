"""Programmes: the lifecycles as data, and drawn."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from zhanwu.schemas.views import ProgrammeSummary, ProgrammeView
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import LifecycleDep
from zhanwu.services.api.views import programme_summary, programme_view
from zhanwu.workflows import diagrams
from zhanwu.workflows.registry import LIFECYCLES

router = APIRouter(prefix="/api/v1/programmes", tags=["programmes"])


@router.get("", response_model=list[ProgrammeSummary])
async def programmes(_: CurrentActor) -> list[ProgrammeSummary]:
    return [programme_summary(lc) for lc in LIFECYCLES.values()]


@router.get("/{programme}", response_model=ProgrammeView)
async def programme(lc: LifecycleDep, _: CurrentActor) -> ProgrammeView:
    return programme_view(lc)


@router.get("/{programme}/diagram", response_class=Response,
            responses={200: {"content": {"text/plain": {}, "application/xml": {}}}})
async def diagram(lc: LifecycleDep, _: CurrentActor, format: Literal["mermaid", "bpmn"] = "mermaid") -> Response:
    if format == "bpmn":
        return Response(diagrams.bpmn(lc), media_type="application/xml")
    return Response(diagrams.mermaid(lc), media_type="text/plain; charset=utf-8")
