"""What the REST API answers: the case as other systems read it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zhanwu.schemas.common import AuditEvent, Payload


class DeadlineView(BaseModel):
    kind: str
    label: str
    label_en: str
    due_at: datetime = Field(description="Asia/Shanghai")
    status: str = Field(description="pending | overdue | met")


class DeadlineItem(DeadlineView):
    """An open deadline with its case, as supervision 督办 lists them across programmes."""

    case_id: str
    programme: str
    title: str
    state: str
    state_label: str
    region: str


class DeadlinePage(BaseModel):
    items: list[DeadlineItem]
    next_cursor: str | None


class CaseView(BaseModel):
    id: str = Field(examples=["dw-140702-2026-0001"])
    programme: str
    profile: str
    title: str
    state: str
    state_label: str
    state_label_en: str
    tier: str | None
    region: str
    data: dict[str, Any]
    flags: dict[str, bool]
    allowed_actions: list[str] = Field(description="what the calling actor may fire now")
    deadlines: list[DeadlineView]
    calendar: str = Field(description="the working-day calendar the case counts with, pinned when it opened",
                          examples=["CN/holidays-0.109"])
    version: int
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseView]
    next_cursor: str | None


class BatchRequest(Payload):
    action: str = Field(examples=["certify"])
    case_ids: list[str] = Field(min_length=1, max_length=200, description="distinct case ids of this programme")
    payload: dict[str, Any] = Field(default_factory=dict, description="the action's payload, the same for every case")

    @field_validator("case_ids")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("case ids must be distinct")
        return v


class BatchItem(BaseModel):
    case_id: str
    status: int = Field(description="200 applied; otherwise the status a single action would have answered")
    case: CaseView | None = Field(None, description="the case after the action, when applied")
    problem: dict[str, Any] | None = Field(None, description="the problem+json a single action would have answered")


class BatchResult(BaseModel):
    action: str
    applied: int
    refused: int
    items: list[BatchItem] = Field(description="one per requested case, in the order asked")


class History(BaseModel):
    items: list[AuditEvent]


class RuleView(BaseModel):
    id: str
    clause: str
    title: str
    title_en: str


class ActionView(BaseModel):
    key: str
    label: str
    label_en: str
    creates: bool
    sources: list[str]
    dest: str | None = Field(description="null: the case stays in its state")
    roles: list[str]
    rules: list[RuleView]
    clause: str
    payload_schema: dict[str, Any]
    branches: list[BranchView] = Field(default_factory=list, description="other destinations, taken when their condition holds")
    campaign_only: bool = Field(False, description="delivered only by an evaluation campaign (POST …/evaluations)")


class BranchView(BaseModel):
    dest: str
    when: str
    when_en: str


class CampaignView(BaseModel):
    action: str
    results: list[LabelView]
    quotas: list[RuleView]


class LabelView(BaseModel):
    key: str
    label: str
    label_en: str


class StateView(LabelView):
    final: bool


class TimerView(BaseModel):
    kind: str
    label: str
    label_en: str
    fires: str


class ProgrammeSummary(BaseModel):
    key: str
    label: str
    label_en: str
    profiles: dict[str, dict[str, Any]]
    default_profile: str


class ProgrammeView(ProgrammeSummary):
    states: list[StateView]
    actions: list[ActionView]
    timers: list[TimerView]
    evaluation: CampaignView | None = Field(None, description="annual evaluation campaigns, if the programme has them")


class EvaluationItem(BaseModel):
    case_id: str
    result: str
    points: dict[str, int] | None = Field(None, description="points per score-sheet item, to check by hand")
    score: int | None = Field(None, description="the sheet's total (capped), or the score given to rank the entry")
    demoted_by: str | None = Field(None, description="the quota that held the entry below the result it earned")
    comment: str | None = None
    outcome: str = Field(description="recorded: the case took its result; refused (see problem); pending: not yet")
    problem: dict[str, Any] | None = None
    case: CaseView | None = Field(None, description="the case after its result, in the campaign's answer")


class EvaluationView(BaseModel):
    id: str
    programme: str
    region: str
    round: str
    profile: str
    figures: dict[str, Any] = Field(description="evaluated, count per result, each quota with its allowance")
    created_at: datetime
    by_role: str
    recorded: int
    items: list[EvaluationItem] = Field(description="one per entry, in the order asked")


class BandView(BaseModel):
    low: int
    high: int | None = Field(description="null: and above (及以上)")
    points: int


class ScoreItemView(BaseModel):
    key: str
    label: str
    label_en: str
    clause: str
    max_points: int
    bonus: bool
    bands: list[BandView] = Field(description="the seed's bands; a count on two bands' shared end scores the higher")
    per_unit: int | None = Field(None, description="a bonus item: points per unit, up to max_points")
    awarded: bool = Field(False, description="a bonus item whose points (0..max_points) the evaluator awards")


class GradeView(BaseModel):
    key: str
    label: str
    label_en: str
    at_least: int


class ScoreSheetView(BaseModel):
    key: str
    label: str
    label_en: str
    clause: str
    cap: int
    grades: list[GradeView]
    items: list[ScoreItemView]


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counts: dict[str, Annotated[int, Field(ge=0, le=100_000)]] = Field(
        description="count per item key (points for an awarded item); an item left out counts 0")


class ScoredItem(BaseModel):
    key: str
    clause: str
    count: int
    points: int


class ScoreView(BaseModel):
    sheet: str
    items: list[ScoredItem] = Field(description="every item with the points it scored, to check by hand")
    base: int
    bonus: int
    total: int = Field(description="base + bonus, capped at the sheet's cap")
    grade: GradeView


class Group(StrEnum):
    """What statistics count by. A state or a tier is a programme's own: grouping by either groups by programme too."""

    PROGRAMME = "programme"
    STATE = "state"
    TIER = "tier"
    REGION = "region"
    YEAR = "year"


class StatisticsRow(BaseModel):
    """One group: only the keys grouped by are present, each with its labels where it has them."""

    programme: str | None = None
    programme_label: str | None = None
    programme_label_en: str | None = None
    state: str | None = None
    state_label: str | None = None
    state_label_en: str | None = None
    tier: str | None = Field(None, description="null: cases without a tier")
    tier_label: str | None = None
    tier_label_en: str | None = None
    region: str | None = None
    year: int | None = Field(None, description="the year the case was opened, Asia/Shanghai time")
    count: int


class Statistics(BaseModel):
    group_by: list[Group] = Field(description="the groups counted by, in the order of each row's keys")
    total: int = Field(description="the cases counted: the sum of the rows' counts")
    rows: list[StatisticsRow] = Field(description="ordered by the groups' keys; a null key last")


class RefusalView(BaseModel):
    """A request refused to a known actor: a role the operation does not allow (403), or a case of
    another jurisdiction (answered 404, so as not to tell it exists)."""

    id: int
    at: datetime
    subject: str
    role: str
    region: str = Field(description="the actor's jurisdiction")
    method: str
    route: str = Field(description="the route template, e.g. /api/v1/cases/{case_id}/actions/{action}")
    action: str | None
    case_id: str | None
    status: int
    rule: str = Field(description="ROLE, JURISDICTION…")


class RefusalPage(BaseModel):
    items: list[RefusalView]
    next_cursor: str | None
