"""From the lifecycle and the case to what the API answers. No state logic: it reads the lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.schemas.evaluations import EvaluationRecord
from zhanwu.schemas.views import (
    ActionView,
    BandView,
    BatchItem,
    BatchResult,
    BranchView,
    CampaignView,
    CaseView,
    DeadlineItem,
    DeadlineView,
    EvaluationItem,
    EvaluationView,
    GradeView,
    Group,
    LabelView,
    ProgrammeSummary,
    ProgrammeView,
    RuleView,
    ScoredItem,
    ScoreItemView,
    ScoreSheetView,
    ScoreView,
    StateView,
    Statistics,
    StatisticsRow,
    TimerView,
)
from zhanwu.services.api.errors import Problem
from zhanwu.services.store.repository import OpenDeadline
from zhanwu.workflows.common.calendar import SHANGHAI
from zhanwu.workflows.common.lifecycle import Claim, Lifecycle, Rule, Screen
from zhanwu.workflows.common.score_sheets import Grade, ScoreSheet
from zhanwu.workflows.registry import LIFECYCLES


def case_view(lc: Lifecycle, case: CaseSnapshot, actor: Actor, now: datetime) -> CaseView:
    state = lc.states(case.state)
    return CaseView(
        id=case.id, programme=case.programme, profile=case.profile, title=case.title, state=case.state,
        state_label=state.zh, state_label_en=state.en, tier=case.tier, region=case.region, data=case.data,
        flags=case.flags, allowed_actions=lc.allowed_actions(actor, case), calendar=case.calendar, version=case.version,
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


def evaluation_view(lc: Lifecycle, record: EvaluationRecord, answers: Mapping[str, CaseSnapshot | Problem | bool],
                    actor: Actor, now: datetime) -> EvaluationView:
    """Each entry with what its case did: the case or the problem (the campaign's answer), or only
    whether it was recorded (reading a round later)."""
    items = []
    for e in record.entries:
        a = answers.get(e.case_id, False)
        item = EvaluationItem(case_id=e.case_id, result=e.result, points=e.points, score=e.score,
                              demoted_by=e.demoted_by, comment=e.comment,
                              outcome="refused" if isinstance(a, Problem) else "recorded" if a else "pending")
        if isinstance(a, Problem):
            item.problem = a.body()
        elif isinstance(a, CaseSnapshot):
            item.case = case_view(lc, a, actor, now)
        items.append(item)
    return EvaluationView(
        id=record.id, programme=record.programme, region=record.region, round=record.round, profile=record.profile,
        figures=record.figures, created_at=record.created_at.astimezone(SHANGHAI), by_role=record.actor_role,
        recorded=sum(i.outcome == "recorded" for i in items), items=items,
    )


def deadline_status(due_at: datetime, met: bool, now: datetime) -> str:
    return "met" if met else "overdue" if due_at <= now else "pending"


def deadline_item(d: OpenDeadline, now: datetime) -> DeadlineItem:
    return DeadlineItem(
        case_id=d.case_id, programme=d.programme, title=d.title, state=d.state,
        state_label=LIFECYCLES[d.programme].state_label(d.state), region=d.region, kind=d.kind, label=d.label,
        label_en=d.label_en, due_at=d.due_at.astimezone(SHANGHAI), status=deadline_status(d.due_at, False, now),
    )


def statistics_view(group_by: list[Group], rows: list[dict[str, Any]]) -> Statistics:
    """Each group's keys as the store counted them, with the programme's labels for its own keys."""
    out = []
    for r in rows:
        labels: dict[str, str | None] = {}
        if Group.PROGRAMME in r:
            lc = LIFECYCLES[r[Group.PROGRAMME]]
            labels |= {"programme_label": lc.zh, "programme_label_en": lc.en}
            if Group.STATE in r:
                state = lc.states(r[Group.STATE])
                labels |= {"state_label": state.zh, "state_label_en": state.en}
            if Group.TIER in r:
                tier = lc.tier_of(r[Group.TIER])
                labels |= {"tier_label": tier and tier.zh, "tier_label_en": tier and tier.en}
        out.append(StatisticsRow(**r, **labels))
    return Statistics(group_by=group_by, total=sum(r.count for r in out), rows=out)


def programme_summary(lc: Lifecycle) -> ProgrammeSummary:
    return ProgrammeSummary(key=lc.key, label=lc.zh, label_en=lc.en, profiles=lc.profiles,
                            default_profile=lc.default_profile)


def _rule_view(r: Rule | Claim | Screen) -> RuleView:
    return RuleView(id=r.id, clause=r.clause, title=r.title_zh, title_en=r.title_en)


def programme_view(lc: Lifecycle) -> ProgrammeView:
    return ProgrammeView(
        **programme_summary(lc).model_dump(),
        states=[StateView(key=s.value, label=s.zh, label_en=s.en, final=s in lc.finals) for s in lc.states],
        actions=[
            ActionView(
                key=a.key.value, label=a.key.zh, label_en=a.key.en, creates=a.creates,
                sources=[s.value for s in a.sources], dest=a.dest.value if a.dest else None,
                roles=[r.value for r in a.roles], clause=a.clause,
                rules=[_rule_view(r) for r in (*a.rules, a.claim, a.screen) if r is not None],
                payload_schema=a.payload.model_json_schema(),
                branches=[BranchView(dest=b.dest.value, when=b.zh, when_en=b.en) for b in a.branches],
                campaign_only=lc.campaign_only(a),
            )
            for a in lc.actions
        ],
        timers=[TimerView(kind=t.kind, label=t.zh, label_en=t.en, fires=t.action.value) for t in lc.timers],
        evaluation=None if lc.campaign is None else CampaignView(
            action=lc.campaign.action.value, results=[LabelView(key=r.value, label=r.zh, label_en=r.en) for r in lc.campaign.results],
            quotas=[RuleView(id=q.id, clause=q.clause, title=f"“{q.result.zh}”比例上限（{q.percent_key}）",
                             title_en=f"share of {q.result.value} capped by the profile's {q.percent_key}")
                    for q in lc.campaign.quotas],
        ),
    )


def score_sheet_view(sheet: ScoreSheet) -> ScoreSheetView:
    return ScoreSheetView(
        key=sheet.key, label=sheet.zh, label_en=sheet.en, clause=sheet.clause, cap=sheet.cap,
        grades=[_grade_view(g) for g in sheet.grades],
        items=[ScoreItemView(key=i.key, label=i.zh, label_en=i.en, clause=i.clause, max_points=i.max_points,
                             bonus=i.bonus, bands=[BandView(low=b.low, high=b.high, points=b.points) for b in i.bands],
                             per_unit=i.per_unit, awarded=i.awarded) for i in sheet.items],
    )


def score_view(sheet: ScoreSheet, counts: dict[str, int]) -> ScoreView:
    scored = sheet.score(counts)
    return ScoreView(
        sheet=sheet.key, base=scored.base, bonus=scored.bonus, total=scored.total, grade=_grade_view(scored.grade),
        items=[ScoredItem(key=i.key, clause=i.clause, count=counts.get(i.key, 0), points=scored.points[i.key])
               for i in sheet.items],
    )


def _grade_view(g: Grade) -> GradeView:
    return GradeView(key=g.key, label=g.zh, label_en=g.en, at_least=g.at_least)
