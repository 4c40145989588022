"""Annual evaluation campaigns: a round's results as asked, and as decided and kept."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from zhanwu.schemas.common import Labelled, Payload


class EvaluationEntry(Payload):
    case_id: str = Field(min_length=1, max_length=64)
    result: str | None = Field(None, min_length=1, max_length=32,
                               description="a result key of the programme, e.g. excellent; left out where the "
                                           "profile's score sheet grades the counts")
    counts: dict[str, Annotated[int, Field(ge=0, le=100_000)]] | None = Field(
        None, description="count per score-sheet item, where the profile scores (an item left out counts 0)")
    score: int | None = Field(None, ge=0, le=100, description="a graded round's overall score, which ranks the "
                                                               "entries when a quota is exceeded")
    negative_impact: bool = Field(False, description="造成负面影响: with a second unqualified year, an integrity "
                                                      "blacklist entry (003 包头方案 六(四))")
    comment: str | None = Field(None, max_length=4000)


class DecidedEntry(EvaluationEntry):
    """An entry as the round decided it: its result, and how it was scored or held to a quota."""

    result: str
    points: dict[str, int] | None = Field(None, description="points per score-sheet item")
    demoted_by: str | None = Field(None, description="the quota that held the entry below the result it earned")

    def payload(self, round_: str) -> dict[str, Any]:
        """What the case's campaign action takes: the result and round, and what else this entry carries."""
        out: dict[str, Any] = {"result": self.result, "round": round_, "comment": self.comment}
        if self.points is not None:
            out["score"] = {"points": self.points, "total": self.score}
        if self.negative_impact:
            out["negative_impact"] = True
        return out


class EvaluationRequest(Payload):
    round: str = Field(pattern=r"^[0-9A-Za-z-]{1,32}$", examples=["2027"], description="评价批次, unique per region")
    entries: list[EvaluationEntry] = Field(min_length=1, max_length=2000)

    @field_validator("entries")
    @classmethod
    def _distinct(cls, v: list[EvaluationEntry]) -> list[EvaluationEntry]:
        seen = [e.case_id for e in v]
        if len(set(seen)) != len(seen):
            raise ValueError("each case is evaluated once per round")
        return v


class EvaluationRecord(BaseModel):
    """A round as decided: written once by the store, before any result is delivered."""

    id: str
    programme: str
    region: str
    round: str
    profile: str
    request_hash: str
    actor_subject: str
    actor_role: str
    entries: list[DecidedEntry]
    figures: dict[str, Any] = Field(description="evaluated, count per result, and each quota's allowance")
    created_at: datetime


class Grade(Labelled):
    """The three grades of an annual evaluation (`003 附件1 第四条`, `004 第十八条`)."""

    EXCELLENT = ("excellent", "优秀", "excellent")
    QUALIFIED = ("qualified", "合格", "qualified")
    UNQUALIFIED = ("unqualified", "不合格", "unqualified")


class SheetScore(Payload):
    points: dict[str, int] = Field(description="points per score-sheet item")
    total: int = Field(ge=0, le=100)


class GradedEvaluation(Payload):
    """One case's result in an evaluation round, as its campaign delivers it."""

    result: Grade
    round: str = Field(pattern=r"^[0-9A-Za-z-]{1,32}$", description="评价批次")
    comment: str | None = Field(None, max_length=4000)
    score: SheetScore | None = Field(None, description="where the profile scores: the sheet's points and total")
    negative_impact: bool = Field(False, description="造成负面影响 (003 包头方案 六(四))")
