"""Annual evaluation campaigns 年度评价: a round's results, checked together and delivered to each case."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response

from zhanwu.schemas.common import region_prefix
from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.schemas.views import EvaluationView
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import GatewayDep, LifecycleDep, StoreDep
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.evaluations import campaign_of, evaluate
from zhanwu.services.api.views import evaluation_view

router = APIRouter(prefix="/api/v1/programmes/{programme}/evaluations", tags=["evaluations"])


@router.post("", status_code=201, response_model=EvaluationView)
async def run_campaign(
    lc: LifecycleDep, actor: CurrentActor, gw: GatewayDep, body: EvaluationRequest, response: Response
) -> EvaluationView:
    """A round of annual evaluations in the caller's region: refused as a whole (naming the entry, or
    the quota with its figures) unless every case may take its result; then each case records its own.
    Sending the same round again delivers what is missing and answers the same; other results for a
    round already evaluated are refused."""
    record, answers = await evaluate(gw, lc, actor, body)
    response.headers["Location"] = f"/api/v1/programmes/{lc.key}/evaluations/{record.id}"
    return evaluation_view(lc, record, answers, actor, datetime.now(UTC))


@router.get("/{evaluation_id}", response_model=EvaluationView)
async def get_campaign(lc: LifecycleDep, actor: CurrentActor, store: StoreDep, evaluation_id: str) -> EvaluationView:
    campaign = campaign_of(lc)
    record = await store.get_evaluation(evaluation_id)
    roles = lc.by_key[campaign.action.value].roles
    if (record is None or record.programme != lc.key or actor.role not in roles
            or not record.region.startswith(region_prefix(actor.region))):
        raise Problem(404, f"evaluation {evaluation_id} not found", "评价批次不存在")
    done = await store.recorded([e.case_id for e in record.entries], campaign.action.value, record.round)
    return evaluation_view(lc, record, {c: True for c in done}, actor, datetime.now(UTC))
