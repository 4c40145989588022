"""Annual evaluation campaigns 年度评价: a round's results, checked together and delivered to each case."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.schemas.views import EvaluationView
from zhanwu.services.api import refusals
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import GatewayDep, LifecycleDep, StoreDep
from zhanwu.services.api.errors import Problem, documented
from zhanwu.services.api.evaluations import evaluate, read
from zhanwu.services.api.views import evaluation_view

router = APIRouter(prefix="/api/v1/programmes/{programme}/evaluations", tags=["evaluations"],
                   responses=documented(403, 409))


@router.post("", status_code=201, response_model=EvaluationView)
async def run_campaign(
    lc: LifecycleDep, actor: CurrentActor, gw: GatewayDep, body: EvaluationRequest, request: Request, response: Response
) -> EvaluationView:
    """A round of annual evaluations in the caller's region: refused as a whole (naming the entry, or
    the quota with its figures) unless every case may take its result; then each case records its own.
    Sending the same round again delivers what is missing and answers the same; other results for a
    round already evaluated are refused."""
    record, answers = await evaluate(gw, lc, actor, body)
    await refusals.record(request, [(c, a) for c, a in answers.items() if isinstance(a, Problem)])
    response.headers["Location"] = f"/api/v1/programmes/{lc.key}/evaluations/{record.id}"
    return evaluation_view(lc, record, answers, actor, datetime.now(UTC))


@router.get("/{evaluation_id}", response_model=EvaluationView)
async def get_campaign(lc: LifecycleDep, actor: CurrentActor, store: StoreDep, evaluation_id: str) -> EvaluationView:
    """The round as decided, with which cases have recorded their result so far."""
    record, recorded = await read(store, lc, actor, evaluation_id)
    return evaluation_view(lc, record, dict.fromkeys(recorded, True), actor, datetime.now(UTC))
