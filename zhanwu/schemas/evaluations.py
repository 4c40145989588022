"""Annual evaluation campaigns: a round's results as asked, and as decided and kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from zhanwu.schemas.common import Payload


class EvaluationEntry(Payload):
    case_id: str = Field(min_length=1, max_length=64)
    result: str = Field(min_length=1, max_length=32, description="a result key of the programme, e.g. excellent")
    comment: str | None = Field(None, max_length=4000)


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
    entries: list[EvaluationEntry]
    figures: dict[str, Any] = Field(description="evaluated, count per result, and each quota's allowance")
    created_at: datetime
