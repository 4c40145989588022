"""What a graded annual evaluation does to a case (stations and commissioners alike): the result is
kept on the case in `data["evaluations"]`, and the case's branches read it."""

from __future__ import annotations

from typing import Any

from zhanwu.schemas.common import CaseSnapshot
from zhanwu.schemas.evaluations import Grade, GradedEvaluation
from zhanwu.workflows.common.lifecycle import Facts


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
