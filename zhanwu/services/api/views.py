"""From the lifecycle and the case to what the API answers. No state logic: it reads the lifecycle."""

from __future__ import annotations

from datetime import datetime

from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.schemas.views import (
    ActionView,
    BatchItem,
    BatchResult,
    CaseView,
    DeadlineItem,
    DeadlineView,
    ProgrammeSummary,
    ProgrammeView,
    RuleView,
    StateView,
    TimerView,
)
from zhanwu.services.api.errors import Problem
from zhanwu.services.store.repository import OpenDeadline
from zhanwu.workflows.common.calendar import SHANGHAI
from zhanwu.workflows.common.lifecycle import Lifecycle
from zhanwu.workflows.registry import LIFECYCLES


def case_view(lc: Lifecycle, case: CaseSnapshot, actor: Actor, now: datetime) -> CaseView:
    state = lc.states(case.state)
    return CaseView(
        id=case.id, programme=case.programme, profile=case.profile, title=case.title, state=case.state,
        state_label=state.zh, state_label_en=state.en, tier=case.tier, region=case.region, data=case.data,
        flags=case.flags, allowed_actions=lc.allowed_actions(actor, case), version=case.version,
        deadlines=[
            DeadlineView(kind=d.kind, label=d.label, label_en=d.label_en, due_at=d.due_at.astimezone(SHANGHAI),
                         status=deadline_status(d.due_at, d.met, now))
            for d in case.deadlines
        ],
        created_at=case.created_at.astimezone(SHANGHAI), updated_at=case.updated_at.astimezone(SHANGHAI),
    )


def batch_result(lc: Lifecycle, action: str, answers: dict[str, CaseSnapshot | Problem], actor: Actor,
                 now: datetime) -> BatchResult:
    """Per case, in the order asked: the case when applied, else the problem a single action would answer."""
    items = [
        BatchItem(case_id=c, status=a.status, problem=a.body()) if isinstance(a, Problem)
        else BatchItem(case_id=c, status=200, case=case_view(lc, a, actor, now))
        for c, a in answers.items()
    ]
    applied = sum(i.status == 200 for i in items)
    return BatchResult(action=action, applied=applied, refused=len(items) - applied, items=items)


def deadline_status(due_at: datetime, met: bool, now: datetime) -> str:
    return "met" if met else "overdue" if due_at <= now else "pending"


def deadline_item(d: OpenDeadline, now: datetime) -> DeadlineItem:
    return DeadlineItem(
        case_id=d.case_id, programme=d.programme, title=d.title, state=d.state,
        state_label=LIFECYCLES[d.programme].state_label(d.state), region=d.region, kind=d.kind, label=d.label,
        label_en=d.label_en, due_at=d.due_at.astimezone(SHANGHAI), status=deadline_status(d.due_at, False, now),
    )


def programme_summary(lc: Lifecycle) -> ProgrammeSummary:
    return ProgrammeSummary(key=lc.key, label=lc.zh, label_en=lc.en, profiles=lc.profiles,
                            default_profile=lc.default_profile)


def programme_view(lc: Lifecycle) -> ProgrammeView:
    return ProgrammeView(
        **programme_summary(lc).model_dump(),
        states=[StateView(key=s.value, label=s.zh, label_en=s.en, final=s in lc.finals) for s in lc.states],
        actions=[
            ActionView(
                key=a.key.value, label=a.key.zh, label_en=a.key.en, creates=a.creates,
                sources=[s.value for s in a.sources], dest=a.dest.value if a.dest else None,
                roles=[r.value for r in a.roles], clause=a.clause,
                rules=[RuleView(id=r.id, clause=r.clause, title=r.title_zh, title_en=r.title_en)
                       for r in (*a.rules, *([a.claim] if a.claim else []))],
                payload_schema=a.payload.model_json_schema(),
            )
            for a in lc.actions
        ],
        timers=[TimerView(kind=t.kind, label=t.zh, label_en=t.en, fires=t.action.value) for t in lc.timers],
    )
