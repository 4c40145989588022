"""Score sheets 绩效评价表 as data, and a calculator that scores counts with one, item by item."""

from __future__ import annotations

from fastapi import APIRouter

from zhanwu.schemas.views import ScoreRequest, ScoreSheetView, ScoreView
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.views import score_sheet_view, score_view
from zhanwu.workflows.common.score_sheets import SCORE_SHEETS, ScoreSheet

router = APIRouter(prefix="/api/v1/score-sheets", tags=["score sheets"])


def _sheet(key: str) -> ScoreSheet:
    sheet = SCORE_SHEETS.get(key)
    if sheet is None:
        raise Problem(404, f"unknown score sheet {key!r}", f"未知评价表 {key!r}")
    return sheet


@router.get("", response_model=list[ScoreSheetView])
async def list_sheets(_: CurrentActor) -> list[ScoreSheetView]:
    return [score_sheet_view(s) for s in SCORE_SHEETS.values()]


@router.get("/{key}", response_model=ScoreSheetView)
async def get_sheet(key: str, _: CurrentActor) -> ScoreSheetView:
    return score_sheet_view(_sheet(key))


@router.post("/{key}/score", response_model=ScoreView)
async def score(key: str, body: ScoreRequest, _: CurrentActor) -> ScoreView:
    """Score counts per item as an official would by hand: each item's points, the bonus, the total
    capped, the grade."""
    sheet = _sheet(key)
    if errors := sheet.invalid(body.counts):
        raise Problem(422, f"invalid counts for {key}", "评价表计数不合规",
                      errors=[{"loc": ["body", "counts", k], "msg": msg, "type": "value_error"} for k, msg in errors])
    return score_view(sheet, body.counts)
