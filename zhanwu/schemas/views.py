"""What the REST API answers: the case as other systems read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from zhanwu.schemas.common import AuditEvent


class DeadlineView(BaseModel):
    kind: str
    label: str
    label_en: str
    due_at: datetime = Field(description="Asia/Shanghai")
    status: str = Field(description="pending | overdue | met")


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
    version: int
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseView]
    next_cursor: str | None


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


class StateView(BaseModel):
    key: str
    label: str
    label_en: str
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
