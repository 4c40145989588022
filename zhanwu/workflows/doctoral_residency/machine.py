"""doctoral_residency 百名博士进高新 (seed 001, 平顶山高新区): the lifecycle as data.

Residence starts a schedule held on the case: a report every quarter (`001 第十三条`), an evaluation
every 12 months (`001 第十六条`) and the term's end, after which the final summary is due
(`001 第十五条`). Each is a `Series` of due dates that fire by themselves; an overdue report or an
awaited evaluation stays listed on the case until it comes. Annual results arrive by evaluation
campaign only, which holds `excellent` to the profile's share of the round.
"""

from __future__ import annotations

from zhanwu.schemas.common import CaseSnapshot, Note, Reason, Role
from zhanwu.schemas.doctoral_residency import (
    Action as A,
)
from zhanwu.schemas.doctoral_residency import (
    Agreement,
    Evaluation,
    FinalEvaluation,
    OpenMatching,
    Position,
    QuarterlyReport,
    Result,
    StartResidency,
    Summary,
    WarningStage,
)
from zhanwu.schemas.doctoral_residency import (
    State as S,
)
from zhanwu.workflows.common.calendar import local_date
from zhanwu.workflows.common.lifecycle import (
    Action,
    Branch,
    Campaign,
    Facts,
    Lifecycle,
    Quota,
    Rule,
    Timer,
    Violation,
    lapsed,
    note,
)
from zhanwu.workflows.common.series import Series

# The zone's leading and emerging industries (主导产业和新兴产业, `001 第六条`) are the zone's to set;
# the seed names none, so this list is a placeholder its office replaces in a new profile version.
INDUSTRIES = {
    "electrical_equipment": "电气装备",
    "new_materials": "新材料",
    "new_energy": "新能源",
    "electronic_information": "电子信息",
    "biomedicine": "生物医药",
}
PROFILES = {
    "pingdingshan-hitech@1": {
        "min_term_months": 12,
        "report_every_months": 3,
        "evaluation_every_months": 12,
        "excellent_quota_percent": 30,
        "excellent_reward_yuan": 10_000,
        "industries": INDUSTRIES,
    },
}

APPLICANT, HOST, DISTRICT, CITY, SYSTEM = Role.APPLICANT, Role.HOST_UNIT, Role.DISTRICT_OFFICE, Role.CITY_OFFICE, Role.SYSTEM
LIVE = (S.IN_RESIDENCE, S.UNDER_WARNING)
REPORTS, EVALUATIONS, TERM = Series("reports", LIVE), Series("evaluations", LIVE), Series("term", LIVE)


# --- rules -----------------------------------------------------------------------------------
def _doctorate(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Agreement)
    d = f.payload.doctorate
    if d.held and (d.evidence or "").strip():
        return None
    return Violation("the doctor must hold a doctorate, with its evidence", "入驻人员须具有博士学位并提供学位证明")


def _industry(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Agreement)
    industries: dict[str, str] = f.profile["industries"]
    if f.payload.industry in industries:
        return None
    return Violation(
        f"the enterprise's industry must be one of the zone's leading or emerging industries: {sorted(industries)}",
        f"接收企业须从事高新区主导产业或新兴产业：{'、'.join(industries.values())}",
        {"industries": industries},
    )


def _term(f: Facts) -> Violation | None:
    assert isinstance(f.payload, Agreement)
    least = f.profile["min_term_months"]
    if f.payload.term_months >= least:
        return None
    return Violation(f"the term is at least {least} months", f"入驻期限不少于{least}个月", {"min_term_months": least})


def _position(f: Facts) -> Violation | None:
    assert isinstance(f.payload, StartResidency)
    if f.payload.position != Position.OTHER or (f.payload.position_title or "").strip():
        return None
    return Violation("another position must be named (position_title)", "其他岗位须写明岗位名称")


def _report_open(f: Facts) -> Violation | None:
    if REPORTS.current(f.case, f.now) is not None:
        return None
    return Violation("no quarterly report is due: this quarter's is in", "本季度工作情况已报送，暂无待报送的季度报告")


def _evaluation_awaited(f: Facts) -> Violation | None:
    if EVALUATIONS.current(f.case, f.now, outstanding_only=True) is not None:
        return None
    return Violation("no annual evaluation is awaited: the doctor has not completed another 12 months of residence",
                     "入驻未满一年（12个月），暂无待评价的年度评价")


def _warning_at(stage: WarningStage) -> Rule:
    def check(f: Facts) -> Violation | None:
        at = (f.case.data.get("warning") or {}).get("stage")
        if at == stage.value:
            return None
        return Violation(f"only at the warning stage {stage.value}", f"仅限“{stage.zh}”阶段", {"stage": at})

    verb = "escalate" if stage is WarningStage.INTERVIEW else "remove"
    return Rule(f"DR-WARNING-{stage.value.upper()}", "001 第十六条", f"已{stage.zh}", f"{verb} only after {stage.en}", check)


def _term_over(f: Facts) -> Violation | None:
    if TERM.current(f.case, f.now, outstanding_only=True) is not None:
        return None
    ends = (f.case.data.get("term") or [{}])[0].get("due_at")
    return Violation(f"the term has not ended (it ends {ends})", f"入驻期限未满（{ends} 届满）", {"term_ends_at": ends})


def _summary_in(f: Facts) -> Violation | None:
    if f.case.data.get("final_summary"):
        return None
    return Violation("the final summary has not been submitted", "入驻博士尚未提交入驻工作总结")


DOCTORATE = Rule("DR-DOCTORATE", "001 第四条", "具有博士学位", "holds a doctorate", _doctorate)
INDUSTRY = Rule("DR-INDUSTRY", "001 第六条", "接收企业属高新区主导产业或新兴产业", "a leading or emerging industry", _industry)
TERM_LENGTH = Rule("DR-TERM", "001 第七条", "入驻期限不少于1年", "a term of at least 12 months", _term)
POSITION = Rule("DR-POSITION", "001 第七条", "入驻岗位为所列岗位或写明的其他岗位", "a listed or named position", _position)
REPORT_OPEN = Rule("DR-REPORT-OPEN", "001 第十三条", "有待报送的季度工作情况", "a quarterly report is due", _report_open)
REPORT_LAPSED = Rule("DR-REPORT-LAPSED", "001 第十三条", "季度报送期限已过", "the quarter has ended",
                     lambda f: lapsed(REPORTS.next_due(f.case), f))
EVALUATION_LAPSED = Rule("DR-EVALUATION-LAPSED", "001 第十六条", "入驻满12个月", "12 months of residence completed",
                         lambda f: lapsed(EVALUATIONS.next_due(f.case), f))
EVALUATION_AWAITED = Rule("DR-EVALUATION-AWAITED", "001 第十六条", "有待评价的年度评价", "an annual evaluation is awaited",
                          _evaluation_awaited)
AFTER_INTERVIEW = _warning_at(WarningStage.INTERVIEW)
AFTER_CRITICISM = _warning_at(WarningStage.CRITICISM)
TERM_LAPSED = Rule("DR-TERM-END", "001 第十五条", "入驻期满", "the term has ended", lambda f: lapsed(TERM.next_due(f.case), f))
TERM_OVER = Rule("DR-TERM-OVER", "001 第十五条", "入驻期满后提交工作总结", "the summary comes after the term", _term_over)
SUMMARY_IN = Rule("DR-SUMMARY", "001 第十五条", "已提交入驻工作总结", "the final summary is in", _summary_in)
EXCELLENT_QUOTA = Quota("DR-EXCELLENT-QUOTA", "001 第十六条", Result.EXCELLENT, "excellent_quota_percent", Result.COMPETENT)


# --- effects ---------------------------------------------------------------------------------
def _open(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, OpenMatching)
    p = f.payload
    d.region, d.title = p.enterprise.region, f"{p.enterprise.name} · {p.doctor.university}"
    d.parties = {APPLICANT.value: [p.doctor.person_id], HOST.value: [p.enterprise.credit_code]}
    d.data = p.model_dump(mode="json")


def _sign(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Agreement)
    d.data["agreement"] = f.payload.model_dump(mode="json") | {
        "industry_label": f.profile["industries"][f.payload.industry], "signed_at": f.now.isoformat(),
    }


def _start(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, StartResidency)
    term, p = d.data["agreement"]["term_months"], f.profile
    d.data["residency"] = f.payload.model_dump(mode="json") | {"started_on": local_date(f.now).isoformat()}
    REPORTS.schedule(d, f.now, p["report_every_months"], term // p["report_every_months"])
    EVALUATIONS.schedule(d, f.now, p["evaluation_every_months"], term // p["evaluation_every_months"])
    TERM.schedule(d, f.now, term, 1)


def _report(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, QuarterlyReport)
    REPORTS.hand_in(d, f.now, report=f.payload.report)


def _evaluate(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Evaluation)
    p = f.payload
    item = EVALUATIONS.complete(d, f.now, outstanding_only=True, result=p.result.value, result_label=p.result.zh,
                                round=p.round, campaign=f.campaign, comment=p.comment, by=f.actor.role.value)
    if p.result is Result.EXCELLENT:
        d.data.setdefault("rewards", []).append({
            "evaluation": item["n"], "round": p.round, "praise": "通报表扬",
            "amount_yuan": f.profile["excellent_reward_yuan"], "clause": "001 第十六条",
        })
    if p.result is Result.POOR and not d.data.get("warning"):
        d.data["warning"] = {"stage": WarningStage.INTERVIEW.value, "stage_label": WarningStage.INTERVIEW.zh,
                             "since": f.now.isoformat(), "evaluation": item["n"]}


def _escalate(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Reason)
    d.data["warning"] |= {"stage": WarningStage.CRITICISM.value, "stage_label": WarningStage.CRITICISM.zh,
                          "criticised_at": f.now.isoformat(), "criticism": f.payload.reason}


def _clear(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Note)
    cleared = d.data.pop("warning") | {"cleared_at": f.now.isoformat(), "note": f.payload.note}
    d.data.setdefault("past_warnings", []).append(cleared)


def _summary(d: CaseSnapshot, f: Facts) -> None:
    assert isinstance(f.payload, Summary)
    TERM.complete(d, f.now, outstanding_only=True)
    d.data["final_summary"] = {"summary": f.payload.summary, "at": f.now.isoformat()}


_poor = Branch(S.UNDER_WARNING, lambda f: getattr(f.payload, "result", None) is Result.POOR,
               "评价为履职不到位：约谈", "a poor result: interview")
LIFECYCLE = Lifecycle(
    key="doctoral_residency",
    zh="百名博士进高新",
    en="doctoral residency in high-tech zone enterprises",
    id_prefix="dr",
    states=S,
    finals=(S.COMPLETED, S.EXITED),
    profiles=PROFILES,
    default_profile="pingdingshan-hitech@1",
    campaign=Campaign(A.RECORD_ANNUAL_EVALUATION, Result, (EXCELLENT_QUOTA,)),
    actions=(
        Action(A.OPEN_MATCHING, (), S.MATCHING, (APPLICANT, HOST, DISTRICT), OpenMatching, effect=_open,
               clause="001 第五条"),
        Action(A.SIGN_AGREEMENT, (S.MATCHING,), S.AGREED, (HOST, APPLICANT), Agreement,
               (TERM_LENGTH, DOCTORATE, INDUSTRY), _sign, "001 第五条"),
        Action(A.FILE_AGREEMENT, (S.AGREED,), S.FILED, (DISTRICT,), Note, effect=note("filing"), clause="001 第五条"),
        Action(A.START_RESIDENCY, (S.FILED,), S.IN_RESIDENCE, (HOST,), StartResidency, (POSITION,), _start,
               "001 第七条", new_run=True),
        Action(A.SUBMIT_QUARTERLY_REPORT, LIVE, None, (APPLICANT,), QuarterlyReport, (REPORT_OPEN,), _report,
               "001 第十三条"),
        Action(A.REPORT_OVERDUE, LIVE, None, (SYSTEM,), Note, (REPORT_LAPSED,),
               lambda d, f: REPORTS.lapse(d, f.now), "001 第十三条"),
        Action(A.EVALUATION_DUE, LIVE, None, (SYSTEM,), Note, (EVALUATION_LAPSED,),
               lambda d, f: EVALUATIONS.lapse(d, f.now), "001 第十六条"),
        Action(A.RECORD_ANNUAL_EVALUATION, LIVE, None, (CITY, DISTRICT), Evaluation, (EVALUATION_AWAITED,),
               _evaluate, "001 第十六条", new_run=True, branches=(_poor,)),
        Action(A.ESCALATE_WARNING, (S.UNDER_WARNING,), None, (DISTRICT,), Reason, (AFTER_INTERVIEW,), _escalate,
               "001 第十六条"),
        Action(A.CLEAR_WARNING, (S.UNDER_WARNING,), S.IN_RESIDENCE, (DISTRICT,), Note, effect=_clear,
               clause="001 第十六条"),
        Action(A.REMOVE_FROM_POOL, (S.UNDER_WARNING,), S.EXITED, (DISTRICT,), Reason, (AFTER_CRITICISM,),
               note("removal"), "001 第十六条"),
        Action(A.TERM_ENDED, LIVE, None, (SYSTEM,), Note, (TERM_LAPSED,), lambda d, f: TERM.lapse(d, f.now),
               "001 第十五条"),
        Action(A.SUBMIT_FINAL_SUMMARY, (S.IN_RESIDENCE,), None, (APPLICANT,), Summary, (TERM_OVER,), _summary,
               "001 第十五条"),
        Action(A.ISSUE_FINAL_EVALUATION, (S.IN_RESIDENCE,), S.COMPLETED, (DISTRICT,), FinalEvaluation, (SUMMARY_IN,),
               note("final_evaluation"), "001 第十五条"),
    ),
    timers=(
        Timer("quarterly_report", "季度工作情况报送", "quarterly report", REPORTS.next_due, lambda c: False,
              A.REPORT_OVERDUE, REPORTS.outstanding, supervised=True),
        Timer("annual_evaluation", "入驻满一年，年度评价", "annual evaluation", EVALUATIONS.next_due, lambda c: False,
              A.EVALUATION_DUE, EVALUATIONS.outstanding, supervised=True),
        Timer("term_end", "入驻期满，提交入驻工作总结", "term end: final summary due", TERM.next_due, lambda c: False,
              A.TERM_ENDED, TERM.outstanding, supervised=True),
    ),
)
