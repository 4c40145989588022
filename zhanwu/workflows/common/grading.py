"""What a graded annual evaluation does to a case (stations and commissioners alike): the result is
kept on the case in `data["evaluations"]`, the case's branches read it, and an unqualified year's
rectification ends when the office confirms it."""

from __future__ import annotations

from typing import Any

from zhanwu.schemas.common import CaseSnapshot, Note
from zhanwu.schemas.evaluations import Grade, GradedEvaluation
from zhanwu.workflows.common.lifecycle import Effect, Facts
from zhanwu.workflows.common.series import Series


def record(d: CaseSnapshot, f: Facts) -> dict[str, Any]:
    assert isinstance(f.payload, GradedEvaluation)
    p = f.payload
    entry = p.model_dump(mode="json") | {"result_label": p.result.zh, "campaign": f.campaign, "at": f.now.isoformat()}
    d.data.setdefault("evaluations", []).append(entry)
    return entry


def unqualified(f: Facts) -> bool:
    return getattr(f.payload, "result", None) is Grade.UNQUALIFIED


def second_unqualified(f: Facts) -> bool:
    """Unqualified, and so was the year before (连续两年不合格)."""
    past = f.case.data.get("evaluations") or []
    return unqualified(f) and bool(past) and past[-1]["result"] == Grade.UNQUALIFIED.value


def rectified(series: Series) -> Effect:
    """An effective rectification (整改效果明显): its deadline is met and kept in `rectifications`."""

    def effect(d: CaseSnapshot, f: Facts) -> None:
        assert isinstance(f.payload, Note)
        series.complete(d, f.now, note=f.payload.note)
        d.data.setdefault("rectifications", []).extend(d.data.pop(series.key))

    return effect
